"""The result table bootstrap, preflight and verify print: one row per check."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum

from rich.console import Console
from rich.table import Table
from rich.text import Text


class Status(StrEnum):
    """Outcome of one check. Only FAIL and DRIFT make a command exit non-zero."""

    PASS = "pass"
    FAIL = "FAIL"
    SKIP = "skip"
    WARN = "warn"
    OK = "ok"  # bootstrap: already as required
    CREATED = "created"  # bootstrap: did not exist, now does
    FIXED = "fixed"  # bootstrap: was missing a protection, --fix applied it
    DRIFT = "DRIFT"  # bootstrap: missing a protection, left alone without --fix


_STYLES = {
    Status.PASS: "green",
    Status.OK: "green",
    Status.CREATED: "cyan",
    Status.FIXED: "cyan",
    Status.SKIP: "dim",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.DRIFT: "bold red",
}
_FAILING = frozenset({Status.FAIL, Status.DRIFT})
_CHANGES = frozenset({Status.CREATED, Status.FIXED})


@dataclass(frozen=True)
class Row:
    """One check: what was checked, its outcome, and the detail a reader needs."""

    check: str
    status: Status
    detail: str = ""


@dataclass
class Report:
    """An ordered list of checks with a title."""

    title: str
    rows: list[Row] = field(default_factory=list)

    def add(self, check: str, status: Status, detail: str = "") -> Row:
        row = Row(check, status, detail)
        self.rows.append(row)
        return row

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if r.status in _FAILING]

    @property
    def changes(self) -> list[Row]:
        return [r for r in self.rows if r.status in _CHANGES]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def render(self, console: Console) -> None:
        table = Table(title=self.title, title_justify="left")
        table.add_column("check")
        table.add_column("status")
        table.add_column("detail", overflow="fold")
        for row in self.rows:
            table.add_row(row.check, Text(row.status.value, style=_STYLES[row.status]), row.detail)
        console.print(table)


def console() -> Console:
    """A console wide enough for the tables when output is not a terminal (CI logs).

    `COLUMNS`, when set, wins, as it does for any rich console.
    """
    out = Console()
    if out.is_terminal or os.environ.get("COLUMNS"):
        return out
    return Console(width=160)
