from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ProvidersSettings(ServiceSettings):
    service_name: ClassVar[str] = "providers"
    model_config = SettingsConfigDict(env_prefix="PROVIDERS_", extra="ignore")
