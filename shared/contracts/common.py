"""Closed sets used across services (API.md, DOMAIN.md), and the wall-clock time they are scheduled at."""

from datetime import time
from enum import StrEnum
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def _hours_and_minutes(value: time) -> str:
    return value.isoformat(timespec="minutes" if value.second == value.microsecond == 0 else "seconds")


WallClock = Annotated[
    time,
    PlainSerializer(_hours_and_minutes, return_type=str, when_used="json"),
    # No `"format": "time"`: JSON Schema's is RFC 3339's full-time, which needs seconds and an offset.
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$", "examples": ["08:00"]}),
]
"""A time of day as the contract writes it, "08:00" (seconds only when there are some)."""


class Tier(StrEnum):
    """The cascade's tiers, in the order work is offered (DOMAIN.md, "Brokerage: the cascade")."""

    BLOCK = "block"
    PRIMARY = "primary"
    FRAMEWORK = "framework"
    SECOND_TIER = "second_tier"


TIER_ORDER: tuple[Tier, ...] = (Tier.BLOCK, Tier.PRIMARY, Tier.FRAMEWORK, Tier.SECOND_TIER)


class FrameworkOfferMode(StrEnum):
    RANKED = "ranked"
    BROADCAST = "broadcast"


class ClientGroup(StrEnum):
    OLDER_PEOPLE = "older_people"
    LEARNING_DISABILITY = "learning_disability"
    PHYSICAL_DISABILITY = "physical_disability"
    MENTAL_HEALTH = "mental_health"
    CARER_SUPPORT = "carer_support"


class Skill(StrEnum):
    """Needs that call for specialist skills (DOMAIN.md, "Care packages")."""

    DEMENTIA = "dementia"
    PEG_FEEDING = "peg_feeding"
    CATHETER_CARE = "catheter_care"
    STOMA_CARE = "stoma_care"
    ACQUIRED_BRAIN_INJURY = "acquired_brain_injury"
    COMPLEX_BEHAVIOUR = "complex_behaviour"
    MEDICATION = "medication"
    NIGHT_SUPPORT = "night_support"
    END_OF_LIFE = "end_of_life"
    SENSORY_IMPAIRMENT = "sensory_impairment"
    SUBSTANCE_MISUSE = "substance_misuse"
    EATING_DISORDERS = "eating_disorders"


class Urgency(StrEnum):
    HOSPITAL_DISCHARGE = "hospital_discharge"
    CRISIS = "crisis"
    ROUTINE = "routine"


class Day(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKEND: frozenset[Day] = frozenset({Day.SAT, Day.SUN})


class DeclineReason(StrEnum):
    NO_CAPACITY = "no_capacity"
    NO_STAFF_IN_AREA = "no_staff_in_area"
    SKILLS = "skills"
    TRAVEL = "travel"
    OTHER = "other"


class Regulator(StrEnum):
    CQC = "cqc"
    CARE_INSPECTORATE = "care_inspectorate"


class CqcRating(StrEnum):
    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"


class EmbargoScope(StrEnum):
    ALL = "all"
    AREA = "area"
    CLIENT_GROUP = "client_group"


class ImposedBy(StrEnum):
    REGULATOR = "regulator"
    COUNCIL = "council"
    VOLUNTARY = "voluntary"


class ProviderStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DEREGISTERED = "deregistered"


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
