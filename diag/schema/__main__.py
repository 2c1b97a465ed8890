"""Regenerate findings.schema.json and sweep.schema.json from the models (a test fails when
they differ)."""

import json
from pathlib import Path

from diag.model.findings import json_schema
from diag.sweep.model import json_schema as sweep_json_schema

for name, schema in (("findings", json_schema()), ("sweep", sweep_json_schema())):
    target = Path(__file__).with_name(f"{name}.schema.json")
    target.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target}")  # noqa: T201
