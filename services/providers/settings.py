from typing import ClassVar

from pydantic import Field, SecretStr
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
    cqc_api_url: str = Field(default="https://api.service.cqc.org.uk/public/v1",
                             description="The CQC syndication API's base")
    cqc_api_key: SecretStr | None = Field(
        default=None, description="Subscription key of the CQC API; unset, the periodic sync does not run")
    cqc_sync_seconds: float = Field(default=3600.0, gt=0, description="How often the CQC change feed is synced")
    cqc_max_retries: int = Field(default=5, ge=0, le=20, description="Retries of a throttled CQC request")
    cqc_max_retry_seconds: float = Field(
        default=60.0, gt=0, description="Longest wait before retrying a throttled CQC request (caps Retry-After)")
