"""The site's search index in parts (casebook.engine.search_index): how pages are split into
parts, and that only the parts whose pages changed are run through Pagefind again."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import cbor2
import pytest
from conftest import write_pagefind_part

from casebook.engine import search_index
from casebook.engine.search_index import SearchIndexFailed, build_search_index, part_count, part_of

# Case ids whose parts, of four, are known (sha256 of the id, modulo the count): no two of
# the first three share one.
IN_PART_OF_FOUR = {
    "fiktiv-bas": 0,
    "rjh-2025-spin": 2,
    "fiktiv-norr": 3,
    "fiktiv-syd": 3,
    "fiktiv-injektion": 0,
    "fiktiv-uppfoljning-sen": 2,
}


def test_part_count_is_the_smallest_power_of_two_with_parts_of_at_most_the_part_size_up_to_eight_parts():
    assert search_index.PAGES_PER_PART == 250
    assert [part_count(pages) for pages in (0, 1, 100, 250)] == [1, 1, 1, 1]
    assert [part_count(pages) for pages in (251, 500, 501, 1000, 1001, 2000)] == [2, 2, 4, 4, 8, 8]
    assert [part_count(pages, pages_per_part=1000) for pages in (1000, 1001, 3000)] == [1, 2, 4]
    # Eight parts at most, however many pages: each part costs a reader's search ...
    assert [part_count(pages) for pages in (2001, 10_000, 16_000)] == [8, 8, 8]
    assert part_count(9, pages_per_part=1) == 8
    # ... unless Pagefind's memory needs more: at most 2 000 pages a run.
    assert [part_count(pages) for pages in (16_001, 32_000, 32_001)] == [16, 16, 32]


def test_a_pages_part_depends_only_on_its_case_id():
    for case_id, part in IN_PART_OF_FOUR.items():
        assert part_of(case_id, 4) == part
    # The same id in a count of two keeps its part modulo two (powers of two nest).
    assert [part_of(case_id, 2) for case_id in IN_PART_OF_FOUR] == [part % 2 for part in IN_PART_OF_FOUR.values()]
    assert {part_of(f"fiktiv-{number}", 8) for number in range(200)} == set(range(8))


def _site(tmp_path: Path, case_ids) -> Path:
    site = tmp_path / "html"
    (site / "book" / "cases").mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("<html lang='sv'><body>Startsidan</body></html>", encoding="utf-8")
    for case_id in case_ids:
        _write_case(site, case_id, f"Ärendet {case_id}")
    return site


def _write_case(site: Path, case_id: str, text: str, day: str = "2099-01-10") -> None:
    sort = f'<div hidden data-pagefind-ignore><span data-pagefind-sort="datum">{day}</span></div>'
    (site / "book" / "cases" / f"{case_id}.html").write_text(
        f"<html lang='sv'><body><article data-pagefind-body><h1>{case_id}</h1><p>{text}</p>{sort}</article></body></html>",
        encoding="utf-8",
    )


ORDERED_FILTERS = [
    ("Beslutsfattare", [("Region Dalarna", [0]), ("Region Jämtland Härjedalen", [1])]),
    ("Läge", [("Beviljat", [0]), ("Förslag till beslut", [1])]),
    ("År", [("2017", [0]), ("2025", [1])]),
]


class FakePagefind:
    """Records each run's pages (relative to its staging site) and output, and writes a part there:
    its scripts in short, and its entry, metadata and filter files with the filters and their
    values in the order ``filters`` gives (Pagefind's is a hash map's)."""

    def __init__(self, fail: bool = False, filters=tuple(ORDERED_FILTERS)):
        self.runs: list[tuple[str, list[str]]] = []
        self.fail = fail
        self.filters = list(filters)

    def __call__(self, command, env=None, **kwargs):
        staging = Path(command[command.index("--site") + 1])
        output = Path(command[command.index("--output-path") + 1])
        assert env["_RJEM_MALLOC_CONF"] == "dirty_decay_ms:0,muzzy_decay_ms:0"
        self.runs.append((output.name, sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*.html"))))
        if self.fail:
            return subprocess.CompletedProcess(command, 1, "", "Error: something went wrong")
        output.mkdir(parents=True)
        for name in ("pagefind-ui.js", "pagefind-ui.css"):
            (output / name).write_text(f"/* {name} of part {output.name} */", encoding="utf-8")
        write_pagefind_part(output, self.filters)
        return subprocess.CompletedProcess(command, 0, "", "")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _content(data: bytes):
    data = gzip.decompress(data)
    assert data.startswith(search_index.SIGNATURE)
    return cbor2.loads(data[len(search_index.SIGNATURE) :])


def test_the_same_pages_give_the_same_index_whatever_order_pagefind_wrote_its_filters_in(tmp_path):
    shuffled = [(name, list(reversed(values))) for name, values in reversed(ORDERED_FILTERS)]
    one, other = _site(tmp_path / "a", ["fiktiv-bas"]), _site(tmp_path / "b", ["fiktiv-bas"])
    build_search_index(one, run=FakePagefind(filters=ORDERED_FILTERS))
    build_search_index(other, run=FakePagefind(filters=shuffled))
    first, second = _files(one / "pagefind" / "0"), _files(other / "pagefind" / "0")
    assert first == second
    (meta_name,) = [name for name in first if name.endswith(".pf_meta")]
    metadata = _content(first[meta_name])
    assert [name for name, _ in metadata[3]] == ["Beslutsfattare", "Läge", "År"]
    for name, file in metadata[3]:  # each filter's file, named by its content, its values in order
        data = first[f"filter/{file}.pf_filter"]
        assert file == f"sv_{hashlib.sha256(gzip.decompress(data)).hexdigest()[:7]}"
        assert _content(data) == [name, [[value, pages] for value, pages in dict(ORDERED_FILTERS)[name]]]
    assert len([name for name in first if name.startswith("filter/")]) == 3  # Pagefind's own names are gone
    assert meta_name == f"pagefind.sv_{hashlib.sha256(gzip.decompress(first[meta_name])).hexdigest()[:10]}.pf_meta"
    assert json.loads(first["pagefind-entry.json"])["languages"]["sv"]["hash"] == meta_name.split(".")[1]
    assert all(data[4:8] == b"\0\0\0\0" for name, data in first.items() if name.endswith(("pf_meta", "pf_filter")))


class ChangedPagefind(FakePagefind):
    """Writes its part, then changes each of the part's files that ``change`` is given (path → new bytes)."""

    def __init__(self, pattern: str, change):
        super().__init__()
        self.pattern, self.change = pattern, change

    def __call__(self, command, env=None, **kwargs):
        done = super().__call__(command, env=env, **kwargs)
        for path in Path(command[command.index("--output-path") + 1]).glob(self.pattern):
            path.write_bytes(self.change(path.read_bytes()))
        return done


