import uuid

from pydantic import BaseModel, Field

from shared.auth import Role


class Person(BaseModel):
    """A user or an API client as other staff see it: by name, never by id."""

    id: uuid.UUID
    display_name: str = Field(examples=["Jo Patel"], description="A user's display name (its username when it has "
                                                                 "none) or a client's name")
    kind: str = Field(examples=["user"], description="`user` or `client`")


class PeopleList(BaseModel):
    items: list[Person]
    next_cursor: str | None = None


class Me(BaseModel):
    """The signed-in account, for the web client's header and the screens it offers."""

    id: uuid.UUID
    kind: str
    username: str | None
    display_name: str
    roles: list[Role]
    provider_id: uuid.UUID | None
