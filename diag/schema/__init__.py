"""The committed JSON Schema of the findings document (regenerate: python -m diag.schema)."""
