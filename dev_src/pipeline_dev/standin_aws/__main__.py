"""``python -m pipeline_dev.standin_aws``: serve the provider (when Terraform starts it), or ``install``: lay out
the filesystem mirror and print the CLI configuration file to point ``TF_CLI_CONFIG_FILE`` at."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    if sys.argv[1:] == ["install"]:
        from pipeline_dev.standin_aws.install import install

        print(install())
        sys.exit(0)
    from pipeline_dev.standin_aws.server import serve

    sys.exit(serve())
