"""keel's domain exceptions; `web` maps them to JSON errors, `cli` to a message and exit code.

KeelError
├── InvalidInput      (422)  bad field; `field` names its path, e.g. runs[3].events[0].seq
├── PayloadTooLarge   (413)
├── UnsupportedMediaType (415)
├── NotFound          (404)
├── Conflict          (409)  e.g. a run keel cannot re-execute
├── Unauthorized      (401)  no credential, or an unknown or revoked one
├── Forbidden         (403)  a valid credential whose scope does not allow the action
├── Unavailable       (503)  a service keel needs cannot be reached, e.g. the database
└── TimedOut          (504)  a step ran past its time limit, e.g. a db.query tool call
"""

from __future__ import annotations


class KeelError(Exception):
    """Base of keel's errors: a machine code, a message for people, and the field at fault."""

    code = "error"
    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __reduce__(self) -> tuple[type[KeelError], tuple[str, str | None]]:
        # Raised in an ingestion worker process, re-raised in the server: keep the field.
        return (type(self), (self.message, self.field))


class InvalidInput(KeelError):
    code = "invalid_input"
    status_code = 422


class PayloadTooLarge(KeelError):
    code = "payload_too_large"
    status_code = 413


class UnsupportedMediaType(KeelError):
    code = "unsupported_media_type"
    status_code = 415


class NotFound(KeelError):
    code = "not_found"
    status_code = 404


class Conflict(KeelError):
    code = "conflict"
    status_code = 409


class Cancelled(Conflict):
    code = "cancelled"


class Unauthorized(KeelError):
    code = "unauthorized"
    status_code = 401


class Forbidden(KeelError):
    code = "forbidden"
    status_code = 403


class Unavailable(KeelError):
    code = "unavailable"
    status_code = 503


class TimedOut(KeelError):
    code = "timed_out"
    status_code = 504
