"""Collectors: I/O and parsing only; they report what they saw, never what it means."""
