"""The services of the suite, for the tools that handle all of them (migrate, run, tests)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from services.brokerage import app as brokerage
from services.brokerage.settings import BrokerageSettings
from services.gateway import app as gateway
from services.gateway.settings import GatewaySettings
from services.packages import app as packages
from services.packages.settings import PackagesSettings
from services.providers import app as providers
from services.providers.settings import ProvidersSettings
from services.quality import app as quality
from services.quality.settings import QualitySettings
from shared import migrations
from shared.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    settings_type: type[ServiceSettings]
    migrations_dir: Path
    create_app: Callable[..., FastAPI]

    def database_url(self) -> str:
        return self.settings_type().resolved_database_url()


CATALOG: dict[str, ServiceEntry] = {
    entry.name: entry
    for entry in (
        ServiceEntry("gateway", GatewaySettings, gateway.MIGRATIONS_DIR, gateway.create_app),
        ServiceEntry("providers", ProvidersSettings, providers.MIGRATIONS_DIR, providers.create_app),
        ServiceEntry("brokerage", BrokerageSettings, brokerage.MIGRATIONS_DIR, brokerage.create_app),
        ServiceEntry("packages", PackagesSettings, packages.MIGRATIONS_DIR, packages.create_app),
        ServiceEntry("quality", QualitySettings, quality.MIGRATIONS_DIR, quality.create_app),
    )
}
BACKEND_SERVICES = ("providers", "brokerage", "packages", "quality")


def migrate(names: list[str] | None = None, *, url: str | None = None) -> None:
    """Upgrades each named service (all by default) to its latest migration."""
    for name in names or list(CATALOG):
        entry = CATALOG[name]
        migrations.upgrade(service=name, migrations_dir=entry.migrations_dir, url=url or entry.database_url())
