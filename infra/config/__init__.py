"""The stack-config schema: one pydantic model for every stack file.

A stack file (`stacks/Pulumi.<stack>.yaml`) holds `aws:region` and `mlops-platform:<key>`
entries. `load_stack_file` turns one into a validated `PlatformConfig`, or raises a
`ConfigError` whose single line names the file, the key path and the problem.
"""

from __future__ import annotations

from .loader import ConfigError, config_from_mapping, load_stack_file, stack_file_path
from .schema import PlatformConfig, Tags

__all__ = [
    "ConfigError",
    "PlatformConfig",
    "Tags",
    "config_from_mapping",
    "load_stack_file",
    "stack_file_path",
]
