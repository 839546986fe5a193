"""Delivery to a keel server: `POST {endpoint}/api/v1/runs:batch` with httpx."""

from __future__ import annotations

import gzip

import httpx

from keel.core.version import VERSION
from keel.sdk.transport import DeliveryOutcome, DeliveryVerdict, outcome_of_response

# Past this size the body is gzipped (the server accepts Content-Encoding: gzip); level 1
# because this runs inside the host's process and most of the gain comes at the first level.
GZIP_FROM_BYTES = 16 * 1024


class HttpTransport:
    """Posts batches to a keel server, with the bearer key when one is configured."""

    def __init__(self, endpoint: str, api_key: str | None, timeout_s: float) -> None:
        headers = {"content-type": "application/json", "user-agent": f"keel-sdk/{VERSION}"}
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        self.url = f"{endpoint}/api/v1/runs:batch"
        self.target = self.url
        self._client = httpx.Client(timeout=timeout_s, headers=headers)

    def send(self, body: bytes) -> DeliveryOutcome:
        """Post one batch and return what the server (or the network) said."""
        headers = {}
        if len(body) > GZIP_FROM_BYTES:
            body = gzip.compress(body, compresslevel=1)
            headers["content-encoding"] = "gzip"
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return DeliveryOutcome(DeliveryVerdict.RETRY, f"{type(exc).__name__}: {exc}")
        return outcome_of_response(response.status_code, response.content)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def forget(self) -> None:
        """Leave inherited sockets to the parent process; a new client is made on next use."""
