"""Regenerate the inputs/outputs tables of every module README and of docs/configuration.md (the root module)
from the .tf files, between the markers <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->.

    python scripts/terraform_docs.py           # rewrite
    python scripts/terraform_docs.py --check   # exit 1 when a table is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline_dev.terraform import expression, outputs, variables

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"
MODULES = ["storage", "compute", "orchestration", "api", "monitoring", "cdn"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def tables(directory: Path, heading: str = "##") -> str:
    lines = [f"{heading} Inputs", "", "| Name | Description | Type | Default | Required |", "|---|---|---|---|:---:|"]
    for name, body in sorted(variables(directory).items()):
        has_default = "default" in body
        default = f"`{_cell(expression(body['default']))}`" if has_default else "n/a"
        type_text = _cell(expression(body.get("type", "any")).strip('"'))
        required = "no" if has_default else "yes"
        lines.append(f"| {name} | {_cell(body.get('description', ''))} | `{type_text}` | {default} | {required} |")
    lines += ["", f"{heading} Outputs", "", "| Name | Description |", "|---|---|"]
    for name, body in sorted(outputs(directory).items()):
        lines.append(f"| {name} | {_cell(body.get('description', ''))} |")
    return "\n".join(lines)


def usage(module: str) -> str:
    """How the root module calls this one, cut from main.tf: a usage example that cannot go stale."""
    text = (ROOT / "main.tf").read_text(encoding="utf-8")
    start = text.index(f'module "{module}" {{')
    depth, end = 0, start
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0 and text[end] == "}":
            break
    return "## Usage\n\nAs the root module calls it (`main.tf`):\n\n```hcl\n" + text[start : end + 1] + "\n```\n\n"


def render(readme: Path, directory: Path) -> tuple[str, str]:
    heading = "###" if directory == ROOT else "##"
    current = readme.read_text(encoding="utf-8")
    if BEGIN not in current or END not in current:
        raise SystemExit(f"{readme}: missing {BEGIN} / {END} markers")
    head, rest = current.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    body = tables(directory, heading) if directory == ROOT else usage(directory.name) + tables(directory, heading)
    return current, f"{head}{BEGIN}\n{body}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    targets = [(ROOT / "modules" / m / "README.md", ROOT / "modules" / m) for m in MODULES]
    for readme, directory in [*targets, (ROOT / "docs" / "configuration.md", ROOT)]:
        current, wanted = render(readme, directory)
        if current != wanted:
            stale.append(readme.relative_to(ROOT))
            if not args.check:
                readme.write_text(wanted, encoding="utf-8")
    if args.check and stale:
        print("out of date (run python scripts/terraform_docs.py): " + ", ".join(map(str, stale)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
