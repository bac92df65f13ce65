"""The demo council's facts: its areas, providers, rate cards, the packages it already pays for and
today's referrals. Pure data and a seeded generator: the same council every time, dated from `today`.

A small rural county in the spirit of the Rutland seed: Oakham (the market town), Uppingham (the
smaller town) and three groups of villages. Each town has one primary provider with an hours cap,
Ketton's hard-to-recruit villages a block contract, and a framework of 21 providers with three
second-tier ones behind it. The 125 packages already in care follow the seed's mix (DOMAIN.md).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

SEED = 2016  # the year of Rutland's report; any fixed number makes the same council
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS = EVERY_DAY[:5]
FOUR_TIMES = ["07:30", "12:00", "17:00", "21:00"]
THREE_TIMES = ["08:00", "12:30", "17:30"]
TWO_TIMES = ["08:00", "18:00"]

AREAS: list[dict[str, Any]] = [
    {"code": "OAK", "name": "Oakham", "rural": False, "framework_offer_mode": "ranked"},
    {"code": "UPP", "name": "Uppingham", "rural": False, "framework_offer_mode": "ranked"},
    {"code": "KET", "name": "Ketton and the southern villages", "rural": True, "framework_offer_mode": "broadcast"},
    {"code": "COT", "name": "Cottesmore and the northern villages", "rural": True,
     "framework_offer_mode": "broadcast"},
    {"code": "EMP", "name": "Empingham and Rutland Water", "rural": True, "framework_offer_mode": "ranked"},
]
AREA_WEIGHTS = {"OAK": 42, "UPP": 24, "KET": 12, "COT": 12, "EMP": 10}
# area: care worker's hourly pay, travel minutes per visit, miles per visit (the villages' travel is dearer;
# Ketton pays more to recruit)
COSTS = {"OAK": ("12.60", 10, "2.0"), "UPP": ("12.60", 12, "2.5"), "KET": ("13.10", 22, "7.0"),
         "COT": ("12.80", 20, "6.0"), "EMP": ("12.80", 18, "5.5")}


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    skills: list[str]
    rating: str
    contracts: dict[str, str]  # area: tier

    @property
    def location_id(self) -> str:
        return f"1-1010{PROVIDERS.index(self) + 1:05d}"


PROVIDERS: list[ProviderSpec] = [
    ProviderSpec("Oakham Home Care Ltd", ["dementia", "medication"], "good", {"OAK": "primary", "UPP": "framework"}),
    ProviderSpec("Vale Community Care", ["dementia", "catheter_care", "stoma_care"], "outstanding",
                 {"UPP": "primary", "OAK": "framework"}),
    ProviderSpec("Welland Valley Care", ["medication", "night_support"], "good",
                 {"KET": "block", "EMP": "framework"}),
    ProviderSpec("Rutland Care at Home", ["dementia", "peg_feeding", "end_of_life"], "good",
                 {"COT": "framework", "KET": "framework"}),
    ProviderSpec("Heritage Homecare", ["dementia"], "requires_improvement", {"OAK": "framework", "EMP": "framework"}),
    ProviderSpec("Cedar Support Services", ["complex_behaviour", "acquired_brain_injury", "medication"],
                 "outstanding", {"OAK": "framework", "UPP": "framework"}),
    ProviderSpec("Bluebell Domiciliary Care", ["dementia", "medication"], "inadequate", {"COT": "framework"}),
    ProviderSpec("Northgate Care Agency", ["medication"], "good", {"COT": "framework", "KET": "framework"}),
    ProviderSpec("Catmose Care", ["dementia", "medication"], "good", {"OAK": "framework"}),
    ProviderSpec("Burley Home Support", ["medication", "end_of_life"], "good",
                 {"OAK": "framework", "COT": "framework"}),
    ProviderSpec("Exton Care Services", ["dementia"], "requires_improvement", {"COT": "framework", "EMP": "framework"}),
    ProviderSpec("Greetham Community Carers", ["medication"], "good", {"COT": "framework"}),
    ProviderSpec("Langham Lodge Domiciliary", ["dementia", "end_of_life"], "good", {"OAK": "framework"}),
    ProviderSpec("Whissendine Care", ["dementia", "night_support"], "outstanding",
                 {"OAK": "framework", "COT": "framework"}),
    ProviderSpec("Lyddington Home Care", ["medication", "catheter_care"], "good",
                 {"UPP": "framework", "KET": "framework"}),
    ProviderSpec("Morcott Care Partnership", ["medication"], "requires_improvement",
                 {"UPP": "framework", "KET": "framework"}),
    ProviderSpec("Barrowden Carers", ["end_of_life"], "good", {"KET": "framework"}),
    ProviderSpec("Edith Weston Care", ["dementia", "medication"], "good", {"EMP": "framework"}),
    ProviderSpec("Hambleton Care Co", ["medication"], "good", {"EMP": "framework", "OAK": "framework"}),
    ProviderSpec("Seaton and Glaston Care", ["dementia"], "good", {"UPP": "framework"}),
    ProviderSpec("Manton Home Help", ["medication", "stoma_care"], "good", {"OAK": "framework", "EMP": "framework"}),
    ProviderSpec("Kindred Care Cooperative", ["dementia", "end_of_life"], "good",
                 {"EMP": "second_tier", "OAK": "second_tier"}),
    ProviderSpec("Harborough Care Partners", ["medication", "night_support"], "requires_improvement",
                 {"UPP": "second_tier", "KET": "second_tier"}),
    ProviderSpec("Stamford Regional Homecare", ["medication"], "good", {"COT": "second_tier", "KET": "second_tier"}),
]
PROVIDER_USER_OF = "Oakham Home Care Ltd"  # demo.provider works there
REGULATOR_EMBARGOED = "Bluebell Domiciliary Care"  # CQC warning notice; Inadequate, so red on the risk matrix
VOLUNTARY_EMBARGO = ("Vale Community Care", "OAK")
WATCHED = "Heritage Homecare"  # the concerns, monitoring visit and action plan
TIER_WEIGHT = {"primary": 9, "block": 9, "framework": 2, "second_tier": 1}
HEADROOM = {"primary": Decimal(20), "block": Decimal(40), "framework": Decimal(40), "second_tier": Decimal(30)}
CAPACITY = {"primary": "20.00", "block": "20.00", "framework": "12.00", "second_tier": "8.00"}

# Weekly schedules (days, times, minutes, carers) by the seed's hours bands, each well inside its band.
Template = tuple[list[str], list[str], int, int]
BANDS: list[tuple[str, int, int, list[Template], list[Template]]] = [  # name, packages, double-ups, singles, doubles
    ("up to 14 h", 74, 3, [
        (EVERY_DAY, ["08:00"], 45, 1), (EVERY_DAY, TWO_TIMES, 30, 1), (EVERY_DAY, TWO_TIMES, 45, 1),
        (WEEKDAYS, ["09:30"], 60, 1), (["mon", "thu"], ["10:00"], 60, 1), (EVERY_DAY, THREE_TIMES, 30, 1),
        (["mon", "wed", "fri"], ["10:00"], 90, 1), (EVERY_DAY, THREE_TIMES, 35, 1),
        (EVERY_DAY, ["13:00"], 15, 1)],  # a medication prompt, under NICE's 30 minutes: justified
     [(EVERY_DAY, ["08:00"], 45, 2), (WEEKDAYS, ["08:00"], 60, 2)]),
    ("14-20 h", 29, 2, [
        (EVERY_DAY, THREE_TIMES, 45, 1), (EVERY_DAY, FOUR_TIMES, 35, 1), (EVERY_DAY, TWO_TIMES, 75, 1),
        (EVERY_DAY, FOUR_TIMES, 40, 1)],
     [(EVERY_DAY, TWO_TIMES, 40, 2), (EVERY_DAY, TWO_TIMES, 35, 2)]),
    ("21-34 h", 15, 2, [(EVERY_DAY, FOUR_TIMES, 50, 1), (EVERY_DAY, FOUR_TIMES, 60, 1),
                        (EVERY_DAY, THREE_TIMES, 90, 1)],
     [(EVERY_DAY, FOUR_TIMES, 30, 2), (EVERY_DAY, THREE_TIMES, 45, 2)]),
    ("35 h or more", 7, 2, [(EVERY_DAY, FOUR_TIMES, 80, 1), (EVERY_DAY, FOUR_TIMES, 90, 1),
                            (EVERY_DAY, THREE_TIMES, 120, 1)],
     [(EVERY_DAY, FOUR_TIMES, 45, 2)]),
]


NICE_MET = {"worker_known": True, "part_of_wider_package": True, "time_limited_task": True}


def band_of(weekly_hours: Decimal) -> str:
    """The seed's band of a package's weekly hours (a double-up's hours count both carers)."""
    if weekly_hours < 14:
        return "up to 14 h"
    if weekly_hours <= 20:
        return "14-20 h"
    return "21-34 h" if weekly_hours < 35 else "35 h or more"


def schedule(days: list[str], times: list[str], minutes: int, carers: int = 1) -> list[dict[str, Any]]:
    return [{"day": d, "start": t, "minutes": minutes, "carers": carers} for d in days for t in times]


def weekly_hours(visits: list[dict[str, Any]]) -> Decimal:
    return Decimal(sum(visit["minutes"] * visit["carers"] for visit in visits)) / 60


def rate_card(area: dict[str, Any], effective_from: date) -> dict[str, Any]:
    pay, travel_minutes, miles = COSTS[area["code"]]
    return {
        "area": area["code"], "effective_from": str(effective_from), "care_worker_hourly_pay": pay,
        "travel_minutes_per_visit": travel_minutes, "mileage_per_visit_miles": miles,
        "mileage_rate": "0.45", "on_cost_percent": "20.00", "training_supervision_percent": "5.00",
        "overhead_percent": "25.00", "surplus_percent": "3.00", "weekend_uplift_percent": "5.00",
        "client_hourly_charge_cap": "13.00", "client_weekly_charge_cap": "422.00",
    }


@dataclass
class Placement:
    """A package the council already pays for, as one row of the placements import."""

    external_ref: str
    client_ref: str
    area: str
    provider: ProviderSpec
    needs: list[str]
    urgency: str
    start_on: date
    visits: list[dict[str, Any]]
    health_share_percent: int
    client_group: str = "older_people"

    def row(self, provider_id: str) -> dict[str, Any]:
        return {"external_ref": self.external_ref, "client_ref": self.client_ref, "area": self.area,
                "client_group": self.client_group, "needs": self.needs, "urgency": self.urgency,
                "start_on": str(self.start_on), "visits": self.visits,
                "short_visit_justification": NICE_MET if min(v["minutes"] for v in self.visits) < 30 else None,
                "funding": {"health_share_percent": self.health_share_percent}, "provider_id": provider_id,
                "tier": None}


def placements(today: date) -> list[Placement]:
    """The 125 packages in care, started over the past year, with the seed's mix of hours and double-ups."""
    rng = random.Random(SEED)
    kinds = [(band, double) for band in BANDS for double in [True] * band[2] + [False] * (band[1] - band[2])]
    rng.shuffle(kinds)
    made = []
    for number, ((_name, _count, _doubles, singles, doubles), double) in enumerate(kinds, start=1):
        days, times, minutes, carers = rng.choice(doubles if double else singles)
        area = rng.choices(list(AREA_WEIGHTS), weights=list(AREA_WEIGHTS.values()))[0]
        serving = [spec for spec in PROVIDERS if area in spec.contracts]
        provider = rng.choices(serving, weights=[TIER_WEIGHT[spec.contracts[area]] for spec in serving])[0]
        made.append(Placement(
            external_ref=f"GOLIVE-{number:04d}", client_ref=f"RUT-{number:04d}", area=area, provider=provider,
            needs=sorted(rng.sample(provider.skills, k=rng.randint(0, min(2, len(provider.skills))))),
            urgency=rng.choices(["routine", "hospital_discharge", "crisis"], weights=[70, 20, 10])[0],
            start_on=today - timedelta(days=rng.randint(3, 365)), visits=schedule(days, times, minutes, carers),
            health_share_percent=rng.choices([0, 25, 50, 100], weights=[80, 5, 10, 5])[0],
            client_group=rng.choices(["older_people", "physical_disability"], weights=[85, 15])[0]))
    return made


@dataclass
class Contracts:
    """Each provider's contracts, with caps just above what its placements already use."""

    placed: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    @classmethod
    def around(cls, made: list[Placement]) -> Contracts:
        contracts = cls()
        for placement in made:
            contracts.placed[placement.provider.name, placement.area] += weekly_hours(placement.visits)
        return contracts

    def of(self, spec: ProviderSpec, starts_on: date) -> list[dict[str, Any]]:
        return [{"area": area, "tier": tier, "block_hours": self._cap(spec, area) if tier == "block" else None,
                 "weekly_hours_cap": self._cap(spec, area),
                 "starts_on": str(starts_on), "ends_on": None} for area, tier in spec.contracts.items()]

    def _cap(self, spec: ProviderSpec, area: str) -> str:
        return f"{round(self.placed[spec.name, area] + HEADROOM[spec.contracts[area]])}.00"


def capacity(spec: ProviderSpec) -> dict[str, Any]:
    return {"areas": [{"area": area, "weekly_hours": CAPACITY[tier]} for area, tier in spec.contracts.items()]}


def rating(spec: ProviderSpec, published_on: date) -> dict[str, Any]:
    caring = "outstanding" if spec.rating == "outstanding" else "good"
    return {"regulator": "cqc", "overall": spec.rating, "safe": spec.rating, "effective": spec.rating,
            "caring": caring, "responsive": spec.rating, "well_led": spec.rating, "published_on": str(published_on)}


# provider, kind, severity, summary, days ago
CONCERNS = [
    (WATCHED, "complaint", "medium", "Family report carers rushing the evening call", 20),
    (WATCHED, "late_visit", "low", "Morning call an hour late twice in one week", 9),
    (REGULATOR_EMBARGOED, "safeguarding", "high", "Medication recorded as given on a day the carer did not attend", 35),
    ("Exton Care Services", "missed_visit", "medium", "Lunchtime call missed; a neighbour raised it", 12),
    (PROVIDER_USER_OF, "complaint", "low", "Carers change too often, says a daughter", 40),
]
FINDINGS = [  # of the monitoring visit to WATCHED
    {"area": "staff_vetting", "outcome": "good", "notes": "DBS checks in date for all carers"},
    {"area": "training", "outcome": "requires_improvement",
     "notes": "Four carers overdue moving and handling refreshers"},
    {"area": "care_plans", "outcome": "good", "notes": ""},
    {"area": "medication", "outcome": "good", "notes": "MAR charts complete"},
    {"area": "complaints_handling", "outcome": "good", "notes": ""},
]
ACTIONS = [  # of WATCHED's action plan: description, owner, due in days
    ("Book moving and handling refreshers for the four carers", "Registered manager", 14),
    ("Rota review of evening calls in Oakham", "Care coordinator", 30),
]
FEEDBACK = [("Oakham Home Care Ltd", 5, 6), (WATCHED, 2, 15), ("Vale Community Care", 4, 3),
            ("Rutland Care at Home", 5, 25)]  # provider, overall score, days ago


@dataclass(frozen=True)
class LiveReferral:
    """Today's work for the brokers: what the demo's providers do with the offers they get."""

    client_ref: str
    area: str
    needs: list[str]
    urgency: str
    visits: list[dict[str, Any]]
    health_share_percent: int
    answer: str  # accept, decline (the first offer; the cascade goes on), open (left to the provider), none

    def body(self, start_on: date) -> dict[str, Any]:
        return {"client_ref": self.client_ref, "area": self.area, "client_group": "older_people",
                "needs": self.needs, "urgency": self.urgency, "start_on": str(start_on), "visits": self.visits,
                "short_visit_justification": None, "funding": {"health_share_percent": self.health_share_percent}}


# The last three need skills no provider in their area has: they join the waiting list of unmet need.
LIVE_REFERRALS = [
    LiveReferral("RUT-2001", "OAK", ["dementia"], "hospital_discharge", schedule(EVERY_DAY, TWO_TIMES, 45), 0,
                 "accept"),
    LiveReferral("RUT-2002", "UPP", ["catheter_care"], "routine", schedule(WEEKDAYS, ["09:30"], 60), 50, "accept"),
    LiveReferral("RUT-2003", "KET", ["medication"], "crisis", schedule(EVERY_DAY, THREE_TIMES, 30), 0, "accept"),
    LiveReferral("RUT-2004", "OAK", [], "routine", schedule(["mon", "thu"], ["10:00"], 60), 0, "decline"),
    LiveReferral("RUT-2005", "EMP", ["night_support"], "routine", schedule(EVERY_DAY, ["22:00"], 90), 75, "open"),
    LiveReferral("RUT-2006", "UPP", ["dementia"], "routine", schedule(EVERY_DAY, ["08:30"], 45), 0, "open"),
    LiveReferral("RUT-2007", "COT", ["medication"], "crisis", schedule(EVERY_DAY, TWO_TIMES, 30), 0, "open"),
    LiveReferral("RUT-2008", "COT", ["acquired_brain_injury"], "routine", schedule(WEEKDAYS, ["10:00"], 60), 0,
                 "none"),
    LiveReferral("RUT-2009", "KET", ["complex_behaviour"], "hospital_discharge",
                 schedule(EVERY_DAY, TWO_TIMES, 45, carers=2), 100, "none"),
    LiveReferral("RUT-2010", "EMP", ["dementia", "stoma_care"], "hospital_discharge",
                 schedule(EVERY_DAY, THREE_TIMES, 30), 0, "none"),
]
