"""The package lifecycle's rules."""

from __future__ import annotations

from datetime import date

import pytest

from services.packages.care import domain
from services.packages.care.exceptions import InvalidDate, WrongStatus
from shared.contracts.packages import PackageStatus


def test_only_an_active_package_is_suspended_and_only_a_suspended_one_resumes() -> None:
    start = date(2026, 11, 2)
    domain.check_suspend(status=PackageStatus.ACTIVE, starts_on=start, start_on=start)
    with pytest.raises(WrongStatus):
        domain.check_suspend(status=PackageStatus.SUSPENDED, starts_on=start, start_on=start)
    with pytest.raises(InvalidDate):
        domain.check_resume(status=PackageStatus.SUSPENDED, on=start, suspended_from=start)
    with pytest.raises(WrongStatus):
        domain.check_resume(status=PackageStatus.ACTIVE, on=date(2026, 11, 9), suspended_from=start)


def test_a_change_cannot_reach_back_before_the_terms_in_force_nor_touch_an_ended_package() -> None:
    with pytest.raises(InvalidDate):
        domain.check_change(status=PackageStatus.ACTIVE, effective_from=date(2026, 11, 1),
                            latest_term_from=date(2026, 11, 2))
    with pytest.raises(WrongStatus):
        domain.check_change(status=PackageStatus.ENDED, effective_from=date(2026, 12, 1),
                            latest_term_from=date(2026, 11, 2))
    with pytest.raises(InvalidDate):
        domain.check_end(status=PackageStatus.SUSPENDED, on=date(2026, 11, 5), start_on=date(2026, 11, 2),
                         suspended_from=date(2026, 11, 6))