def _filters_as_a_map(data: bytes) -> bytes:
    metadata = _content(data)
    metadata[3] = {name: file for name, file in metadata[3]}  # not the [name, file] pairs of Pagefind 1.5.2
    return gzip.compress(search_index.SIGNATURE + cbor2.dumps(metadata))


@pytest.mark.parametrize(
    ("pattern", "change", "named"),
    [
        ("*.pf_meta", _filters_as_a_map, r"pagefind\.sv_\w+\.pf_meta"),
        ("*.pf_meta", lambda data: data[:20], r"pagefind\.sv_\w+\.pf_meta"),  # cut short
        ("filter/*", lambda data: data[:20], r"sv_\w+\.pf_filter"),
    ],
)
def test_index_files_of_another_shape_fail_the_index_with_a_swedish_message_and_leave_no_part(
    tmp_path, pattern, change, named
):
    site = _site(tmp_path, ["fiktiv-bas"])
    with pytest.raises(SearchIndexFailed, match=named + r" har inte den form som Pagefind 1\.5\.2 skriver"):
        build_search_index(site, run=ChangedPagefind(pattern, change))
    assert not (site / "pagefind" / "0").exists()


# At the index's root: the merging module, and the worker and WebAssembly every part loads.
ROOT = ["pagefind-worker.js", "pagefind.js", "wasm.sv.pagefind", "wasm.unknown.pagefind"]


