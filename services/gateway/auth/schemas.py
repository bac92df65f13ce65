from typing import Literal

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(examples=[900], description="Seconds until the token expires")
    scope: str = Field(examples=["provider"], description="The account's roles, space-separated (RFC 6749 5.1)")
