"""IAM on the local stack, as Terraform rendered it.

- Every role and its inline policies are created in moto's IAM; after the stack's own setup, moto's
  authorisation is switched on (its ``INITIAL_NO_AUTH_ACTION_COUNT``), so every request is signed, its key
  looked up and its action judged against the caller's policies.
- The function runs with credentials from ``sts:AssumeRole`` of its own role, as Lambda gives it: a call its
  policy does not allow is refused as on AWS (moto judges S3 with the object's ARN as the resource).
- The people and tools driving the stack use an administrator's keys (``local``/``local``, what ``make up``
  prints), and moto's ASL interpreter signs its calls with the fixed keys ``ak``/``sk``
  (moto/stepfunctions/parser/asl/utils/boto_client.py): both are administrators, as a deployer would be.
- What moto cannot enforce (it judges Lambda, Step Functions and EventBridge calls against the resource ``*``,
  and services acting for a role do not sign requests of their own) is judged here instead: each call the
  Step Functions engine, EventBridge, the API stand-in or the Lambda service makes for a role is checked with
  moto's own policy evaluator against that role's rendered policies, at the moment it is made
  (:class:`ServiceRoles`). A call the policy does not allow is a violation naming role, action and resource.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from moto import settings as moto_settings
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.models import iam_backends

from pipeline_dev.local.rendered import Rendered, Role

ACCOUNT = "123456789012"
ADMINISTRATOR_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
# user name -> (access key id, secret): the developer's and moto's own ASL interpreter's.
ADMINISTRATORS = {"local-developer": ("local", "local"), "local-engine": ("ak", "sk")}


def create_roles(iam: Any, rendered: Rendered) -> None:
    for role in rendered.roles.values():
        iam.create_role(RoleName=role.name, AssumeRolePolicyDocument=role.trust_policy)
        for name, document in role.policies.items():
            iam.put_role_policy(RoleName=role.name, PolicyName=name, PolicyDocument=document)


def create_administrators(iam: Any) -> None:
    """Users whose access keys are the fixed ones above (moto draws random ones; they are re-keyed here)."""
    backend = iam_backends[ACCOUNT]["aws"]
    for user, (key_id, secret) in ADMINISTRATORS.items():
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="administrator", PolicyDocument=ADMINISTRATOR_POLICY)
        drawn = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
        key = backend.access_keys.pop(drawn, None) or next(
            k for k in backend.users[user].access_keys if k.access_key_id == drawn
        )
        key.access_key_id, key.secret_access_key = key_id, secret
        backend.access_keys[key_id] = key


def assume(sts: Any, role_arn: str, session: str) -> dict[str, str]:
    """The environment Lambda gives a function: its role's temporary credentials."""
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session)["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }


def enforce(on: bool) -> None:
    """moto's authorisation for every request from now on (process-wide: moto's backends are)."""
    moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if on else float("inf")


def allows(role: Role, action: str, resource: str) -> bool:
    """Whether the role's policies allow ``action`` on ``resource``, by moto's own evaluator (an explicit Deny
    wins, as in AWS's policy evaluation logic)."""
    permitted = False
    for document in role.policies.values():
        result = IAMPolicy(document).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return False
        permitted = permitted or result == PermissionResult.PERMITTED
    return permitted


@dataclass(frozen=True)
class ServiceCall:
    role: str
    action: str
    resource: str
    allowed: bool

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "NOT allowed by its rendered policy"
        return f"{self.role}: {self.action} on {self.resource} ({verdict})"


class ServiceRoles:
    """The calls services made for the roles Terraform rendered, each judged when it is made."""

    def __init__(self, rendered: Rendered) -> None:
        self._roles = rendered.roles
        self._machine_roles = {m.arn: m.role_arn for m in rendered.state_machines.values()}
        self._lock = threading.Lock()
        self.calls: list[ServiceCall] = []

    def update(self, rendered: Rendered) -> None:
        with self._lock:
            self._roles = rendered.roles
            self._machine_roles = {m.arn: m.role_arn for m in rendered.state_machines.values()}

    def record(self, principal: str, action: str, resource: str) -> bool:
        """``principal``: a role ARN, or a state machine's ARN (its execution role acts)."""
        with self._lock:
            role_arn = self._machine_roles.get(principal, principal)
            role = self._roles.get(role_arn)
            allowed = role is not None and allows(role, action, resource)
            call = ServiceCall(role.name if role else role_arn, action, resource, allowed)
            if call not in self.calls:
                self.calls.append(call)
        return allowed

    def violations(self) -> list[str]:
        with self._lock:
            return [str(call) for call in self.calls if not call.allowed]
