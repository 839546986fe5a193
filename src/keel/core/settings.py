"""Configuration from `KEEL_*` environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob keel reads from the environment; built once per process entry point."""

    model_config = SettingsConfigDict(env_prefix="KEEL_", extra="ignore")

    home: Path = Field(default=Path(".keel"), description="Directory for the SQLite file and data.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file in KEEL_HOME."
    )
    api_key: SecretStr | None = Field(
        default=None,
        description="Bootstrap admin key: when set, writes need a key (`Authorization: Bearer`).",
    )
    require_auth: bool = Field(
        default=False,
        description="When on, every page and API call needs a key (reads need scope `read`).",
    )
    review_risk_min: float = Field(
        default=60.0, description="Runs at or above this risk (0-100) enter the review queue."
    )
    policy_dir: Path | None = Field(
        default=None,
        description="Directory of tool-usage policies (*.toml) loaded when `keel serve` starts.",
    )
    session_ttl_s: int = Field(
        default=8 * 3600, gt=0, description="How long a dashboard sign-in lasts, in seconds."
    )
    model: str = Field(default="offline", description="Model provider spec for keel's agents.")
    openai_api_key: SecretStr | None = Field(
        default=None, description="API key for `openai:` models; falls back to OPENAI_API_KEY."
    )
    embedder: str = Field(default="all-MiniLM-L6-v2", description="Sentence embedding model.")
    max_request_bytes: int = Field(
        default=5 * 1024 * 1024,
        description="Largest ingestion body accepted (413 past it).",
    )
    prices_file: Path | None = Field(
        default=None,
        description="JSON price table (USD per 1M tokens) overriding or extending the shipped one.",
    )
    alert_webhook_url: str | None = Field(
        default=None, description="URL that receives each new drift or regression alert as JSON."
    )
    drift_monitor_baselines: str = Field(
        default="", description="Comma-separated baselines `keel serve` checks periodically."
    )
    drift_monitor_interval_s: float = Field(
        default=0.0, description="Seconds between periodic drift checks; 0 turns them off."
    )
    drift_monitor_window: str = Field(
        default="24h", description="Trailing window each periodic check covers, e.g. 24h or 7d."
    )
    endpoint: str | None = Field(
        default=None, description="Base URL of a keel server the SDK sends to; unset = in-process."
    )

    def bootstrap_key(self) -> str | None:
        """Return KEEL_API_KEY in clear (an admin key that needs no database row), or None."""
        return self.api_key.get_secret_value() if self.api_key else None

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to `sqlite:///<home>/keel.db`."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.home / 'keel.db').resolve()}"


def normalise_database_url(url: str) -> str:
    """Return `url` with PostgreSQL pointed at the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
