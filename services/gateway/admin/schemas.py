import uuid
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.gateway.admin.domain import provider_binding_problem
from shared.auth import Role

Password = Field(min_length=12, max_length=200, examples=["correct horse battery"])
DisplayName = Field(default=None, min_length=1, max_length=200, examples=["Jo Patel"],
                    description="The name other staff see (who recorded, lifted or acknowledged something); the "
                                "username when left out")


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$", examples=["j.smith"])
    password: str = Password
    roles: list[Role] = Field(min_length=1, examples=[["broker"]])
    display_name: str | None = DisplayName
    provider_id: uuid.UUID | None = Field(default=None, description="For a provider's staff: the provider role, "
                                                                    "scoped to this provider like a provider client")

    @model_validator(mode="after")
    def provider_binding(self) -> Self:
        if problem := provider_binding_problem(self.roles, self.provider_id):
            raise ValueError(problem)
        return self


class UserUpdate(BaseModel):
    """What an administrator changes on a user: fields left out stay as they are. `active: false` disables
    the account at once (its tokens stop working); `password` resets it."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = DisplayName
    roles: list[Role] | None = Field(default=None, min_length=1)
    provider_id: uuid.UUID | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=12, max_length=200)


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str | None
    roles: list[Role]
    provider_id: uuid.UUID | None
    active: bool


class ClientCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Acme Care rostering"])
    roles: list[Role] = Field(min_length=1, examples=[["provider"]])
    provider_id: uuid.UUID | None = Field(default=None, description="Required for the provider role")

    @model_validator(mode="after")
    def provider_binding(self) -> Self:
        if problem := provider_binding_problem(self.roles, self.provider_id):
            raise ValueError(problem)
        if Role.ADMIN in self.roles:
            raise ValueError("machine clients cannot be administrators")
        return self


class ClientOut(BaseModel):
    client_id: uuid.UUID
    name: str
    roles: list[Role]
    provider_id: uuid.UUID | None
    active: bool


class ClientCreated(ClientOut):
    client_secret: str = Field(description="Shown once; only its hash is kept")
