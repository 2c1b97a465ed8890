"""Rules of this step (being written)."""
