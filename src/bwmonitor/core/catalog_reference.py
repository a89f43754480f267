"""The catalogue reference, generated from the field registry (the CLI's: cli/reference.py).

`python scripts/gen_docs.py` writes docs/catalogue-reference.md; a test fails when it differs
from what this module generates, so the docs cannot drift from the code.
"""

from __future__ import annotations

from bwmonitor.core.catalog import FIELDS, SECTION_DOCS


def catalogue_markdown() -> str:
    lines = [
        "# Catalogue reference (indicators.toml)",
        "",
        "Generated from the field registry in `src/bwmonitor/core/catalog.py` by "
        "`scripts/gen_docs.py`; do not edit by hand. The shipped `indicators.toml` is a "
        "complete example.",
        "",
    ]
    for section, fields in FIELDS.items():
        lines += [f"## [{section}]", "", SECTION_DOCS[section], ""]
        lines += ["| key | type | required | meaning |", "|---|---|---|---|"]
        for field in fields:
            meaning = field.doc
            if field.choices:
                meaning += " One of: " + ", ".join(f"`{c}`" for c in field.choices) + "."
            required = "yes" if field.required else ""
            lines.append(f"| `{field.name}` | {field.type} | {required} | {meaning} |")
        lines.append("")
    return "\n".join(lines)
