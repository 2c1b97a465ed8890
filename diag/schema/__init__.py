"""The committed JSON Schemas of the findings and sweep documents (regenerate: python -m
diag.schema)."""
