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
    #: SQLAlchemy URL: SQLite by default; PostgreSQL in production (postgresql+psycopg://…)
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'guichet.sqlite3'}"
    #: key of the digests under which tokens are stored (HMAC-SHA256); when empty, a random key is
    #: generated once into `token_key_file`, so that a stolen database alone never yields a token
    token_key: str = ""
    token_key_file: Path = PROJECT_ROOT / "var" / "token.key"

    @property
    def geography_file(self) -> Path:
        return self.data_dir / "geography.json"

    @property
    def territories_dir(self) -> Path:
        return self.catalogue_dir / "territories"


@lru_cache
def get_settings() -> Settings:
    return Settings()
