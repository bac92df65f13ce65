from pydantic import BaseModel, Field, field_validator

from shared.contracts.common import FrameworkOfferMode
from shared.contracts.providers import AreaState


class AreaIn(BaseModel):
    code: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$", examples=["OAK"])
    name: str = Field(min_length=1, max_length=200, examples=["Oakham"])
    rural: bool = False
    framework_offer_mode: FrameworkOfferMode = Field(
        default=FrameworkOfferMode.RANKED,
        description="How framework and second-tier providers are offered: one at a time in rank order, or all "
                    "eligible at once (first valid acceptance wins)")


class AreaList(BaseModel):
    items: list[AreaState]
    next_cursor: str | None = None


class AreaPatch(BaseModel):
    """Only the fields sent change; the code is the area's identity and never changes."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    rural: bool | None = None
    framework_offer_mode: FrameworkOfferMode | None = None

    @field_validator("name", "rural", "framework_offer_mode", mode="after")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, not null")
        return value
