"""In-process delivery: the batch goes through native validation straight into the store."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from keel.core.errors import InvalidInput
from keel.ingest.native import parse_body, to_records
from keel.ingest.storing import seal_runs, store_runs
from keel.sdk.capture import price_table
from keel.sdk.transport import DELIVERED, DeliveryOutcome, DeliveryVerdict, invalid_field_outcome
from keel.store.engine import Database
from keel.store.migrate import upgrade


class StoreTransport:
    """Writes batches with `store_runs`, as `POST /api/v1/runs:batch` would, in this process."""

    def __init__(self, database_url: str) -> None:
        # A script using the SDK without a server must find its tables; at head this is a no-op.
        upgrade(database_url)
        self._database = Database(database_url)
        url = self._database.engine.url.render_as_string(hide_password=True)
        self.target = f"the keel store at {url}"

    def send(self, body: bytes) -> DeliveryOutcome:
        """Validate, redact and store one batch in one transaction."""
        try:
            records = seal_runs(to_records(parse_body(body), price_table()))
        except InvalidInput as exc:
            return invalid_field_outcome(exc.field, exc.message)
        try:
            with self._database.write() as session:
                store_runs(session, records, "sdk", "sdk")
        except OperationalError as exc:
            # Locked or unreachable database: transient, and the write is idempotent.
            return DeliveryOutcome(DeliveryVerdict.RETRY, f"{type(exc).__name__}: {exc.orig}")
        except SQLAlchemyError as exc:
            return DeliveryOutcome(DeliveryVerdict.REFUSED, f"{type(exc).__name__}: {exc}")
        return DELIVERED

    def close(self) -> None:
        """Close the database's pooled connections."""
        self._database.dispose()

    def forget(self) -> None:
        """Drop inherited pooled connections without closing the parent's."""
        self._database.engine.dispose(close=False)
