from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class BrokerageSettings(ServiceSettings):
    service_name: ClassVar[str] = "brokerage"
    model_config = SettingsConfigDict(env_prefix="BROKERAGE_", extra="ignore")
