from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class QualitySettings(ServiceSettings):
    service_name: ClassVar[str] = "quality"
    model_config = SettingsConfigDict(env_prefix="QUALITY_", extra="ignore")
