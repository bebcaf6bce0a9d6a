"""Secret stack values stay secret: in state (Output.secret) and in the plan (masked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pulumi

from infra.config.loader import config_from_pulumi
from infra.plan import SECRET_SHOWN, build_plan, record_resources

from .helpers import BASE_STACK, of_type, write_stack

WEBHOOK = "https://events.pagerduty.com/integration/0123456789abcdef/enqueue"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


def test_a_plain_webhook_url_is_a_secret_and_never_shown(tmp_path: Path) -> None:
    path = write_stack(
        tmp_path,
        {**BASE_STACK, "mlops-platform:monitoring": {"alertHttpsEndpoints": [WEBHOOK]}},
    )
    plan = build_plan("test", path)
    https = [r for r in of_type(plan, SUBSCRIPTION) if r["inputs"]["protocol"] == "https"]
    assert [r["inputs"]["endpoint"] for r in https] == [SECRET_SHOWN]
    assert WEBHOOK not in json.dumps(plan.document())


def test_secure_values_plan_offline_and_stay_secret(tmp_path: Path) -> None:
    monitoring = {
        "alertEmails": [{"secure": "v1:AAAAencryptedemail"}, "oncall@example.com"],
        "alertHttpsEndpoints": [{"secure": "v1:AAAAencryptedurl"}],
    }
    path = write_stack(tmp_path, {**BASE_STACK, "mlops-platform:monitoring": monitoring})
    result = subprocess.run(
        [sys.executable, "-m", "infra.cli", "plan", "test", "--config", str(path),
         "--json", str(tmp_path / "plan.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "plan.json").read_text())
    shown = [r["inputs"]["endpoint"] for r in document["resources"] if r["type"] == SUBSCRIPTION]
    # The monitoring section holds a secret, so every subscriber of it is a secret in state.
    assert shown == [SECRET_SHOWN] * 3


def test_secret_config_keys_reach_the_program_as_secrets() -> None:
    seen: dict[str, bool] = {}
    entries = {
        "aws:region": "eu-west-1",
        "mlops-platform:environment": "dev",
        "mlops-platform:tags": json.dumps({"owner": "ml", "costCenter": "1"}),
        "mlops-platform:monitoring": json.dumps({"alertEmails": ["oncall@example.com"]}),
    }

    def program() -> None:
        pulumi.runtime.set_all_config(entries, ["mlops-platform:monitoring"])
        config = config_from_pulumi()
        seen["monitoring"] = config.is_secret("monitoring")
        seen["tags"] = config.is_secret("tags")

    record_resources(program)
    assert seen == {"monitoring": True, "tags": False}
