"""The build date: the one day every judgement that depends on "today" is made on.

``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC) fixes it for reproducible builds, as for the
audit trail; otherwise it is today's date in UTC.
"""

from __future__ import annotations

import datetime as dt
import os

from casebook.domain.errors import UserError


def as_of_date() -> dt.date:
    """The day the follow-up is judged on and nothing recorded may come after: the build date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and not epoch.isdigit():
        raise UserError(f"SOURCE_DATE_EPOCH ska vara ett heltal, sekunder sedan 1970-01-01 (UTC), inte '{epoch}'.")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.date()
