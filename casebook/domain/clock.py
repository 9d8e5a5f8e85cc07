"""The build's time: the one place that reads ``SOURCE_DATE_EPOCH``.

``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC; the reproducible-builds convention) fixes the
moment a build is made at: the date follow-up rules judge on, the time in the audit trail,
the creation date of documents and the dates of open data. Unset, it is the current UTC time.
"""

from __future__ import annotations

import datetime as dt
import os

from casebook.domain.errors import UserError

VARIABLE = "SOURCE_DATE_EPOCH"


def fixed_moment() -> dt.datetime | None:
    """The moment ``SOURCE_DATE_EPOCH`` fixes (UTC), ``None`` when it is unset or empty."""
    epoch = os.environ.get(VARIABLE)
    if not epoch:
        return None
    if not epoch.isdigit():
        raise UserError(f"{VARIABLE} ska vara ett heltal, sekunder sedan 1970-01-01 (UTC), inte '{epoch}'.")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC)


def fixed_epoch() -> str | None:
    """``SOURCE_DATE_EPOCH`` as it is set (checked), to hand on to another process; ``None`` when unset."""
    moment = fixed_moment()
    return str(int(moment.timestamp())) if moment else None


def now() -> dt.datetime:
    """The build's moment in whole seconds, UTC: the fixed one, else the current time."""
    return fixed_moment() or dt.datetime.now(dt.UTC).replace(microsecond=0)


def date_of(moment: dt.datetime) -> dt.date:
    """The date of ``moment`` in UTC: a build's date, of the moment it fixed as it started."""
    return moment.astimezone(dt.UTC).date()


def as_of_date() -> dt.date:
    """Today in UTC (``SOURCE_DATE_EPOCH`` fixes it): the build date, for an entry point that fixes it once
    (a command, a notebook run by hand) and passes it on; the rest of the package takes it as an argument."""
    return date_of(now())
