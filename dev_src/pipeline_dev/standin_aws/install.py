"""The stand-in installed where Terraform looks for hashicorp/aws: a filesystem mirror holding one executable,
and a CLI configuration that takes hashicorp/aws from that mirror only (nothing is downloaded).

Terraform's unpacked mirror layout is ``HOSTNAME/NAMESPACE/TYPE/VERSION/TARGET/terraform-provider-TYPE*``
("Provider Installation", Terraform CLI configuration docs). The executable is a shell script that runs this
package with the Python that installed it and names the schema files it serves."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline_dev.deprecations import DEPRECATIONS_FILE, ensure_deprecations
from pipeline_dev.paths import REPO_ROOT
from pipeline_dev.provider_schema import PROVIDER_VERSION, SCHEMA_FILE, ensure_schema
from pipeline_dev.standin_aws.schema_proto import build_response

PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
TERRAFORM_CACHE = REPO_ROOT / ".cache" / "terraform"
MIRROR = TERRAFORM_CACHE / "mirror"
CLI_CONFIG = TERRAFORM_CACHE / "standin.tfrc"


class TerraformMissingError(RuntimeError):
    pass


def terraform_binary() -> str:
    found = shutil.which("terraform")
    if found is None:
        raise TerraformMissingError("terraform is not on PATH (install Terraform >= 1.9)")
    return found


def terraform_platform() -> str:
    """Terraform's own target, such as ``linux_amd64`` (``terraform version -json``)."""
    completed = subprocess.run(
        [terraform_binary(), "version", "-json"], capture_output=True, text=True, check=True, timeout=60
    )
    return str(json.loads(completed.stdout)["platform"])


def _launcher() -> str:
    environment = {
        "STANDIN_AWS_SCHEMA": str(SCHEMA_FILE),
        "STANDIN_AWS_DEPRECATIONS": str(DEPRECATIONS_FILE),
        "PYTHONPATH": str(REPO_ROOT / "dev_src"),
    }
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in environment.items())
    return f'#!/bin/sh\nexport {exports}\nexec {shlex.quote(sys.executable)} -m pipeline_dev.standin_aws "$@"\n'


def install() -> Path:
    """Build (or reuse) the schema, lay out the mirror for this machine's Terraform, write the CLI config."""
    schema = ensure_schema()
    deprecations = ensure_deprecations(schema)
    target = MIRROR / PROVIDER_ADDRESS / PROVIDER_VERSION / terraform_platform()
    executable = target / f"terraform-provider-aws_v{PROVIDER_VERSION}"
    text = _launcher()
    if not executable.exists() or executable.read_text() != text:
        target.mkdir(parents=True, exist_ok=True)
        executable.write_text(text)
        executable.chmod(0o755)
    config = (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(MIRROR))}\n"
        f"    include = [{json.dumps(PROVIDER_ADDRESS)}]\n"
        "  }\n"
        "}\n"
        "disable_checkpoint = true\n"
    )
    if not CLI_CONFIG.exists() or CLI_CONFIG.read_text() != config:
        CLI_CONFIG.parent.mkdir(parents=True, exist_ok=True)
        CLI_CONFIG.write_text(config)
    response = SCHEMA_FILE.with_suffix(".tfplugin6.bin")
    if not response.exists():  # built once here, so provider processes started at once only read it
        response.write_bytes(build_response(schema, deprecations).SerializeToString())
    return CLI_CONFIG
