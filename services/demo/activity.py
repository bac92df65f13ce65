"""Four weeks of the demo council's visits, as the providers' call monitoring reports them.

Pure: from the packages in care and the payment period to the rows of `POST /api/v1/visits`, seeded by
each package's client reference, so every load reports the same visits for the same packages. Most
visits are delivered on time; a few are late, missed, cancelled by the client or frustrated, and no
provider gets more than a couple of missed or late ones, so the risk matrix stays green and amber except
for the one provider rated Inadequate.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from services.demo.council import SEED

DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
OUTCOMES = ["delivered", "cancelled_by_client", "frustrated", "missed"]
OUTCOME_WEIGHTS = [965, 15, 8, 4]  # per thousand visits
LATE_PER_THOUSAND = 10
MOST_MISSED, MOST_LATE = 2, 4  # per provider and period


def payment_period(today: date) -> tuple[date, date]:
    """The last complete four-week period: Monday to the Sunday before today."""
    end = today - timedelta(days=today.weekday() + 1)
    return end - timedelta(days=27), end


def visits_of(package: dict[str, Any], period: tuple[date, date]) -> list[dict[str, Any]]:
    """Every visit the package's schedule planned in the period from its start, each with its outcome."""
    rng = random.Random(f"{SEED}:{package['client_ref']}")
    first = max(period[0], date.fromisoformat(package["start_on"]))
    rows = []
    for offset in range((period[1] - first).days + 1):
        day = first + timedelta(days=offset)
        for planned in package["visits"]:
            if planned["day"] == DAY_NAMES[day.weekday()]:
                rows.append(_visit(rng, package, day, planned))
    return rows


def _visit(rng: random.Random, package: dict[str, Any], day: date, planned: dict[str, Any]) -> dict[str, Any]:
    start = time.fromisoformat(planned["start"])
    outcome = rng.choices(OUTCOMES, weights=OUTCOME_WEIGHTS)[0]
    row: dict[str, Any] = {
        "visit_id": f"{package['client_ref']}-{day:%Y%m%d}-{start:%H%M}", "package_id": package["id"],
        "date": str(day), "planned_start": start.strftime("%H:%M"), "planned_minutes": planned["minutes"],
        "actual_start": None, "actual_minutes": None, "carers": planned["carers"], "outcome": outcome,
        "notice_hours": None, "correction_reason": None}
    if outcome == "delivered":
        late = rng.randrange(1000) < LATE_PER_THOUSAND
        row["actual_start"] = _shifted(start, rng.randint(16, 35) if late else rng.randint(-5, 10))
        row["actual_minutes"] = max(planned["minutes"] - rng.randint(0, 4), min(planned["minutes"], 30))
    elif outcome == "cancelled_by_client":
        row["notice_hours"] = rng.choice(["2.00", "48.00"])
    return row


def _shifted(start: time, minutes: int) -> str:
    return (datetime.combine(date.min, start) + timedelta(minutes=minutes)).strftime("%H:%M")


def late_minutes(row: dict[str, Any]) -> int:
    if row["actual_start"] is None:
        return 0
    planned, actual = (datetime.combine(date.min, time.fromisoformat(row[key])) for key in
                       ("planned_start", "actual_start"))
    return int((actual - planned).total_seconds() // 60)


def tempered(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One provider's visits with at most MOST_MISSED missed and MOST_LATE late ones, the rest on time."""
    kept: dict[str, int] = defaultdict(int)
    out = []
    for row in sorted(rows, key=lambda each: str(each["visit_id"])):
        failing = "missed" if row["outcome"] == "missed" else "late" if late_minutes(row) >= 15 else None
        if failing is not None:
            kept[failing] += 1
            if kept[failing] > (MOST_MISSED if failing == "missed" else MOST_LATE):
                row = {**row, "outcome": "delivered", "actual_start": row["planned_start"],
                       "actual_minutes": row["planned_minutes"]}
        out.append(row)
    return out
