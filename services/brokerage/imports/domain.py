"""The placements import's rules, pure (no I/O): a CSV row read into a placement, what a repeated
placement changes, which rows are refused, and when the hours placed pass a provider's cap.

A placement is a referral made and placed before it was recorded here (a council's packages at
go-live, an emergency placement arranged by phone at night): DOMAIN.md, "Going live, and out-of-hours
placements". Its `external_ref` is the council's key, so importing it again corrects it, never
duplicates it. Its hours count against the provider's cap but are never refused by it: the council
already pays for this care, so passing a cap is a warning, not a rejection.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from services.brokerage.referrals.domain import FieldProblem
from shared.contracts.common import ProviderStatus
from shared.contracts.providers import ProviderState

CSV_COLUMNS = ("external_ref", "client_ref", "area", "client_group", "needs", "urgency", "start_on", "provider_id",
               "tier", "health_share_percent", "visits", "worker_known", "part_of_wider_package",
               "time_limited_task")
OPTIONAL_CSV_COLUMNS = frozenset({"needs", "tier", "worker_known", "part_of_wider_package", "time_limited_task"})
REQUIRED_CSV_COLUMNS = tuple(name for name in CSV_COLUMNS if name not in OPTIONAL_CSV_COLUMNS)
JUSTIFICATION_COLUMNS = ("worker_known", "part_of_wider_package", "time_limited_task")
LIST_SEPARATOR = ";"
VISIT_FORM = "day HH:MM minutes [carers]"
FLAGS = {"true": True, "false": False}

CORRECTABLE_FIELDS = ("client_ref", "client_group", "needs", "urgency", "start_on", "visits",
                      "short_visit_justification", "health_share_percent", "weekly_hours")
"""What a later import may change in a placement already imported; its provider and area it may not."""
MOVE_ADVICE = "to move a placement, end its package and import a new placement"


class RowRejected(ValueError):
    """A CSV row that cannot be read as a placement; the message is the reason reported for its row."""


def parse_flag(text: str, *, column: str) -> bool | None:
    """`true`, `false` (any case) or empty (not given)."""
    key = text.strip().lower()
    if not key:
        return None
    if key not in FLAGS:
        raise RowRejected(f"{column}: {text.strip()!r} is not true, false or empty")
    return FLAGS[key]


def parse_needs(text: str) -> list[str]:
    """`dementia; medication` -> ["dementia", "medication"]; empty means no specialist needs."""
    return [item.strip().lower() for item in text.split(LIST_SEPARATOR) if item.strip()]


def parse_visits(text: str) -> list[dict[str, str]]:
    """`mon 08:00 45; mon 18:00 30 2` -> one visit each, carers 1 unless given. The values are left as
    text for the placement's schema to check (a day, a time, minutes and carers in range)."""
    visits = []
    for item in (part.strip() for part in text.split(LIST_SEPARATOR)):
        if not item:
            continue
        words = item.split()
        if len(words) not in (3, 4):
            raise RowRejected(f"visits: {item!r} is not {VISIT_FORM!r}")
        day, start, minutes, *carers = words
        visits.append({"day": day.lower(), "start": start, "minutes": minutes, "carers": carers[0] if carers else "1"})
    return visits


def _justification(cells: Mapping[str, str]) -> dict[str, bool] | None:
    """All three columns empty: no justification. Any given: an empty one is a condition not met."""
    flags = {name: parse_flag(cells.get(name, ""), column=name) for name in JUSTIFICATION_COLUMNS}
    if all(value is None for value in flags.values()):
        return None
    return {name: value is True for name, value in flags.items()}


def placement_from_csv(cells: Mapping[str, str]) -> dict[str, Any]:
    """One CSV row (`{column: text}`, stripped) in the shape of a JSON placement, so one schema checks
    both. A missing optional column reads as empty."""
    return {
        "external_ref": cells["external_ref"], "client_ref": cells["client_ref"], "area": cells["area"],
        "client_group": cells["client_group"], "needs": parse_needs(cells.get("needs", "")),
        "urgency": cells["urgency"], "start_on": cells["start_on"], "provider_id": cells["provider_id"],
        "tier": cells.get("tier") or None, "funding": {"health_share_percent": cells["health_share_percent"]},
        "visits": parse_visits(cells["visits"]), "short_visit_justification": _justification(cells),
    }


def changed_fields(stored: Mapping[str, Any], imported: Mapping[str, Any]) -> list[str]:
    """The correctable fields whose imported value differs from the stored one (both in stored form)."""
    return [name for name in CORRECTABLE_FIELDS if stored[name] != imported[name]]


def move_refusal(
    *, external_ref: str, placed_with: uuid.UUID | None, area: str, provider_id: uuid.UUID, new_area: str
) -> FieldProblem | None:
    """A placement already imported keeps its provider and area: a move is a new placement."""
    if placed_with != provider_id:
        return FieldProblem("provider_id", f"{external_ref} was imported with another provider; {MOVE_ADVICE}")
    if area != new_area:
        return FieldProblem("area", f"{external_ref} was imported in {area}; {MOVE_ADVICE}")
    return None


def new_placement_refusal(
    *, area: str, area_known: bool, provider: ProviderState | None
) -> FieldProblem | None:
    """A new placement needs a known area and a provider of the registry that still takes work."""
    if not area_known:
        return FieldProblem("area", f"the area {area} is not a known contract area")
    if provider is None:
        return FieldProblem("provider_id", "no such provider in the registry")
    if provider.status is not ProviderStatus.ACTIVE:
        return FieldProblem("provider_id", f"{provider.name} is {provider.status} and takes no work")
    return None


def cap_warning(*, provider_name: str, area: str, placed: Decimal, cap: Decimal | None) -> str | None:
    """Said when the hours placed with a provider in an area, this placement's included, pass its cap."""
    if cap is None or placed <= cap:
        return None
    return f"{provider_name}: {placed:.2f} h placed in {area} passes its cap of {cap:.2f}"
