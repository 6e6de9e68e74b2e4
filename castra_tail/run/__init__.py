"""What castra-tail knows of a run: records, trackers per family, the verdict."""
