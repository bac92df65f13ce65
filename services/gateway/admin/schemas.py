import uuid
from typing import Self

from pydantic import BaseModel, Field, model_validator

from shared.auth import Role

STAFF_USER_ROLES = [role for role in Role if role is not Role.PROVIDER]


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$", examples=["j.smith"])
    password: str = Field(min_length=12, max_length=200, examples=["correct horse battery"])
    roles: list[Role] = Field(min_length=1, examples=[["broker"]])

    @model_validator(mode="after")
    def staff_roles_only(self) -> Self:
        if Role.PROVIDER in self.roles:
            raise ValueError("staff users cannot hold the provider role; create a client instead")
        return self


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    roles: list[Role]
    active: bool


class ClientCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Acme Care rostering"])
    roles: list[Role] = Field(min_length=1, examples=[["provider"]])
    provider_id: uuid.UUID | None = Field(default=None, description="Required for the provider role")

    @model_validator(mode="after")
    def provider_binding(self) -> Self:
        if Role.PROVIDER in self.roles and self.provider_id is None:
            raise ValueError("a provider client must name its provider_id")
        if Role.PROVIDER in self.roles and len(self.roles) > 1:
            raise ValueError("a provider client holds the provider role only")
        if Role.PROVIDER not in self.roles and self.provider_id is not None:
            raise ValueError("provider_id is only for provider clients")
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
