"""Each Approved model version's registered drift-check baseline, put where its monitors
read it: an EventBridge rule on approvals starts a Step Functions state machine."""

from .args import BaselineCopyArgs
from .component import BaselineCopy

__all__ = ["BaselineCopy", "BaselineCopyArgs"]