def _merged_parts(site: Path) -> list[dict]:
    """The parts named by the merging module at the index's root (``const PARTS = [...];``)."""
    text = (site / "pagefind" / "pagefind.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("= ") + 2 : text.index(";\n")])


def _parts_script(site: Path) -> list[str]:
    return [part["name"] for part in _merged_parts(site)]


def test_each_part_is_indexed_by_its_own_run_over_only_its_pages(tmp_path):
    site = _site(tmp_path, ["fiktiv-bas", "rjh-2025-spin", "fiktiv-norr"])
    pagefind = FakePagefind()
    assert build_search_index(site, pages_per_part=1, run=pagefind) == ["0", "2", "3"]
    assert pagefind.runs == [
        ("0", ["book/cases/fiktiv-bas.html"]),
        ("2", ["book/cases/rjh-2025-spin.html"]),
        ("3", ["book/cases/fiktiv-norr.html"]),
    ]
    assert _parts_script(site) == ["0", "2", "3"]
    assert sorted(p.name for p in (site / "pagefind").iterdir()) == ["0", "2", "3", *ROOT]
    assert not list(tmp_path.glob(".html-search-part-*"))  # staging folders are gone


def test_the_parts_load_one_worker_and_one_webassembly_from_the_indexs_root(tmp_path):
    site = _site(tmp_path, ["fiktiv-bas", "rjh-2025-spin", "fiktiv-norr"])
    build_search_index(site, pages_per_part=1, run=FakePagefind())
    index = site / "pagefind"
    for part in ("0", "2", "3"):
        assert {p.name for p in (index / part).iterdir() if p.is_file() and p.suffix != ".pf_meta"} == {
            "pagefind-entry.json",
            "pagefind.js",
        }
        assert (index / part / "pagefind.js").read_text(encoding="utf-8") == (
            f"/* of part {part} */workerUrl=`${{basePath}}../pagefind-worker.js`; "
            "wasm_url=`${this.basePath}../wasm.${language}.pagefind`"
        )
    assert (index / "pagefind-worker.js").read_text(encoding="utf-8") == (
        "wasm_url=`${this.basePath}../wasm.${language}.pagefind`"
    )
    assert (index / "wasm.sv.pagefind").read_bytes() == b"\0asm sv"

    # A cold build of the same pages gives the same bytes as one that kept parts.
    _write_case(site, "rjh-2025-spin", "Ny text")
    assert build_search_index(site, pages_per_part=1, run=FakePagefind()) == ["2"]
    cold = _site(tmp_path / "cold", ["fiktiv-bas", "rjh-2025-spin", "fiktiv-norr"])
    _write_case(cold, "rjh-2025-spin", "Ny text")
    build_search_index(cold, pages_per_part=1, run=FakePagefind())
    assert _files(index) == _files(cold / "pagefind")

    # With no case page left, no part and nothing shared is left either.
    for page in (site / "book" / "cases").iterdir():
        page.unlink()
    assert build_search_index(site, pages_per_part=1, run=FakePagefind()) == []
    assert sorted(p.name for p in index.iterdir()) == ["pagefind.js"]


def test_parts_whose_shared_files_differ_or_whose_scripts_name_them_otherwise_fail_in_swedish(tmp_path):
    site = _site(tmp_path, ["fiktiv-bas", "fiktiv-norr"])
    build_search_index(site, pages_per_part=1, run=FakePagefind())  # parts 0 and 1
    _write_case(site, "fiktiv-norr", "Ny text")

    class OtherWasm(FakePagefind):
        def __call__(self, command, **kwargs):
            completed = super().__call__(command, **kwargs)
            (Path(command[command.index("--output-path") + 1]) / "wasm.sv.pagefind").write_bytes(b"\0asm other")
            return completed

    with pytest.raises(SearchIndexFailed, match="Pagefinds wasm.sv.pagefind i sökindexets del 1 skiljer sig"):
        build_search_index(site, pages_per_part=1, run=OtherWasm())
    assert not (site / "pagefind" / "1").exists()
    # The next build indexes every part again, against no shared file: a Pagefind that now
    # writes other files gives a whole index of its own.
    assert build_search_index(site, pages_per_part=1, run=OtherWasm()) == ["0", "1"]
    assert (site / "pagefind" / "wasm.sv.pagefind").read_bytes() == b"\0asm other"

    class NewerScript(FakePagefind):
        def __call__(self, command, **kwargs):
            completed = super().__call__(command, **kwargs)
            (Path(command[command.index("--output-path") + 1]) / "pagefind.js").write_text(
                "new Worker(`${basePath}worker.js`)", encoding="utf-8"
            )
            return completed

    _write_case(site, "fiktiv-norr", "Nyare text")
    with pytest.raises(
        SearchIndexFailed,
        match=r"Pagefinds fil pagefind.js har inte den form som Pagefind 1.5.2 skriver "
        r"\(casebook.engine.search_index.share_bundle_files\); delarna kan inte dela Pagefinds arbetare",
    ):
        build_search_index(site, pages_per_part=1, run=NewerScript())
    assert not (site / "pagefind" / "1").exists()


def _cold(tmp_path: Path, site: Path) -> dict[str, bytes]:
    """The index a first build of ``site``'s case pages gives, in a folder of its own."""
    cold = tmp_path / "cold" / "html"
    (cold / "book").mkdir(parents=True)
    shutil.copytree(site / "book" / "cases", cold / "book" / "cases")
    build_search_index(cold, pages_per_part=1, run=FakePagefind())
    return _files(cold / "pagefind")


def test_what_kept_parts_load_from_the_root_stays_and_nothing_else_whatever_was_left_there(tmp_path):
    site = _site(tmp_path, ["fiktiv-bas", "rjh-2025-spin", "fiktiv-norr"])
    build_search_index(site, pages_per_part=1, run=FakePagefind())
    index = site / "pagefind"
    cold = _cold(tmp_path, site)

    unchanged = FakePagefind()  # nothing changed: every part and every shared file stays
    assert build_search_index(site, pages_per_part=1, run=unchanged) == []
    assert _files(index) == cold

    # A part of the layout before the parts shared anything: its own worker and WebAssembly
    # and Pagefind's own script. Nothing is indexed again; it is made like the others.
    write_pagefind_part(tmp_path / "older", [])
    for name in ("pagefind.js", "pagefind-worker.js", "wasm.sv.pagefind", "wasm.unknown.pagefind"):
        shutil.copyfile(tmp_path / "older" / name, index / "0" / name)
    script = (index / "0" / "pagefind.js").read_text(encoding="utf-8").replace("part older", "part 0")
    (index / "0" / "pagefind.js").write_text(script, encoding="utf-8")
    assert build_search_index(site, pages_per_part=1, run=FakePagefind()) == []
    assert _files(index) == cold

    # A shared file that no part loads goes, also while every part is kept.
    (index / "wasm.en.pagefind").write_bytes(b"\0asm en")
    assert build_search_index(site, pages_per_part=1, run=FakePagefind()) == []
    assert _files(index) == cold

    # A shared file that the parts load is missing: they are indexed again.
    (index / "pagefind-worker.js").unlink()
    assert build_search_index(site, pages_per_part=1, run=FakePagefind()) == ["0", "2", "3"]
    assert _files(index) == cold

    # Every part indexed again: what was at the root before goes first.
    (index / "wasm.en.pagefind").write_bytes(b"\0asm en")
    for case_id in ("fiktiv-bas", "rjh-2025-spin", "fiktiv-norr"):
        _write_case(site, case_id, f"Ärendet {case_id}")
    assert build_search_index(site, pages_per_part=1, run=FakePagefind()) == ["0", "2", "3"]
    assert _files(index) == cold


def test_a_part_whose_script_is_missing_names_a_file_twice_or_cannot_be_written_fails_in_swedish(tmp_path):
    site = _site(tmp_path, ["fiktiv-bas"])

    class Changing(FakePagefind):
        def __init__(self, change):
            super().__init__()
            self.change = change

        def __call__(self, command, **kwargs):
            completed = super().__call__(command, **kwargs)
            self.change(Path(command[command.index("--output-path") + 1]))
            return completed

    def twice(part: Path) -> None:
        script = part / "pagefind.js"
        script.write_text(script.read_text(encoding="utf-8") * 2, encoding="utf-8")

    shape = r"Pagefinds fil pagefind.js har inte den form som Pagefind 1.5.2 skriver"
    for change, message in (
        (lambda part: (part / "pagefind.js").unlink(), shape + r".*delen saknar sitt skript"),
        (twice, shape + r".*delarna kan inte dela"),
    ):
        with pytest.raises(SearchIndexFailed, match=message):
            build_search_index(site, run=Changing(change))
        assert not (site / "pagefind" / "0").exists()
    # The worker and WebAssembly cannot be moved to the root (a full disk, a folder without rights).
    with (
        mock.patch.object(Path, "replace", side_effect=PermissionError(13, "Åtkomst nekad")),
        pytest.raises(SearchIndexFailed, match="Sökindexets del 0 kunde inte göras färdig: .*Åtkomst nekad"),
    ):
        build_search_index(site, run=FakePagefind())
    assert not (site / "pagefind" / "0").exists()
    assert build_search_index(site, run=FakePagefind()) == ["0"]


def test_only_the_parts_whose_pages_changed_are_indexed_again(tmp_path):
    site = _site(tmp_path, ["fiktiv-bas", "rjh-2025-spin", "fiktiv-norr"])
    build_search_index(site, pages_per_part=1, run=FakePagefind())
    kept = (site / "pagefind" / "0" / "pagefind.js").stat().st_mtime_ns

    assert not (site / "pagefind" / "0" / "pagefind-ui.js").exists()  # Pagefind wrote it; not published
    (site / "pagefind" / "0" / "pagefind-ui.js").write_text("/* kept from an older build */", encoding="utf-8")
    unchanged = FakePagefind()
    assert build_search_index(site, pages_per_part=1, run=unchanged) == []
    assert unchanged.runs == []
    assert not (site / "pagefind" / "0" / "pagefind-ui.js").exists()  # nor from a part that is kept

    _write_case(site, "rjh-2025-spin", "Ny text")  # rewritten by an incremental build
    changed = FakePagefind()
    assert build_search_index(site, pages_per_part=1, run=changed) == ["2"]
    assert changed.runs == [("2", ["book/cases/rjh-2025-spin.html"])]
    assert (site / "pagefind" / "0" / "pagefind.js").stat().st_mtime_ns == kept

    added = FakePagefind()  # a new page joins its part; the part count stays 4 (4 pages, 1 a part)
    _write_case(site, "fiktiv-syd", "Ett nytt ärende")
    assert build_search_index(site, pages_per_part=1, run=added) == ["3"]
    assert added.runs == [("3", ["book/cases/fiktiv-norr.html", "book/cases/fiktiv-syd.html"])]


def test_the_merging_module_knows_each_parts_dates_in_order_and_the_manifest_is_not_published(tmp_path):
    """pagefind/pagefind.js orders results across parts by their date: a result's position in
    its part gives it, so each part's dates are listed in ascending order."""
    site = _site(tmp_path, [])
    for case_id, day in (("fiktiv-norr", "2098-02-15"), ("fiktiv-syd", "2025-01-01"), ("fiktiv-bas", "2099-02-15")):
        _write_case(site, case_id, "FIKTIVT", day)
    build_search_index(site, pages_per_part=1, run=FakePagefind())
    assert _merged_parts(site) == [
        {"name": "0", "sorted": {"datum": ["2099-02-15"]}},
        {"name": "3", "sorted": {"datum": ["2025-01-01", "2098-02-15"]}},
    ]
    module = (site / "pagefind" / "pagefind.js").read_text(encoding="utf-8")
    assert module.endswith(search_index.MERGE_MODULE.read_text(encoding="utf-8"))
    # The manifest (file times) stays beside the site: the published site is the same on every machine.
    assert search_index.manifest_path(site).parent == tmp_path
    assert not [
        p for p in site.rglob("*") if "mtime" in p.name or (p.suffix == ".json" and p.name != "pagefind-entry.json")
    ]

    _write_case(site, "fiktiv-syd", "FIKTIVT", "2099-12-31")  # a changed date moves in its part's order
    build_search_index(site, pages_per_part=1, run=FakePagefind())
    assert _merged_parts(site)[1] == {"name": "3", "sorted": {"datum": ["2098-02-15", "2099-12-31"]}}


def test_a_removed_page_redoes_its_part_and_an_emptied_part_goes(tmp_path):
    site = _site(tmp_path, ["fiktiv-bas", "rjh-2025-spin", "fiktiv-norr", "fiktiv-syd"])
    build_search_index(site, pages_per_part=1, run=FakePagefind())

    (site / "book" / "cases" / "fiktiv-syd.html").unlink()
    removed = FakePagefind()
    assert build_search_index(site, pages_per_part=1, run=removed) == ["3"]
    assert removed.runs == [("3", ["book/cases/fiktiv-norr.html"])]

    # Still four parts for three pages: fiktiv-injektion joins part 0, part 3 is left empty.
    (site / "book" / "cases" / "fiktiv-norr.html").unlink()
    _write_case(site, "fiktiv-injektion", "Ett nytt ärende")
    emptied = FakePagefind()
    assert build_search_index(site, pages_per_part=1, run=emptied) == ["0"]
    assert emptied.runs == [("0", ["book/cases/fiktiv-bas.html", "book/cases/fiktiv-injektion.html"])]
    assert not (site / "pagefind" / "3").exists()
    assert _parts_script(site) == ["0", "2"]


def test_a_changed_part_count_redoes_the_parts_whose_pages_moved(tmp_path):
    site = _site(tmp_path, ["fiktiv-bas", "rjh-2025-spin", "fiktiv-norr", "fiktiv-syd"])  # four parts
    build_search_index(site, pages_per_part=1, run=FakePagefind())
    kept = {part: (site / "pagefind" / part / "pagefind.js").stat().st_mtime_ns for part in ("0", "3")}

    # A fifth page: eight parts. Of eight, fiktiv-bas stays alone in part 0 and fiktiv-norr and
    # fiktiv-syd together in part 3; rjh-2025-spin moves from part 2 to 6, and the new page takes 2.
    _write_case(site, "fiktiv-uppfoljning-sen", "Ett nytt ärende")
    eight = FakePagefind()
    assert build_search_index(site, pages_per_part=1, run=eight) == ["2", "6"]
    assert eight.runs == [("2", ["book/cases/fiktiv-uppfoljning-sen.html"]), ("6", ["book/cases/rjh-2025-spin.html"])]
    assert {part: (site / "pagefind" / part / "pagefind.js").stat().st_mtime_ns for part in ("0", "3")} == kept

    # Back to two pages: two parts, both with other pages than before.
    for case_id in ("fiktiv-bas", "fiktiv-syd", "fiktiv-uppfoljning-sen"):
        (site / "book" / "cases" / f"{case_id}.html").unlink()
    fewer = FakePagefind()
    assert build_search_index(site, pages_per_part=1, run=fewer) == ["0", "1"]
    assert fewer.runs == [("0", ["book/cases/rjh-2025-spin.html"]), ("1", ["book/cases/fiktiv-norr.html"])]
    assert sorted(p.name for p in (site / "pagefind").iterdir()) == ["0", "1", *ROOT]

    whole = FakePagefind()  # the default part size: one part
    assert build_search_index(site, run=whole) == ["0"]
    assert whole.runs == [("0", ["book/cases/fiktiv-norr.html", "book/cases/rjh-2025-spin.html"])]
    assert _parts_script(site) == ["0"]


def test_a_part_size_below_one_is_refused_in_swedish():
    with pytest.raises(SearchIndexFailed, match="casebook_search_part_pages i _config.yml måste vara minst 1, inte 0"):
        part_count(10, pages_per_part=0)


def test_the_index_of_the_whole_site_in_one_folder_is_replaced(tmp_path):
    """The layout before parts: ``pagefind/`` held one bundle; none of it may survive."""
    site = _site(tmp_path, ["fiktiv-bas"])
    (site / "pagefind" / "fragment").mkdir(parents=True)
    (site / "pagefind" / "pagefind.js").write_text("// old", encoding="utf-8")
    build_search_index(site, run=FakePagefind())
    assert sorted(p.name for p in (site / "pagefind").iterdir()) == ["0", *ROOT]


def test_a_failed_part_fails_with_a_swedish_message_and_is_redone_next_time(tmp_path):
    site = _site(tmp_path, ["fiktiv-bas", "rjh-2025-spin"])
    build_search_index(site, pages_per_part=1, run=FakePagefind())
    _write_case(site, "rjh-2025-spin", "Ny text")
    with pytest.raises(SearchIndexFailed, match="Pagefind kunde inte bygga sökindexet: Error: something went wrong"):
        build_search_index(site, pages_per_part=1, run=FakePagefind(fail=True))
    assert not (site / "pagefind" / "0").exists()  # of two parts, both pages are in part 0
    again = FakePagefind()
    assert build_search_index(site, pages_per_part=1, run=again) == ["0"]
    assert _files(site / "pagefind") == _cold(tmp_path, site)


def _urls(bundle: Path) -> list[str]:
    urls = []
    for fragment in bundle.glob("fragment/*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        urls.append(json.loads(data[data.index(b"{") :])["url"])
    return sorted(urls)


def test_pagefind_gives_the_parts_pages_the_urls_of_the_whole_site(tmp_path):
    """The real Pagefind: parts hold only their pages, at the URLs one index of the site gives them."""
    site = _site(tmp_path, ["fiktiv-bas", "rjh-2025-spin", "fiktiv-norr"])
    whole = tmp_path / "whole"
    subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(whole), "--silent"],
        check=True,
        env={**os.environ, **search_index.PAGEFIND_ALLOCATOR},
    )
    assert build_search_index(site, pages_per_part=1) == ["0", "2", "3"]
    parts = {part: _urls(site / "pagefind" / part) for part in ("0", "2", "3")}
    assert parts == {
        "0": ["/book/cases/fiktiv-bas.html"],
        "2": ["/book/cases/rjh-2025-spin.html"],
        "3": ["/book/cases/fiktiv-norr.html"],
    }
    assert sorted(url for urls in parts.values() for url in urls) == _urls(whole)
    # Pagefind's own interfaces and highlighter are not published; what a search loads is.
    written = {path.name for path in whole.iterdir() if path.is_file() and path.suffix != ".pf_meta"}
    assert set(search_index.UNUSED_BUNDLE_FILES) <= written
    shared = {"pagefind-worker.js", "wasm.sv.pagefind", "wasm.unknown.pagefind"}
    assert shared <= written
    for part in ("0", "2", "3"):
        kept = {
            path.name for path in (site / "pagefind" / part).iterdir() if path.is_file() and path.suffix != ".pf_meta"
        }
        assert (
            kept == written - set(search_index.UNUSED_BUNDLE_FILES) - shared == {"pagefind.js", "pagefind-entry.json"}
        )
        # Its script loads the worker and the WebAssembly from the index's root, Pagefind's own otherwise.
        script = (site / "pagefind" / part / "pagefind.js").read_text(encoding="utf-8")
        assert script == (whole / "pagefind.js").read_text(encoding="utf-8").replace(
            "`${basePath}pagefind-worker.js`", "`${basePath}../pagefind-worker.js`"
        ).replace("`${this.basePath}wasm.${language}.pagefind`", "`${this.basePath}../wasm.${language}.pagefind`")
    root = site / "pagefind"
    assert {path.name for path in root.iterdir() if path.is_file()} == {"pagefind.js", *shared}
    for wasm in ("wasm.sv.pagefind", "wasm.unknown.pagefind"):
        assert (root / wasm).read_bytes() == (whole / wasm).read_bytes()
    assert (root / "pagefind-worker.js").read_text(encoding="utf-8") == (whole / "pagefind-worker.js").read_text(
        encoding="utf-8"
    ).replace("`${this.basePath}wasm.${language}.pagefind`", "`${this.basePath}../wasm.${language}.pagefind`")


def test_pagefind_reads_the_pages_without_soft_hyphens_and_without_heading_links(tmp_path):
    site = _site(tmp_path, [])
    _write_case(site, "fiktiv-bas", "Fi\N{SOFT HYPHEN}nan\N{SOFT HYPHEN}sie&shy;rings\N{SOFT HYPHEN}plan")
    seen = {}

    def run(command, env=None, **kwargs):
        staging = Path(command[command.index("--site") + 1])
        seen["page"] = (staging / "book" / "cases" / "fiktiv-bas.html").read_text(encoding="utf-8")
        seen["excluded"] = command[command.index("--exclude-selectors") + 1]
        output = Path(command[command.index("--output-path") + 1])
        output.mkdir(parents=True)
        write_pagefind_part(output, [])
        return subprocess.CompletedProcess(command, 0, "", "")

    build_search_index(site, run=run)
    assert "<p>Finansieringsplan</p>" in seen["page"]
    assert seen["excluded"] == "a.headerlink"
    assert "\N{SOFT HYPHEN}" in (site / "book" / "cases" / "fiktiv-bas.html").read_text(
        encoding="utf-8"
    )  # the site keeps them
