"""What `terraform output -raw` prints, rendered by Terraform itself, not read from the HCL literal."""

from __future__ import annotations

import json
import re

from tests.conftest import REPO_ROOT
from tests.terraform_cli import module_outputs

VALUES = {
    "enable_api": True,
    "enable_cdn": False,
    "module__api__start_url": "https://abc123.execute-api.eu-west-1.amazonaws.com/start",
    "module__storage__originals_bucket_name": "my-originals",
    "module__storage__resized_bucket_name": "my-resized",
    "module__orchestration__state_machine_arn": "arn:aws:states:eu-west-1:123456789012:stateMachine:image-resizer",
    "module__compute__log_group_name": "/aws/lambda/image-resizer",
}


def test_commands_print_paste_able_with_json_bodies_unescaped(tmp_path):
    printed = module_outputs(REPO_ROOT / "outputs.tf", tmp_path, VALUES)
    bash = printed["commands"].splitlines()
    assert bash[0] == "aws s3 cp ./image.jpg s3://my-originals/image.jpg"
    (curl,) = [line for line in bash if line.startswith("curl ")]
    body = re.search(r"-d '([^']*)'", curl).group(1)
    assert json.loads(body) == {"bucket": "my-originals", "key": "image.jpg"}  # not {\"bucket\"...}
    assert "'https://abc123.execute-api.eu-west-1.amazonaws.com/start'" in curl
    powershell = printed["commands_powershell"].splitlines()
    (invoke,) = [line for line in powershell if line.startswith("Invoke-WebRequest")]
    assert json.loads(re.search(r"-Body '([^']*)'", invoke).group(1)) == {"bucket": "my-originals", "key": "image.jpg"}
    assert powershell[0] == "aws s3 cp .\\image.jpg s3://my-originals/image.jpg"
    assert '\\"' not in printed["commands"] + printed["commands_powershell"]


def test_without_the_api_there_is_no_start_command(tmp_path):
    printed = module_outputs(REPO_ROOT / "outputs.tf", tmp_path, {**VALUES, "enable_api": False})
    assert "curl" not in printed["commands"] and "Invoke-WebRequest" not in printed["commands_powershell"]
    assert all(line.strip() for line in printed["commands"].splitlines())
