"""Prod as shipped before Karpenter pools: managed CPU and GPU node groups, no Kueue split.

The shipped stacks now take training capacity from pools; tests of the managed GPU groups
(still supported for stacks that keep them) and of the move to pools plan this stack.
"""

from __future__ import annotations

from tests.stacks import STACKS_DIR

NODE_GROUPS_BEFORE_POOLS = """\
      - name: cpu-spot
        kind: cpu
        capacity: spot
        instanceTypes: [m6i.4xlarge, m5.4xlarge]
        min: 0
        desired: 0
        max: 20
        diskSizeGib: 200
      - name: gpu-a10g
        kind: gpu
        instanceTypes: [g5.2xlarge, g5.4xlarge]
        min: 0
        desired: 0
        max: 8
        diskSizeGib: 200
      - name: gpu-a100
        kind: gpu
        instanceTypes: [p4d.24xlarge]
        min: 0
        desired: 0
        max: 2
        diskSizeGib: 500
    teams:
      - {name: fraud, cpuQuota: 128, memoryQuotaGib: 512, gpuQuota: 8}
      - {name: recsys, cpuQuota: 128, memoryQuotaGib: 512, gpuQuota: 16, distributedTraining: true}
      - {name: forecasting, cpuQuota: 64, memoryQuotaGib: 256, gpuQuota: 4}
"""


def prod_with_gpu_node_groups() -> str:
    """The shipped prod stack file with its pools section replaced by the old node groups."""
    text = (STACKS_DIR / "Pulumi.prod.yaml").read_text(encoding="utf-8")
    start = text.index("    # Training capacity: Karpenter pools")
    end = text.index("  # GitHub Actions roles")
    return text[:start] + NODE_GROUPS_BEFORE_POOLS + text[end:]
