"""The package lifecycle (DOMAIN.md, "Care packages"): active -> suspended (a hospital stay) -> active,
changed from an effective date, ended. Pure rules; the service applies them."""

from __future__ import annotations

from datetime import date

from services.packages.care.exceptions import InvalidDate, WrongStatus
from shared.contracts.packages import PackageStatus


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
