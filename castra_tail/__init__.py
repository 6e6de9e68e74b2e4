"""castra-tail: read, filter and render Castra Event Contract v1 streams."""

__version__ = "0.1.0"
CONTRACT_VERSION = "v1"
