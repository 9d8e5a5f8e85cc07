"""Names as ASCII slugs (``Region Jämtland Härjedalen`` → ``region-jamtland-harjedalen``),
for page names and for the 360Giving ids of organisations without a known number.

One function for both, so an organisation has the same slug on its page and in the open
data. python-slugify transliterates every script to ASCII (text-unidecode), not only the
Swedish letters: ``Ærø`` → ``aero``, ``Łódź`` → ``lodz``, ``ß`` → ``ss``.
"""

from __future__ import annotations

from slugify import slugify


def slug(text: str, max_length: int = 60) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens, cut at ``max_length``
    characters; empty when nothing is left."""
    return slugify(text, max_length=max_length)
