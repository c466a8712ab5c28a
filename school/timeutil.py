"""Kazakhstan time: one zone, UTC+5 since 1 March 2024.

Instants are stored in UTC (school.dbtypes.UTCDateTime) and shown in Asia/Almaty. The zone
is read from the `tzdata` package, not the machine's copy, so an old system database
(before 2024a, when Almaty was UTC+6) cannot shift every time by an hour.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from importlib import resources
from zoneinfo import ZoneInfo


def _load_almaty() -> ZoneInfo:
    with resources.files("tzdata.zoneinfo").joinpath("Asia/Almaty").open("rb") as fh:
        return ZoneInfo.from_file(fh, key="Asia/Almaty")


ALMATY = _load_almaty()


def now() -> datetime:
    return datetime.now(UTC)


def to_local(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    return instant.astimezone(ALMATY)


def local_datetime(day: date, at: time) -> datetime:
    """The instant of a wall-clock time in Kazakhstan on `day`."""
    return datetime.combine(day, at, tzinfo=ALMATY)


def local_today() -> date:
    return now().astimezone(ALMATY).date()
