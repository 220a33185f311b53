"""Settings from the environment (prefix GUICHET_), with defaults that run from a clone or an installed wheel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: An installed wheel carries data/ and catalogue/ here (setup.py copies them at build time); a
#: checkout has no such directory and reads them at its top, where they are edited.
SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"
INSTALLED = SHIPPED_DIR.is_dir()
_REFERENCE_ROOT = SHIPPED_DIR if INSTALLED else PROJECT_ROOT
#: What the service writes (SQLite file, token key): beside a checkout, or, installed, under the
#: working directory (relative, like a service's state: never inside site-packages).
_STATE_DIR = Path("var") if INSTALLED else PROJECT_ROOT / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUICHET_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = _REFERENCE_ROOT / "data"
    catalogue_dir: Path = _REFERENCE_ROOT / "catalogue"
    #: request bodies above this size are refused with 413 before they are parsed
    max_body_bytes: int = 64 * 1024
    log_level: str = "info"
    #: SQLAlchemy URL: SQLite by default; PostgreSQL in production (postgresql+psycopg://…)
    database_url: str = f"sqlite:///{_STATE_DIR / 'guichet.sqlite3'}"
    #: a database that does not answer must not hold a request: PostgreSQL connection attempt
    #: (whole seconds, at least 2: libpq's rule)
    database_connect_timeout_seconds: int = Field(default=3, ge=2, le=60)
    #: one statement at most this long (PostgreSQL statement_timeout; SQLite: wait for the write lock)
    database_statement_timeout_seconds: float = Field(default=5.0, gt=0, le=600)
    #: wait for a free connection of the pool at most this long
    database_pool_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    #: /health answers within this delay whatever the database does (it is then reported down)
    health_database_timeout_seconds: float = Field(default=0.5, gt=0, le=10)
    #: /health answers 503 while the database is down or not at the schema of this code, so that a
    #: load balancer can take the instance out; false for an instance that only serves matching
    database_required: bool = True
    #: key of the digests under which tokens are stored (HMAC-SHA256); when empty, a random key is
    #: generated once into `token_key_file`, so that a stolen database alone never yields a token
    token_key: str = ""
    token_key_file: Path = _STATE_DIR / "token.key"
    #: the SIRENE directory (API Recherche d'entreprises); empty: no lookup, a SIRET alone is refused
    sirene_url: str = "https://recherche-entreprises.api.gouv.fr"
    #: one lookup, all included (rate limiter wait, connection, 429 pause, body), ends within this
    sirene_deadline_seconds: float = Field(default=3.0, gt=0, le=60)
    sirene_cache_ttl_seconds: float = Field(default=3600.0, ge=0)
    #: an unknown SIRET is remembered for less long: it may be a company registered this week
    sirene_not_found_ttl_seconds: float = Field(default=300.0, ge=0)
    #: the public API accepts 7 requests/s per IP address (a self-hosted mirror may allow more)
    sirene_rate_per_second: float = Field(default=7.0, gt=0)
    #: tests and local development only: webhooks may target http:// and the loopback address
    webhook_allow_local: bool = False
    #: Redis (redis://host:port/db), shared by every worker of every machine: the rate-limit counters
    #: and the directory's pace; empty: each process keeps its own
    redis_url: str = ""
    #: requests per partner key, in the notation of the `limits` library ("120/minute;2000/hour")
    rate_limit_partner: str = "120/minute;3000/hour"
    #: requests filed without a key, per client address
    rate_limit_anonymous: str = "5/minute;30/hour"
    #: prefix of the counters' keys in Redis (services sharing one Redis keep apart)
    rate_limit_prefix: str = "guichet-ti"
    #: origins of partner sites allowed to call the API from a browser (CORS); none by default
    cors_origins: list[str] = Field(default_factory=list)
    #: the address people use to reach the service: links sent by e-mail are built on it (never on
    #: the Host header of a request, which whoever sends the request chooses)
    public_url: str = "http://127.0.0.1:8000"
    #: requests filed from the pages in 24 hours, at most, per e-mail address and per SIRET
    filing_per_email_per_day: int = Field(default=3, ge=1, le=1000)
    filing_per_siret_per_day: int = Field(default=3, ge=1, le=1000)
    #: who publishes this instance, where it is hosted and whom to write to (the mentions légales
    #: and the notices name them); empty: the pages say the operator has not named them yet
    publisher_name: str = ""
    publisher_address: str = ""
    hosting_name: str = ""
    hosting_address: str = ""
    contact_email: str = ""

    def several_workers_problems(self, workers: int) -> list[str]:
        """Why this configuration cannot run `workers` processes (nothing when it can), in French.

        Processes share what must be the same for all of them: the database (SQLite serves one
        process: its writes would wait on each other's locks), and the key of the tokens (a key
        made on the fly by one machine is unknown to the others).
        """
        if workers <= 1:
            return []
        problems = []
        if self.database_url.startswith("sqlite"):
            problems.append(
                "SQLite ne sert qu'un processus : pour plusieurs workers, utilisez PostgreSQL "
                "(GUICHET_DATABASE_URL=postgresql+psycopg://…)."
            )
        if not self.token_key:
            problems.append(
                "La clé des jetons doit être la même pour tous les processus et toutes les machines : "
                "définissez GUICHET_TOKEN_KEY (par exemple : python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        return problems

    @property
    def geography_file(self) -> Path:
        return self.data_dir / "geography.json"

    @property
    def territories_dir(self) -> Path:
        return self.catalogue_dir / "territories"


@lru_cache
def get_settings() -> Settings:
    return Settings()
