"""The README's table names every setting every service reads (a new setting undocumented fails here)."""

from __future__ import annotations

from pathlib import Path

from services.catalog import CATALOG
from shared.settings import ServiceSettings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_the_readme_names_every_setting() -> None:
    common = set(ServiceSettings.model_fields)
    missing = [f"<SERVICE>_{name.upper()}" for name in common if f"`<SERVICE>_{name.upper()}`" not in README]
    for entry in CATALOG.values():
        prefix = entry.settings_type.model_config.get("env_prefix", "")
        missing += [f"{prefix}{name.upper()}" for name in entry.settings_type.model_fields
                    if name not in common and f"`{prefix}{name.upper()}`" not in README]
    assert missing == []
