from typing import Literal

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(examples=[900], description="Seconds until the token expires")
    scope: str = Field(examples=["provider"], description="The account's roles, space-separated (RFC 6749 5.1)")


class SingleSignOn(BaseModel):
    """How the web client offers "Sign in with <the council's name>"."""

    display_name: str = Field(examples=["Northshire County Council"])
    login_url: str = Field(examples=["/api/v1/auth/oidc/login"], description="Where the browser goes to sign in")
