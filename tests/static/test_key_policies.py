"""Key policies admit every service that writes to what the key encrypts. Nothing offline can apply a KMS key
policy (moto does not evaluate them), so the rule is written down here: each AWS service that writes to an
encrypted resource of this pipeline must be a principal of that key's policy with the actions it uses.
Sources: SNS Developer Guide, "Configure AWS KMS permissions for AWS services" (CloudWatch alarms ->
encrypted topic: kms:Decrypt, kms:GenerateDataKey*); CloudWatch Logs User Guide, "Encrypt log data using AWS
KMS" (logs.<region>.amazonaws.com: kms:Encrypt*, Decrypt*, ReEncrypt*, GenerateDataKey*, Describe*);
EventBridge User Guide, "Using dead-letter queues" (an encrypted queue needs events.amazonaws.com:
kms:Decrypt, kms:GenerateDataKey)."""

from __future__ import annotations

from pipeline_dev.terraform import blocks

from tests.conftest import REPO_ROOT

WRITERS = {
    "cloudwatch.amazonaws.com": {"kms:Decrypt", "kms:GenerateDataKey*"},  # alarms -> SNS topic
    "events.amazonaws.com": {"kms:Decrypt", "kms:GenerateDataKey*"},  # EventBridge -> SQS dead letters
    "logs.${data.aws_region.current.region}.amazonaws.com": {"kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"},
}


def policy_document(directory, name):
    (document,) = [
        b.body for b in blocks(directory) if b.kind == "data" and b.labels == ("aws_iam_policy_document", name)
    ]
    return document


def granted(document) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for statement in document["statement"]:
        if statement.get("effect", "Allow") != "Allow":
            continue
        for principal in statement.get("principals", []):
            if principal["type"] == "Service":
                for service in principal["identifiers"]:
                    found.setdefault(service, set()).update(statement["actions"])
    return found


def covers(actions: set[str], needed: set[str]) -> bool:
    return all(need in actions or "kms:*" in actions for need in needed)


def test_no_resource_uses_the_aws_managed_sns_key():
    for path in REPO_ROOT.glob("**/*.tf"):
        if ".terraform" not in path.parts:
            code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
            assert "alias/aws/sns" not in code, path


def test_the_alarm_topic_key_admits_cloudwatch():
    monitoring = REPO_ROOT / "modules" / "monitoring"
    topic = next(b for b in blocks(monitoring) if b.labels == ("aws_sns_topic", "alarms")).body
    assert "aws_kms_key.alarms[0].arn" in topic["kms_master_key_id"]
    key = next(b for b in blocks(monitoring) if b.labels == ("aws_kms_key", "alarms")).body
    assert key["policy"] == "${data.aws_iam_policy_document.alarm_key.json}"
    assert key["enable_key_rotation"] is True
    grants = granted(policy_document(monitoring, "alarm_key"))
    assert covers(grants["cloudwatch.amazonaws.com"], WRITERS["cloudwatch.amazonaws.com"])


def test_a_shared_key_admits_every_writer_of_what_it_encrypts():
    """examples/complete passes one key to every module: logs, the DLQ and the alarm topic use it."""
    grants = granted(policy_document(REPO_ROOT / "examples" / "complete", "pipeline_key"))
    for service, needed in WRITERS.items():
        assert service in grants and covers(grants[service], needed), service


def test_the_default_dead_letter_queue_needs_no_key_policy():
    orchestration = REPO_ROOT / "modules" / "orchestration"
    queue = next(b for b in blocks(orchestration) if b.labels == ("aws_sqs_queue", "dead_letter")).body
    # SSE-SQS (an SQS-owned key) accepts EventBridge's messages; a customer key must admit events.amazonaws.com.
    assert queue["sqs_managed_sse_enabled"] == "${var.kms_key_arn == null}"
