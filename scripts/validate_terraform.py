"""Validate the repository's Terraform (root, modules/*, examples/*) against the hashicorp/aws provider schema,
offline, deprecated arguments and attributes included (see dev_src/pipeline_dev/tfvalidate.py and
deprecations.py). Exit 1 when anything is wrong."""

import sys
from pathlib import Path

from pipeline_dev.deprecations import ensure_deprecations
from pipeline_dev.provider_schema import ensure_schema
from pipeline_dev.tfvalidate import validate_tree

schema = ensure_schema()
problems = validate_tree(Path(__file__).resolve().parent.parent, schema, ensure_deprecations(schema))
for problem in problems:
    print(problem)
print(f"{len(problems)} problem(s) against hashicorp/aws {schema['provider_version']}")
sys.exit(1 if problems else 0)
