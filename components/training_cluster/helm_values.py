"""Typed Helm values of the charts the cluster installs (Karpenter, Kueue, Trainer, EFA).

Helm releases are not rendered offline, so a misspelt value would silently fall back to the
chart's default. The TypedDicts name every key the platform sets (keys as the charts spell
them), type checkers hold the builders to them, and the tests compare them with the charts'
documented value keys.
"""

from __future__ import annotations

from typing import TypedDict


class ResourceList(TypedDict, total=False):
    cpu: str
    memory: str


class Resources(TypedDict, total=False):
    requests: ResourceList
    limits: ResourceList


class Toleration(TypedDict, total=False):
    key: str
    operator: str
    value: str
    effect: str


class KarpenterServiceAccount(TypedDict):
    create: bool
    name: str


class KarpenterSettings(TypedDict):
    clusterName: str
    interruptionQueue: str


class KarpenterController(TypedDict):
    resources: Resources


class KarpenterWebhook(TypedDict):
    enabled: bool


class KarpenterPodDisruptionBudget(TypedDict):
    name: str
    maxUnavailable: int


class KarpenterValues(TypedDict):
    """Values of the `karpenter` chart (public.ecr.aws/karpenter/karpenter)."""

    serviceAccount: KarpenterServiceAccount
    settings: KarpenterSettings
    controller: KarpenterController
    replicas: int
    nodeSelector: dict[str, str]
    dnsPolicy: str
    logLevel: str
    webhook: KarpenterWebhook
    podDisruptionBudget: KarpenterPodDisruptionBudget


class KueueManager(TypedDict):
    resources: Resources


class KueueControllerManager(TypedDict):
    replicas: int
    manager: KueueManager
    nodeSelector: dict[str, str]
    tolerations: list[Toleration]


class KueueManagerConfig(TypedDict):
    # The controller's whole `Configuration` document (YAML; JSON is YAML).
    controllerManagerConfigYaml: str


class KueueValues(TypedDict):
    """Values of the `kueue` chart (registry.k8s.io/kueue/charts/kueue)."""

    controllerManager: KueueControllerManager
    enableCertManager: bool
    enablePrometheus: bool
    managerConfig: KueueManagerConfig


class TrainerRuntime(TypedDict):
    enabled: bool


class TrainerRuntimes(TypedDict):
    torchDistributed: TrainerRuntime


class TrainerManager(TypedDict):
    nodeSelector: dict[str, str]


class TrainerValues(TypedDict):
    """Values of the `kubeflow-trainer` chart (ghcr.io/kubeflow/charts/kubeflow-trainer)."""

    runtimes: TrainerRuntimes
    manager: TrainerManager


class EfaImage(TypedDict):
    repository: str


class EfaDevicePluginValues(TypedDict):
    """Values of the `aws-efa-k8s-device-plugin` chart (https://aws.github.io/eks-charts)."""

    image: EfaImage
    nodeSelector: dict[str, str]
    tolerations: list[Toleration]
    resources: Resources


# Top-level and nested keys each chart's values.yaml defines for what the platform sets
# (checked against the chart's documented values; see tests).
KARPENTER_VALUE_KEYS = frozenset(KarpenterValues.__annotations__)
KUEUE_VALUE_KEYS = frozenset(KueueValues.__annotations__)
