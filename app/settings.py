"""Settings from the environment (prefix GUICHET_), with defaults that run from a clone."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUICHET_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = PROJECT_ROOT / "data"
    catalogue_dir: Path = PROJECT_ROOT / "catalogue"
    #: request bodies above this size are refused with 413 before they are parsed
    max_body_bytes: int = 64 * 1024
    log_level: str = "info"

    @property
    def geography_file(self) -> Path:
        return self.data_dir / "geography.json"

    @property
    def territories_dir(self) -> Path:
        return self.catalogue_dir / "territories"


@lru_cache
def get_settings() -> Settings:
    return Settings()
