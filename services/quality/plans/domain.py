"""Action plans (DOMAIN.md: red risk or an Inadequate rating leads to an action plan with actions and due
dates). Pure: which status changes are allowed and when an action is overdue."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


OUTSTANDING = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})
"""Statuses still to be carried out; only these can be overdue (and raise the risk)."""


def may_move(current: ActionStatus, new: ActionStatus) -> bool:
    """A finished or cancelled action stays so; an outstanding one may move anywhere else."""
    return current in OUTSTANDING and new != current


def is_overdue(*, status: ActionStatus, due_on: date, today: date) -> bool:
    return status in OUTSTANDING and due_on < today
