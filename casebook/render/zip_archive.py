"""ZIP packages (the open-data workbook, the memo's Word document) rewritten so that equal
content gives equal bytes: the libraries that write them stamp the current time on every entry."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable

EARLIEST = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)  # the earliest date a ZIP entry can carry


def stable_zip(
    data: bytes, moment: dt.datetime = EARLIEST, edit: Callable[[str, bytes], bytes | None] | None = None
) -> bytes:
    """The ZIP archive ``data`` with every entry dated ``moment`` and readable by all (rw-r--r--).

    ZIP stores local time in two-second steps without a zone: ``moment`` is written in UTC,
    rounded down to even seconds, and never before 1980. ``edit(name, content)`` may return
    an entry's new content, or ``None`` to leave the entry out.
    """
    moment = max(moment, EARLIEST).astimezone(dt.UTC)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second - moment.second % 2)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if edit is not None:
                content = edit(entry.filename, content)
                if content is None:
                    continue
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()
