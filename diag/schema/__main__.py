"""Regenerate findings.schema.json from the models (a test fails when they differ)."""

import json
from pathlib import Path

from diag.model.findings import json_schema

target = Path(__file__).with_name("findings.schema.json")
target.write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
print(f"wrote {target}")
