"""Typed contracts: inventory, circuit path, observations, findings."""
