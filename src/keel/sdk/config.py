"""The SDK's options, and where its runs go (a keel server over HTTP, or the store in-process)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from keel.core.errors import InvalidInput


@dataclass(frozen=True)
class SdkConfig:
    """How the SDK batches and delivers runs; `None` endpoint, key or URL come from `KEEL_*`."""

    endpoint: str | None = None  # None: KEEL_ENDPOINT; "" (or unset env): in-process store
    api_key: str | None = None  # None: KEEL_API_KEY
    database_url: str | None = None  # in-process only; None: KEEL_DATABASE_URL / KEEL_HOME
    queue_size: int = 10_000  # runs waiting to be sent; past it new runs are dropped
    flush_interval_s: float = 1.0  # longest a finished run waits before its batch is sent
    max_batch_runs: int = 200
    max_batch_bytes: int = 1_000_000  # well under the server's default 5 MB request limit
    max_retries: int = 3  # extra attempts on 5xx, 429 and connection errors
    retry_backoff_s: float = 0.5  # first wait; doubles per attempt
    request_timeout_s: float = 10.0
    exit_timeout_s: float = 5.0  # longest the interpreter waits at exit for the last runs

    def __post_init__(self) -> None:
        for name in ("queue_size", "max_batch_runs", "max_batch_bytes"):
            if getattr(self, name) < 1:
                raise InvalidInput(f"{name} must be at least 1", field=name)
        for name in ("flush_interval_s", "request_timeout_s"):
            if getattr(self, name) <= 0:
                raise InvalidInput(f"{name} must be positive", field=name)
        for name in ("max_retries", "retry_backoff_s", "exit_timeout_s"):
            if getattr(self, name) < 0:
                raise InvalidInput(f"{name} must not be negative", field=name)


OPTION_NAMES = tuple(field.name for field in fields(SdkConfig))


@dataclass(frozen=True)
class Destination:
    """Where batches go: `endpoint` set means HTTP, else the database at `database_url`."""

    endpoint: str | None
    api_key: str | None
    database_url: str

    def describe(self) -> str:
        """Return where runs are sent, for log messages (never the key)."""
        if self.endpoint:
            return self.endpoint
        return "the in-process store"


def resolve_destination(config: SdkConfig) -> Destination:
    """Return the destination of `config`, reading `KEEL_*` for what it leaves unset."""
    # Imported here, on the SDK's thread: pydantic-settings is not needed at `import keel`.
    from keel.core import sanitize
    from keel.core.settings import Settings

    settings = Settings()
    sanitize.configure(settings)  # the user's redaction patterns, for in-process writes too
    endpoint = settings.endpoint if config.endpoint is None else config.endpoint
    api_key = config.api_key
    if api_key is None and settings.api_key is not None:
        api_key = settings.api_key.get_secret_value()
    if config.database_url:
        settings = settings.model_copy(update={"database_url": config.database_url})
    return Destination(
        endpoint=endpoint.rstrip("/") if endpoint else None,
        api_key=api_key or None,
        database_url=settings.resolved_database_url(),
    )
