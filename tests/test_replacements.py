"""Replacements come from the provider's schema data, and the review gate uses them.

`infra/data/replacements.json` lists per resource type the inputs the upstream provider
marks ForceNew. These tests hold the table to the installed pulumi-aws, and hold `diff` to
the pull-request contract: a change that replaces prod data exits 3.
"""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path
from typing import Any

import pytest

from infra.cli import main
from infra.gen_replacements import _inputs_of, camel, force_new_fields, problems, read_entry
from infra.replacements import Verdict, classify, load_table, would_replace
from policy.rules import STATEFUL_TYPES
from tests.conftest import SHIPPED_STACKS

STACKS = Path(__file__).resolve().parent.parent / "stacks"


def test_table_is_for_the_installed_pulumi_aws() -> None:
    table = load_table()
    assert table["pulumiAws"] == importlib.metadata.version("pulumi_aws"), (
        "pulumi-aws changed: re-read the ForceNew fields (python -m infra.gen_replacements)"
    )
    assert problems(table) == []


def test_every_entry_names_its_upstream_source() -> None:
    table = load_table()
    assert "terraform-provider-aws" in table["repository"]
    for rtype, entry in table["types"].items():
        assert entry["source"].startswith("internal/service/") and entry["source"].endswith(
            ".go"
        ), rtype
        assert len(entry["commit"]) == 40, rtype


def test_the_stateful_types_come_first() -> None:
    covered = set(load_table()["types"])
    for rtype in (
        "aws:s3/bucket:Bucket",
        "aws:kms/key:Key",
        "aws:sagemaker/featureGroup:FeatureGroup",
        "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
        "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
        "aws:ecr/repository:Repository",
        "aws:glue/catalogDatabase:CatalogDatabase",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:eks/nodeGroup:NodeGroup",
    ):
        assert rtype in covered


def test_feature_group_schema_and_description_replace() -> None:
    fg = "aws:sagemaker/featureGroup:FeatureGroup"
    assert would_replace(fg, {"featureDefinitions"})
    assert would_replace(fg, {"description"})
    assert not would_replace(fg, {"tags", "throughputConfig"})


def test_unknown_input_of_a_stateful_type_may_replace() -> None:
    verdict = classify("aws:s3/bucket:Bucket", {"objectLockSomething", "tags"})
    assert verdict.replaces == () and verdict.unknown == ("objectLockSomething",)
    # A type the table lacks: every changed input (tags aside) is unknown.
    assert "aws:efs/fileSystem:FileSystem" in STATEFUL_TYPES
    efs = classify("aws:efs/fileSystem:FileSystem", {"throughputMode", "tags"})
    assert efs.unknown == ("throughputMode",)


def test_cluster_upgrade_updates_and_a_new_role_replaces() -> None:
    assert classify("aws:eks/cluster:Cluster", {"version", "vpcConfig"}).replaces == ()
    assert classify("aws:eks/cluster:Cluster", {"roleArn"}).replaces == ("roleArn",)


def test_a_kubernetes_upgrade_updates_the_cluster_in_place() -> None:
    # EKS upgrades the control plane in place (UpdateClusterVersion); a new name or role
    # makes a new cluster, and every workload on it goes.
    assert classify("aws:eks/cluster:Cluster", {"version", "tags"}) == Verdict((), ())
    assert would_replace("aws:eks/cluster:Cluster", {"roleArn"})


def test_force_new_fields_are_read_from_a_schema_file() -> None:
    go = (
        "\t\tSchema: map[string]*schema.Schema{\n"
        '\t\t\t"feature_definition": {\n\t\t\t\tType: schema.TypeList,\n'
        "\t\t\t\tForceNew: true,\n\t\t\t},\n"
        "\t\t\tnames.AttrDescription: {\n\t\t\t\tForceNew:     true,\n\t\t\t},\n"
        '\t\t\t"throughput_config": {\n\t\t\t\tOptional: true,\n\t\t\t},\n'
    )
    assert force_new_fields(go) == ["description", "featureDefinitions"]
    assert camel("record_identifier_feature_name") == "recordIdentifierFeatureName"


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_every_aws_type_of_a_shipped_plan_is_in_the_table(stack: str, shipped_plan: Any) -> None:
    """Stateful or not, a change to any resource the program creates is classified from
    upstream data, never guessed."""
    types = {r["type"] for r in shipped_plan(stack).resources if r["type"].startswith("aws:")}
    missing = sorted(types - set(load_table()["types"]))
    assert missing == [], f"{stack}: add these types to infra/data/replacements.json: {missing}"


