"""The package lifecycle (DOMAIN.md, "Care packages"): active -> suspended (a hospital stay) -> active,
changed from an effective date, ended. Pure rules; the service applies them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from services.packages.care.exceptions import InvalidDate, WrongStatus
from shared.contracts.packages import PackageStatus

SHORT_VISIT_MINUTES = 30
SHORT_VISIT_CONDITIONS = {
    "worker_known": "the care worker is known to the person",
    "part_of_wider_package": "the visit is part of a wider package of support",
    "time_limited_task": "it allows time to complete specific time-limited tasks or a safe-and-well check",
}


def short_visit_refusal(*, shortest_minutes: int, conditions: Mapping[str, bool] | None) -> str | None:
    """NICE NG21: a visit under 30 minutes only when the care worker is known to the person, the visit
    is part of a wider package of support, and it allows time for specific time-limited tasks or to
    check the person is safe and well. Returns why a schedule breaks the rule, or None."""
    if shortest_minutes >= SHORT_VISIT_MINUTES:
        return None
    missing = [text for name, text in SHORT_VISIT_CONDITIONS.items() if not (conditions or {}).get(name)]
    if not missing:
        return None
    return f"A visit of {shortest_minutes} minutes is under {SHORT_VISIT_MINUTES} (NICE NG21) unless: " + "; ".join(
        missing) + "."


def check_change(*, status: PackageStatus, effective_from: date, latest_term_from: date) -> None:
    """A change re-costs the package from its effective date, which cannot precede the terms in force."""
    if status is PackageStatus.ENDED:
        raise WrongStatus("An ended package cannot change.")
    if effective_from < latest_term_from:
        raise InvalidDate(f"A change takes effect on or after {latest_term_from}, the latest change.")


def check_suspend(*, status: PackageStatus, starts_on: date, start_on: date) -> None:
    if status is not PackageStatus.ACTIVE:
        raise WrongStatus(f"Only an active package can be suspended; this one is {status}.")
    if starts_on < start_on:
        raise InvalidDate("A suspension cannot start before the package does.")


def check_resume(*, status: PackageStatus, on: date, suspended_from: date) -> None:
    """Care resumes on `on`; the suspension covers the days before it."""
    if status is not PackageStatus.SUSPENDED:
        raise WrongStatus(f"Only a suspended package can resume; this one is {status}.")
    if on <= suspended_from:
        raise InvalidDate(f"Care resumes after the suspension began ({suspended_from}).")


def check_end(*, status: PackageStatus, on: date, start_on: date, suspended_from: date | None) -> None:
    """`on` is the last day of care."""
    if status is PackageStatus.ENDED:
        raise WrongStatus("The package has already ended.")
    if on < start_on:
        raise InvalidDate("A package cannot end before it starts.")
    if suspended_from is not None and on < suspended_from:
        raise InvalidDate("A suspended package ends on or after its suspension began.")
