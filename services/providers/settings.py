from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ProvidersSettings(ServiceSettings):
    service_name: ClassVar[str] = "providers"
    model_config = SettingsConfigDict(env_prefix="PROVIDERS_", extra="ignore")

    embargo_sweep_seconds: float = Field(
        default=300.0, gt=0, description="How often embargoes past their end date are marked ended")
    import_batch_rows: int = Field(default=500, gt=0, le=5000, description="Rows committed per import batch")
    import_max_json_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="Largest JSON import body (CSV bodies are streamed)")
