"""NOC sweeps: every selected circuit in one process, sharing what circuits share."""
