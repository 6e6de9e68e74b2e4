"""Renderers: read-only views of events and of the ``Run``."""
