"""Configuration from `KEEL_*` environment variables (pydantic-settings)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from keel.core.limits import (
    DEFAULT_MAX_FIELD_CHARS,
    DEFAULT_MAX_JSON_DEPTH,
    DEFAULT_MAX_REQUEST_BYTES,
    InputLimits,
)


class Settings(BaseSettings):
    """Every knob keel reads from the environment; built once per process entry point."""

    model_config = SettingsConfigDict(env_prefix="KEEL_", extra="ignore")

    home: Path = Field(default=Path(".keel"), description="Directory for the SQLite file and data.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file in KEEL_HOME."
    )
    api_key: SecretStr | None = Field(
        default=None,
        description="Bootstrap admin key: when set (or once any key exists), every page and API "
        "call needs a key (`Authorization: Bearer`); reads need scope `read`.",
    )
    require_auth: bool = Field(
        default=False,
        description="When on, every page and API call needs a key even before any key exists.",
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
        default=DEFAULT_MAX_REQUEST_BYTES,
        gt=0,
        description="Largest ingestion body accepted, before and after decompression (413).",
    )
    max_json_depth: int = Field(
        default=DEFAULT_MAX_JSON_DEPTH,
        ge=2,
        le=512,
        description="Deepest JSON nesting an ingested body may have (422; OTLP: 400).",
    )
    ingest_workers: int | None = Field(
        default=0,
        ge=0,
        description=(
            "Processes that decode and map OTLP exports for `keel serve` (0, the default: in the"
            " server's threads; unset (null): one per core but the server's own). On 2 cores a"
            " worker gave no consistent gain (docs/benchmarks.md), so none is the default."
        ),
    )
    max_field_chars: int = Field(
        default=DEFAULT_MAX_FIELD_CHARS,
        ge=1024,
        description="Longest text stored per field; longer text is stored cut, with a marker.",
    )
    redact_patterns: list[str] = Field(
        default_factory=list,
        description="Extra regexes masked as [REDACTED] in everything stored (a JSON list).",
    )
    redact_patterns_file: Path | None = Field(
        default=None,
        description="File of extra redaction regexes, one per line (# starts a comment).",
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
    broker_url: str | None = Field(
        default=None,
        description="Celery broker (e.g. redis://127.0.0.1:6379/0): jobs go to `keel worker` "
        "processes; unset = `keel serve` runs them itself.",
    )
    job_queue: str = Field(default="keel", description="Broker queue keel's jobs go to.")
    replay_concurrency: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Replays of one budget run at once when the model is behind an API; a model "
        "computing in-process (offline, local:) runs one at a time.",
    )
    job_lease_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="How long a job's lease lasts (its runner renews it every third of that); "
        "once a dead runner's lease has run out, another takes the job over.",
    )
    job_visibility_timeout_s: float = Field(
        default=300.0,
        gt=0,
        description="Seconds before the broker hands a job a dead worker had taken to another; "
        "a job still held by a live runner is then put back until its lease ends.",
    )
    replay_tools_file: Path | None = Field(
        default=None,
        description="Set by keel replay/heal for processes a replayed agent starts: the tool "
        "gate `keel mcp proxy` applies (only read-only tools reach the server).",
    )

    @field_validator("redact_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            re.compile(pattern)  # a bad one fails at start-up, naming the variable
        return patterns

    def all_redact_patterns(self) -> list[str]:
        """Return KEEL_REDACT_PATTERNS plus the lines of KEEL_REDACT_PATTERNS_FILE."""
        patterns = list(self.redact_patterns)
        if self.redact_patterns_file is not None:
            for line in self.redact_patterns_file.read_text().splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    patterns.append(line.strip())
        return self._patterns_compile(patterns)

    def input_limits(self) -> InputLimits:
        """Return the bounds ingestion holds every input to."""
        return InputLimits(self.max_request_bytes, self.max_json_depth, self.max_field_chars)

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
