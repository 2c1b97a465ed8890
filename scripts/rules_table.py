"""Print the README's rules table from the registry and the playbook (keep them in step):
.venv/bin/python scripts/rules_table.py"""

from diag.analyzers import playbook

print("| step | rule id | DOMAIN.md | what it concludes | needs |")
print("| --- | --- | --- | --- | --- |")
for step in playbook.load():
    for r in step.rules:
        needs = ", ".join(f"`{n}`" for n in r.needs) or "-"
        print(f"| {step.id} | `{r.id}` | {', '.join(r.refs)} | {r.title} | {needs} |")