def test_framework_resources_and_nested_fields_are_read() -> None:
    """Framework resources mark replacement with a plan modifier; a nested ForceNew field
    makes its top-level input force a replacement too."""
    framework = (
        "\t\tAttributes: map[string]schema.Attribute{\n"
        "\t\t\tnames.AttrClusterName: schema.StringAttribute{\n"
        "\t\t\t\tPlanModifiers: []planmodifier.String{\n"
        "\t\t\t\t\tstringplanmodifier.RequiresReplace(),\n\t\t\t\t},\n\t\t\t},\n"
        '\t\t\t"role_arn": schema.StringAttribute{\n\t\t\t\tRequired: true,\n\t\t\t},\n'
    )
    assert force_new_fields(framework) == ["clusterName"]
    nested = (
        '\t\t\t"deployment_config": {\n\t\t\t\tType: schema.TypeList,\n'
        "\t\t\t\tElem: &schema.Resource{\n\t\t\t\t\tSchema: map[string]*schema.Schema{\n"
        '\t\t\t\t\t\t"alarms": {\n\t\t\t\t\t\t\tForceNew: true,\n\t\t\t\t\t\t},\n'
        "\t\t\t\t\t},\n\t\t\t\t},\n\t\t\t},\n"
        '\t\t\t"endpoint_config_name": {\n\t\t\t\tRequired: true,\n\t\t\t},\n'
    )
    assert force_new_fields(nested) == ["deploymentConfig"]


def test_an_entry_is_read_with_pulumi_input_names() -> None:
    """Terraform names map to pulumi-aws inputs: renamed (`alarm_name` is `name`),
    pluralised (`inline_policy` is `inlinePolicies`) or camelCased; computed-only fields and
    tags are left out."""
    alarm = (
        '\t\t\t"alarm_name": {\n\t\t\t\tRequired: true,\n\t\t\t\tForceNew: true,\n\t\t\t},\n'
        '\t\t\t"alarm_description": {\n\t\t\t\tOptional: true,\n\t\t\t},\n'
        '\t\t\t"arn": {\n\t\t\t\tComputed: true,\n\t\t\t},\n'
        "\t\t\tnames.AttrTags: {\n\t\t\t\tOptional: true,\n\t\t\t},\n"
    )
    assert read_entry("aws:cloudwatch/metricAlarm:MetricAlarm", alarm) == (
        ["name"],
        ["alarmDescription"],
    )
    role = '\t\t\t"inline_policy": {\n\t\t\t\tOptional: true,\n\t\t\t},\n'
    assert read_entry("aws:iam/role:Role", role) == ([], ["inlinePolicies"])


def test_inputs_are_the_resources_own() -> None:
    """pulumi_aws.s3 has a nested `BucketVersioningArgs` type beside the resource: the
    check reads the resource's constructor, so the table's names are held to the right one."""
    inputs = _inputs_of("aws:s3/bucketVersioning:BucketVersioning")
    assert inputs is not None and {"bucket", "versioningConfiguration"} <= inputs
    assert _inputs_of("aws:s3/noSuchThing:NoSuchThing") is None


def test_routine_stateless_changes_are_classified() -> None:
    """Endpoint updates point at a new configuration in place; a launch template change
    makes a new version, not a new template; a new alert address is a new subscription."""
    assert not would_replace("aws:sagemaker/endpoint:Endpoint", {"endpointConfigName"})
    assert classify("aws:ec2/launchTemplate:LaunchTemplate", {"userData"}) == Verdict((), ())
    assert would_replace("aws:sns/topicSubscription:TopicSubscription", {"endpoint"})


# -- the pull-request contract -------------------------------------------------------------


def _pr_gate(tmp_path: Path, edit: tuple[str, str] | None, capsys) -> tuple[int, str]:
    """Plan prod as the base branch would, then diff the (edited) stack file against it."""
    base = tmp_path / "base.json"
    assert main(["plan", "prod", "--json", str(base)]) == 0
    head = tmp_path / "Pulumi.prod.yaml"
    shutil.copy(STACKS / "Pulumi.prod.yaml", head)
    if edit:
        text = head.read_text(encoding="utf-8")
        assert edit[0] in text
        head.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    capsys.readouterr()
    code = main(
        ["diff", str(base), str(head), "--stack", "prod", "--markdown", "--fail-on-data-loss"]
    )
    return code, capsys.readouterr().out


def test_pr_gate_passes_an_unchanged_stack(tmp_path: Path, capsys) -> None:
    code, out = _pr_gate(tmp_path, None, capsys)
    assert code == 0
    assert out.startswith("### Plan diff") and "CAUTION" not in out


@pytest.mark.parametrize(
    "edit",
    [
        (
            "          - {name: home_country, type: String}\n",
            "          - {name: home_country, type: String}\n"
            "          - {name: loyalty_tier, type: String}\n",
        ),
        (
            "description: Customer attributes for fraud and churn models",
            "description: Customer attributes for the fraud and churn models",
        ),
    ],
    ids=["add-feature", "edit-description"],
)
def test_pr_gate_fails_when_a_prod_feature_group_would_be_replaced(
    edit: tuple[str, str], tmp_path: Path, capsys
) -> None:
    code, out = _pr_gate(tmp_path, edit, capsys)
    assert code == 3
    assert "> [!CAUTION]" in out and "feature-store-customer-profile" in out


def test_diff_dev_prod_reports_no_false_data_loss(capsys) -> None:
    """Per-stack names (`mlops-dev-` / `mlops-prod-`, `mlops_dev_features`) are normalised:
    what remains flagged are real differences of the two stack files."""
    main(["diff", "dev", "prod"])
    out = capsys.readouterr().out
    flagged = [line for line in out.splitlines() if line.startswith("!!!")]
    for line in flagged:
        assert " name" not in line and "bucket," not in line and "Bucket" not in line, line
    assert not [line for line in flagged if "CatalogDatabase" in line or "logGroup" in line]
