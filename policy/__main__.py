"""The mlops-platform policy pack: `pulumi preview|up --policy-pack policy`.

Constructing `PolicyPack` starts the analyzer's gRPC server and blocks until the Pulumi CLI
ends it, so nothing else imports this module; the policies come from `policy/pack.py`.
"""

import sys
from pathlib import Path

# The CLI runs this file from the pack's own virtualenv, where this repository is not
# installed: make the `policy` package importable from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policy.pack import PACK_NAME, build_policies

PolicyPack(
    name=PACK_NAME,
    description="Security, tagging and cost guard rails of the mlops-platform stacks.",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=build_policies(),
)
