"""Settings shared by every service; each service subclasses `ServiceSettings` with its own prefix.

A service reads `<PREFIX>_DATABASE_URL` first, then the suite-wide `DATABASE_URL`, then falls back to
the embedded default: one SQLite file per service under `DATA_DIR`. `BROKER_URL` unset means the
local broker (a SQLite file under `DATA_DIR`, the embedded default); an `amqp://` URL means RabbitMQ.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", "./var")).resolve()


class ServiceSettings(BaseSettings):
    """Common settings; subclasses set `service_name` and `env_prefix`."""

    service_name: ClassVar[str] = "service"
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str | None = None
    broker_url: str | None = Field(default=None)
    jwt_issuer: str = "homecare-suite"
    jwt_audience: str = "homecare-suite-api"
    jwt_public_key: str | None = None
    event_exchange: str = "homecare.events"
    outbox_poll_seconds: float = 0.5
    consumer_max_attempts: int = 5
    consumer_retry_base_seconds: float = 0.5
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _suite_wide_defaults(self) -> Self:
        """Resolved once, when the settings are made, so a running service never rereads the env."""
        self.database_url = (
            self.database_url
            or os.environ.get("DATABASE_URL")
            or f"sqlite+aiosqlite:///{data_dir() / (self.service_name + '.db')}"
        )
        self.broker_url = self.broker_url or os.environ.get("BROKER_URL") or None
        return self

    def resolved_database_url(self) -> str:
        """The service's own database URL (a schema of the shared server, or its own SQLite file)."""
        assert self.database_url is not None
        return self.database_url

    def resolved_broker_url(self) -> str | None:
        return self.broker_url

    def resolved_jwt_public_key(self) -> str:
        """`<SERVICE>_JWT_PUBLIC_KEY`, else the suite-wide `JWT_PUBLIC_KEY`, else the one-machine pair."""
        if self.jwt_public_key or os.environ.get("JWT_PUBLIC_KEY"):
            return self.jwt_public_key or os.environ["JWT_PUBLIC_KEY"]
        from shared.keys import load_or_create_keypair

        return load_or_create_keypair().public_pem
