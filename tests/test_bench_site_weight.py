"""bench.site_weight: published bytes per case, by kind of file."""

from __future__ import annotations

from collections import Counter

from bench.site_weight import table, weigh


def write(path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_every_published_file_is_counted_once_under_its_kind(tmp_path):
    write(tmp_path / "book" / "cases" / "a.html", 100)
    write(tmp_path / "_sources" / "book" / "cases" / "a.ipynb", 200)
    write(tmp_path / "memo" / "a.pdf", 30)
    write(tmp_path / "memo" / "a.docx", 7)
    write(tmp_path / "rapport" / "a.pdf", 40)
    write(tmp_path / "pagefind" / "fragment" / "a.pf_fragment", 5)
    write(tmp_path / "_static" / "theme.css", 1000)
    write(tmp_path / "book" / "index.html", 11)
    weights = weigh(tmp_path)
    assert weights == Counter(
        {
            "case page (HTML)": 100,
            "case notebook (.ipynb)": 200,
            "memo PDF": 30,
            "memo Word draft": 7,
            "report PDF": 40,
            "search index": 5,
            "theme and scripts": 1000,
            "other pages and sources": 11,
        }
    )


def test_the_table_gives_bytes_per_case_and_what_each_further_case_adds():
    weights = {
        10: Counter({"memo PDF": 500_000, "theme and scripts": 1_000_000}),
        40: Counter({"memo PDF": 2_000_000, "theme and scripts": 1_000_000}),
    }
    lines = table(weights).splitlines()
    assert lines[0] == "| published kind | kB per case, N = 10 | kB per case, N = 40 | kB each case adds, N = 10 → 40 |"
    assert "| memo PDF | 50.0 | 50.0 | 50.0 |" in lines
    assert "| theme and scripts | 100.0 | 25.0 | 0.0 |" in lines
    assert lines[-1] == "| total | 150.0 | 75.0 | 50.0 |"
