import os
from typing import ClassVar

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name: ClassVar[str] = "gateway"
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    jwt_private_key: str | None = None
    token_ttl_seconds: int = Field(default=900, gt=0, le=86400)
    admin_password: str | None = Field(
        default=None, validation_alias=AliasChoices("SUITE_ADMIN_PASSWORD", "GATEWAY_ADMIN_PASSWORD")
    )
    rate_limit_per_minute: int = Field(default=1200, gt=0)
    rate_limit_burst: int = Field(default=200, gt=0)
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("GATEWAY_REDIS_URL", "REDIS_URL"),
        description="Redis that keeps the rate limit's counters, shared by every gateway replica")
    rate_limit_key_prefix: str = Field(default="homecare-ratelimit",
                                       description="The prefix of the rate limit's keys in Redis")
    upstream_timeout_seconds: float = 60.0
    brokerage_url: str | None = None
    providers_url: str | None = None
    packages_url: str | None = None
    quality_url: str | None = None
    sign_in_failures: int = Field(default=5, gt=0, description="Failed sign-ins that lock an account out")
    sign_in_address_failures: int = Field(default=30, gt=0, description="Failed sign-ins that hold an address back")
    sign_in_window_seconds: float = Field(default=900, gt=0)
    sign_in_lockout_seconds: float = Field(default=900, gt=0)
    max_body_bytes: int = Field(default=256 * 1024 * 1024, gt=0,
                                description="The largest request body taken (a CQC directory CSV is tens of MB)")
    sandbox: bool = Field(default=False, validation_alias=AliasChoices("SUITE_SANDBOX", "GATEWAY_SANDBOX"),
                          description="A sandbox for integrators: an admin may move the services' clocks forward")

    def resolved_jwt_private_key(self) -> str:
        if self.jwt_private_key or os.environ.get("JWT_PRIVATE_KEY"):
            return self.jwt_private_key or os.environ["JWT_PRIVATE_KEY"]
        from shared.keys import load_or_create_keypair

        return load_or_create_keypair().private_pem

    def upstream_url(self, service: str) -> str | None:
        url: str | None = getattr(self, f"{service}_url")
        return url
