"""The registry's rules, pure: contracts, rating scales, the current rating, embargo terms."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.providers.registry import domain
from services.providers.registry.domain import ContractTerms, EmbargoTerms
from shared.contracts.common import ClientGroup, CqcRating, EmbargoScope, Tier

START = date(2026, 1, 1)


def terms(area: str = "OAK", tier: Tier = Tier.FRAMEWORK, cap: str | None = "40.00", block: str | None = None,
          starts_on: date = START, ends_on: date | None = None) -> ContractTerms:
    return ContractTerms(area=area, tier=tier, weekly_hours_cap=Decimal(cap) if cap else None,
                         block_hours=Decimal(block) if block else None, starts_on=starts_on, ends_on=ends_on)


def fields(problems: list[domain.FieldProblem]) -> set[str]:
    return {problem.field for problem in problems}


def test_valid_contracts_on_every_tier_have_no_problems() -> None:
    contracts = [terms("OAK", Tier.BLOCK, "60.00", "40.00"), terms("UPP", Tier.PRIMARY, "120.00"),
                 terms("KET", Tier.FRAMEWORK, None), terms("EMP", Tier.SECOND_TIER, "10.00")]
    assert domain.contract_problems(contracts, known_areas={"OAK", "UPP", "KET", "EMP"}) == []


def test_a_contract_in_an_unknown_area_is_refused() -> None:
    assert fields(domain.contract_problems([terms("NOPE")], known_areas={"OAK"})) == {"contracts.0.area"}


def test_a_contract_ending_before_it_starts_is_refused() -> None:
    bad = terms(ends_on=START - timedelta(days=1))
    assert fields(domain.contract_problems([bad], known_areas={"OAK"})) == {"contracts.0.ends_on"}


def test_a_contract_ending_the_day_it_starts_is_accepted() -> None:
    assert domain.contract_problems([terms(ends_on=START)], known_areas={"OAK"}) == []


@pytest.mark.parametrize(("block", "cap", "message"), [
    (None, "60.00", "needs block hours"),
    ("80.00", "60.00", "exceed the weekly hours cap"),
])
def test_a_block_contract_needs_block_hours_within_its_cap(block: str | None, cap: str, message: str) -> None:
    problems = domain.contract_problems([terms(tier=Tier.BLOCK, cap=cap, block=block)], known_areas={"OAK"})
    assert fields(problems) == {"contracts.0.block_hours"}
    assert message in problems[0].message


def test_block_hours_on_another_tier_are_refused() -> None:
    problems = domain.contract_problems([terms(tier=Tier.FRAMEWORK, block="10.00")], known_areas={"OAK"})
    assert fields(problems) == {"contracts.0.block_hours"}


def test_a_primary_contract_without_an_hours_cap_is_refused() -> None:
    problems = domain.contract_problems([terms(tier=Tier.PRIMARY, cap=None)], known_areas={"OAK"})
    assert fields(problems) == {"contracts.0.weekly_hours_cap"}


def test_two_contracts_for_one_area_overlapping_in_time_are_refused_but_back_to_back_ones_pass() -> None:
    first = terms(ends_on=date(2026, 6, 30))
    overlapping = terms(tier=Tier.PRIMARY, starts_on=date(2026, 6, 30))
    following = terms(tier=Tier.PRIMARY, starts_on=date(2026, 7, 1))
    assert fields(domain.contract_problems([first, overlapping], known_areas={"OAK"})) == {"contracts.1.starts_on"}
    assert domain.contract_problems([first, following], known_areas={"OAK"}) == []
    assert domain.contract_problems([first, terms("UPP", starts_on=START)], known_areas={"OAK", "UPP"}) == []


dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(st.lists(st.tuples(dates, st.one_of(st.none(), st.integers(0, 800))), min_size=2, max_size=5))
def test_overlap_is_found_whatever_the_order_of_the_contracts(spans: list[tuple[date, int | None]]) -> None:
    contracts = [terms(starts_on=start, ends_on=None if length is None else start + timedelta(days=length))
                 for start, length in spans]
    shuffled = random.Random(0).sample(contracts, len(contracts))
    forwards = bool(domain.contract_problems(contracts, known_areas={"OAK"}))
    assert forwards == bool(domain.contract_problems(shuffled, known_areas={"OAK"}))
    day_sets = [(c.starts_on, c.ends_on or date.max) for c in contracts]
    any_overlap = any(a[0] <= b[1] and b[0] <= a[1] for i, a in enumerate(day_sets) for b in day_sets[i + 1:])
    assert forwards == any_overlap


@pytest.mark.parametrize(("rating", "rank"), [
    (CqcRating.OUTSTANDING, 4), (CqcRating.GOOD, 3), (CqcRating.REQUIRES_IMPROVEMENT, 2), (CqcRating.INADEQUATE, 1),
])
def test_cqc_ratings_map_to_the_quality_rank(rating: CqcRating, rank: int) -> None:
    summary = domain.summarise_cqc(rating)
    assert (summary.overall, summary.quality_rank, summary.inadequate) == (rating.value, rank, rank == 1)


@pytest.mark.parametrize(("grade", "rank"), [(6, 4), (5, 4), (4, 3), (3, 2), (2, 1), (1, 1)])
def test_care_inspectorate_grades_map_to_the_same_scale(grade: int, rank: int) -> None:
    assert domain.care_inspectorate_rank(grade) == rank


def test_the_weakest_care_inspectorate_theme_stands_for_the_service() -> None:
    summary = domain.summarise_care_inspectorate({"care_and_support": 5, "staffing": 2, "leadership": 6})
    assert summary == domain.RatingSummary(overall="weak", quality_rank=1, inadequate=True)


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.integers(1, 6), min_size=1, max_size=6))
def test_a_care_inspectorate_rating_is_never_better_than_any_of_its_grades(grades: dict[str, int]) -> None:
    summary = domain.summarise_care_inspectorate(grades)
    assert all(summary.quality_rank <= domain.care_inspectorate_rank(grade) for grade in grades.values())


@pytest.mark.parametrize("grade", [0, 7])
def test_a_grade_outside_one_to_six_is_refused(grade: int) -> None:
    with pytest.raises(ValueError, match="1 to 6"):
        domain.care_inspectorate_rank(grade)


@dataclass(frozen=True)
class Posted:
    published_on: date
    recorded_at: datetime


@given(st.lists(st.tuples(dates, st.integers(0, 10_000)), min_size=1, max_size=8, unique_by=lambda t: t[1]))
def test_the_current_rating_is_the_latest_published_whatever_order_they_were_posted(
        posts: list[tuple[date, int]]) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    ratings = [Posted(published, base + timedelta(seconds=order)) for published, order in posts]
    current = domain.current_rating(ratings)
    assert current is not None
    assert current.published_on == max(published for published, _ in posts)
    assert current == domain.current_rating(list(reversed(ratings)))


def test_an_older_rating_posted_late_does_not_replace_the_current_one() -> None:
    newer = Posted(date(2026, 3, 1), datetime(2026, 3, 2, tzinfo=UTC))
    older_posted_late = Posted(date(2025, 1, 1), datetime(2026, 4, 1, tzinfo=UTC))
    assert domain.current_rating([newer, older_posted_late]) is newer
    assert domain.current_rating([]) is None


def embargo_terms(**changes: object) -> EmbargoTerms:
    values: dict[str, object] = {"scope": EmbargoScope.ALL, "area": None, "client_group": None,
                                 "starts_on": START, "ends_on": None, **changes}
    return EmbargoTerms(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, set()),
    ({"scope": EmbargoScope.AREA, "area": "OAK"}, set()),
    ({"scope": EmbargoScope.CLIENT_GROUP, "client_group": ClientGroup.MENTAL_HEALTH}, set()),
    ({"scope": EmbargoScope.AREA}, {"area"}),
    ({"scope": EmbargoScope.AREA, "area": "NOPE"}, {"area"}),
    ({"scope": EmbargoScope.CLIENT_GROUP}, {"client_group"}),
    ({"area": "OAK", "client_group": ClientGroup.OLDER_PEOPLE}, {"area", "client_group"}),
    ({"ends_on": START - timedelta(days=1)}, {"ends_on"}),
])
def test_an_embargo_names_exactly_what_its_scope_needs(changes: dict[str, object], expected: set[str]) -> None:
    assert fields(domain.embargo_problems(embargo_terms(**changes), known_areas={"OAK"})) == expected


def test_an_embargo_runs_to_the_end_of_its_last_day() -> None:
    assert not domain.is_due_to_end(START, START)
    assert domain.is_due_to_end(START, START + timedelta(days=1))
    assert not domain.is_due_to_end(None, date.max)


def test_the_escalation_embargo_reason_names_the_risk_matrix() -> None:
    reason = domain.escalation_embargo_reason(score=Decimal("17.5"), reason="Two safeguarding referrals")
    assert "risk matrix" in reason
    assert "17.5" in reason
    assert reason.endswith("Two safeguarding referrals")


def test_a_provider_is_admitted_now_or_at_the_start_of_an_earlier_day_never_a_later_one() -> None:
    now = datetime(2026, 11, 29, 20, 15, tzinfo=UTC)
    assert domain.admission_time(None, now) == now
    assert domain.admission_time(date(2019, 4, 1), now) == datetime(2019, 4, 1, tzinfo=UTC)
    assert domain.admission_time(date(2026, 11, 29), now) == datetime(2026, 11, 29, tzinfo=UTC)
    assert domain.admission_time(date(2026, 11, 30), now) == domain.FieldProblem(
        "admitted_on", "a provider cannot be admitted after today")
