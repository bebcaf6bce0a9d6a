"""The resource types the running program registers: what its CI roles must be able to manage.

A stack transformation sees every resource as it is constructed (in `pulumi up` as under the
offline plan's mocks), so the types are the program's own, for this stack's config, not a
list kept by hand. The CI roles are built last, from the types recorded up to then plus
their own (CiAccess.RESOURCE_TYPES).
"""

from __future__ import annotations

from typing import Any

import pulumi


class ResourceTypes:
    """Records the type of every resource the program constructs from now on."""

    def __init__(self) -> None:
        self._types: set[str] = set()
        pulumi.runtime.register_stack_transformation(self._record)

    def _record(self, args: Any) -> None:
        self._types.add(args.type_)
        return None

    def seen(self, *also: str) -> list[str]:
        """The types recorded so far, with `also`, sorted."""
        return sorted(self._types.union(also))
