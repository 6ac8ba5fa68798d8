"""import-linter judges the package's layering (.importlinter); each contract is broken here on purpose, in a
copy of the package, to show it is one that can fail and that it is the only one a wrong import breaks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {
    "layers": "Entry points > pipeline > aws and imaging > shared spec and types",
    "imaging-never-aws": "Imaging never imports aws, boto3 or botocore",
    "ctypes": "Only imaging.codecs loads native code with ctypes",
    "numpy": "NumPy only in imaging.quality",
    "local-stack": "The local stack reads Terraform's render, never HCL",
}
SOURCES = {"image_resizer": ROOT / "lambda_src" / "image_resizer", "pipeline_dev": ROOT / "dev_src" / "pipeline_dev"}

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (make venv)")


def lint_imports(package_parent: Path) -> tuple[int, dict[str, str]]:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    completed = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / ".importlinter")],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=package_parent,
        timeout=120,
    )
    verdicts = dict(re.findall(r"^(.+?) (KEPT|BROKEN)\b", completed.stdout, re.M))
    return completed.returncode, verdicts


def test_the_package_keeps_every_contract():
    code, verdicts = lint_imports(ROOT / "lambda_src")
    assert code == 0
    assert verdicts == {name: "KEPT" for name in CONTRACTS.values()}


@pytest.mark.parametrize(
    ("contract", "module", "wrong_import"),
    [
        ("layers", "imaging/crop.py", "from image_resizer.pipeline import placeholders"),
        ("layers", "aws/pricing.py", "from image_resizer.imaging import encode"),
        ("layers", "variants.py", "from image_resizer import limits"),
        ("imaging-never-aws", "imaging/encode.py", "import boto3"),
        ("imaging-never-aws", "imaging/quality/search.py", "import botocore.exceptions"),
        ("ctypes", "imaging/render.py", "import ctypes"),
        ("ctypes", "pipeline/service.py", "import ctypes.util"),
        ("numpy", "pipeline/placeholders.py", "import numpy"),
        ("numpy", "imaging/crop.py", "import numpy.typing"),
        ("local-stack", "pipeline_dev/local/stack.py", "from pipeline_dev import terraform"),
        ("local-stack", "pipeline_dev/demo.py", "import hcl2"),
    ],
)
def test_a_wrong_import_breaks_its_contract_and_only_that_one(tmp_path, contract, module, wrong_import):
    package, _, inside = module.partition("/") if module.startswith("pipeline_dev/") else ("image_resizer", "", module)
    copy = tmp_path / package
    shutil.copytree(SOURCES[package], copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / inside
    text = target.read_text(encoding="utf-8")
    # After the docstring and `from __future__`, where an import may stand.
    anchor = "from __future__ import annotations\n"
    assert anchor in text
    target.write_text(text.replace(anchor, f"{anchor}\n{wrong_import}  # noqa\n", 1), encoding="utf-8")

    code, verdicts = lint_imports(tmp_path)

    assert code == 1
    broken = {name for name, verdict in verdicts.items() if verdict == "BROKEN"}
    assert broken == {CONTRACTS[contract]}
