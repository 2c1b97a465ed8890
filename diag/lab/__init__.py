"""The built-in lab: a simulated carrier network served over real protocols on loopback."""
