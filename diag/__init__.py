"""diag: fault localisation for enterprise leased lines (E1 / V.35 / Ethernet)."""

__version__ = "0.1.0"
