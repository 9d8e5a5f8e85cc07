"""The one ZIP rewriter behind the open-data workbook and the memo's Word document."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from casebook.render.zip_archive import stable_zip


def _archive(entries: dict[str, bytes], date_time: tuple[int, ...]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, content in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=date_time), content)
    return out.getvalue()


def _entries(data: bytes) -> list[tuple[str, tuple[int, ...], int, int, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            (i.filename, i.date_time, i.external_attr >> 16, i.compress_type, archive.read(i))
            for i in archive.infolist()
        ]


def test_the_same_content_written_at_different_times_gives_the_same_bytes():
    entries = {"a.xml": b"<a/>", "b/c.xml": b"<c/>" * 50}
    first = stable_zip(_archive(entries, (2026, 12, 4, 21, 59, 27)))
    second = stable_zip(_archive(entries, (2025, 1, 2, 3, 4, 6)))
    assert first == second
    assert _entries(first) == [
        ("a.xml", (1980, 1, 1, 0, 0, 0), 0o644, zipfile.ZIP_DEFLATED, b"<a/>"),
        ("b/c.xml", (1980, 1, 1, 0, 0, 0), 0o644, zipfile.ZIP_DEFLATED, b"<c/>" * 50),
    ]


def test_entries_carry_the_moment_in_utc_to_even_seconds_and_never_before_1980():
    data = _archive({"a": b"1"}, (2020, 1, 1, 0, 0, 0))
    stockholm = dt.timezone(dt.timedelta(hours=1))
    assert _entries(stable_zip(data, dt.datetime(2025, 11, 30, 1, 0, 7, tzinfo=stockholm)))[0][1] == (
        2025,
        11,
        30,
        0,
        0,
        6,
    )
    assert _entries(stable_zip(data, dt.datetime(1970, 1, 1, tzinfo=dt.UTC)))[0][1] == (1980, 1, 1, 0, 0, 0)


def test_an_edit_replaces_or_leaves_out_entries_in_their_order():
    data = _archive({"keep": b"k", "drop/me": b"d", "change": b"old"}, (2020, 1, 1, 0, 0, 0))
    edited = stable_zip(
        data, edit=lambda name, content: None if name.startswith("drop/") else content.replace(b"old", b"new")
    )
    assert [(name, content) for name, *_, content in _entries(edited)] == [("keep", b"k"), ("change", b"new")]
