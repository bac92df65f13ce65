from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class PackagesSettings(ServiceSettings):
    service_name: ClassVar[str] = "packages"
    model_config = SettingsConfigDict(env_prefix="PACKAGES_", extra="ignore")
