"""Regenerate NOTICE from the corpus manifest (../shared/corpus/SOURCES.md) for every file
copied into fixtures/corpus/.  Run after copying corpus files: python scripts/update_notice.py"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT.parent / "shared" / "corpus" / "SOURCES.md"
LICENCE = {
    "networktocode/ntc-templates": "Apache-2.0",
    "CiscoTestAutomation/genieparser": "Apache-2.0",
    "kellyjonbrazil/jc": "MIT",
    "etingof/snmpsim-data": "BSD-2-Clause",
}
HEAD = """diag
Copyright 2026 the diag authors. Licensed under the Apache License, Version 2.0 (LICENSE).

This project contains data files copied from third-party projects. They are test data only
(raw device outputs and the upstream projects' expected parses); no third-party code is copied.
Each keeps its upstream licence:

- networktocode/ntc-templates: Apache License 2.0, Copyright Network to Code, LLC.
- CiscoTestAutomation/genieparser: Apache License 2.0, Copyright Cisco Systems, Inc.
  (upstream keeps the expected parses as Python literals, *_expected.py; they were converted to
  JSON without other change.)
- kellyjonbrazil/jc: MIT License, Copyright (c) Kelly Brazil. Permission is hereby granted, free
  of charge, to any person obtaining a copy of this software and associated documentation files,
  to deal in the Software without restriction, subject to the condition that the copyright notice
  and this permission notice be included in all copies or substantial portions of the Software.
  THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.

Copied files (local path, then upstream repository, path, snapshot commit, licence):

"""


def main() -> int:
    manifest = {}
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 5:
            manifest[parts[0]] = parts
    rows, missing = [], []
    for f in sorted((ROOT / "fixtures" / "corpus").rglob("*")):
        if not f.is_file():
            continue
        rel = str(f.relative_to(ROOT / "fixtures" / "corpus"))
        if rel not in manifest:
            missing.append(rel)
            continue
        _, repo, src, commit, _ = manifest[rel]
        rows.append(
            f"fixtures/corpus/{rel}\n    from {repo} {src} @ {commit[:12]} ({LICENCE[repo]})"
        )
    (ROOT / "NOTICE").write_text(HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"NOTICE: {len(rows)} files", file=sys.stderr)
    if missing:
        print("not in the corpus manifest: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
