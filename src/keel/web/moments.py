"""Times given as query parameters (`since`, `until`): ISO 8601, within years 1-9999 in UTC.

A time that leaves that range once converted to UTC (`0001-01-01T00:00+01:00`) would overflow
in the query; it is a 422 naming the parameter instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator

from keel.core.limits import utc


def _in_range(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


QueryMoment = Annotated[datetime | None, AfterValidator(_in_range)]
