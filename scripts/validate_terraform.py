"""`terraform validate` by Terraform itself on the root module and each example, offline: the stand-in
hashicorp/aws (dev_src/pipeline_dev/standin_aws) serves the 6.25 schema from a filesystem mirror, on a copy of the
configuration in a temporary folder (no .terraform/ appears in the work tree). Warnings count as problems: a
deprecated argument or attribute is one. Exit 0 when all are valid, 1 when any is not, 2 when Terraform is missing."""

import sys
import tempfile
from pathlib import Path

from pipeline_dev.standin_aws.install import TerraformMissingError
from pipeline_dev.terraform_workspace import TerraformError, Workspace, warnings

FOLDERS = (".", "examples/minimal", "examples/complete")


def main() -> int:
    problems = 0
    with tempfile.TemporaryDirectory() as folder:
        try:
            workspace = Workspace.create(Path(folder))
        except TerraformMissingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        for where in FOLDERS:
            try:
                workspace.terraform(where, "init")
                completed = workspace.terraform(where, "validate", check=False)
            except TerraformError as exc:
                print(f"{where}: {exc}")
                problems += 1
                continue
            found = warnings(completed)
            if completed.returncode != 0 or found:
                print(f"{where}:\n{completed.stdout}{completed.stderr}")
                problems += 1
            else:
                print(f"{where}: valid")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
