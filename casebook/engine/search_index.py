"""The site's search index, built by Pagefind in parts: one bundle per part of the case pages.

Pagefind holds the words of every page it indexes at once (about 0,5 MiB a case page: over
5 GiB at 10 000 case pages) and has no incremental mode. So the case pages are split into
parts and each part is indexed by its own Pagefind run, one after the other, into
``pagefind/<part>/`` at the site root: the peak memory is one part's, and only parts whose
pages changed are indexed again.

- A case page's part is fixed by a hash of its case id (as ``casebook.engine.shards.Shard``
  slices cases), so a page stays in its part when other cases come and go.
- The number of parts is a power of two: enough to keep parts at about
  :data:`PAGES_PER_PART` pages or fewer on average, but no more than :data:`MOST_PARTS`
  unless Pagefind's memory needs more (:func:`part_count`).
- Pagefind writes the same worker and WebAssembly into every part. One copy of each is kept
  at the index's root and every part's scripts load that copy (:func:`share_bundle_files`),
  so a reader's browser fetches them once, not once a part.
- A manifest beside the site (:func:`manifest_path`; not published: it holds file times)
  records each part's pages with their size, modification time (ns) and sort value, and the
  shared files the part loads from the root. A part is indexed again when a page of it was
  added, removed or rewritten (Sphinx rewrites only changed pages in an incremental build)
  or a shared file it loads is missing; folders of parts that no longer exist, and shared
  files no part loads, are removed. A new part count moves pages between parts, so the parts
  whose pages moved are redone; a part that keeps exactly its pages keeps its bundle, which
  depends on nothing else but the shared files it loads.
- Pagefind runs over a temporary folder holding copies of the part's pages (without soft
  hyphens) at their paths relative to the site root, so result URLs are the same as for the
  whole site.
- In the browser, the site's search interface (``book/_static/casebook-search.js``) loads
  ``pagefind/pagefind.js``, which this module writes from ``search_parts.js``: it searches
  every part and merges the results, by relevance and then newest first, or newest first
  when only filters are chosen (why not with Pagefind's own ``mergeIndex``: see that
  file). It needs each part's ``datum`` values in order.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import cbor2

from casebook.engine import lifetime
from casebook.render.hyphenation import without_soft_hyphens

INDEX_FOLDER = "pagefind"
CASE_PAGES = Path("book") / "cases"
# The merging module's code, shipped with the package (package data in pyproject.toml).
MERGE_MODULE = resources.files("casebook.engine").joinpath("search_parts.js")
# Written at the index's root: the merging module, which the site's search interface
# (book/_static/casebook-search.js) imports.
ROOT_FILES = ("pagefind.js",)
# What Pagefind writes into every part the same (its own code, one WebAssembly per language),
# kept once at the index's root: about 82 kB compressed a part that a reader's browser would
# otherwise fetch again for each part.
SHARED_BUNDLE_FILES = ("pagefind-worker.js", "wasm.*.pagefind")
# Where Pagefind 1.5.2's scripts name those files, relative to their part's folder
# (``basePath``), and the same names at the index's root: pagefind.js starts its worker and
# loads the WebAssembly when the browser has no workers; the worker loads it otherwise.
SHARED_REFERENCES = {
    "pagefind.js": (
        ("${basePath}pagefind-worker.js", "${basePath}../pagefind-worker.js"),
        ("${this.basePath}wasm.", "${this.basePath}../wasm."),
    ),
    "pagefind-worker.js": (("${this.basePath}wasm.", "${this.basePath}../wasm."),),
}
# The value case pages are sorted by in the case list's search (casebook.render.case_view).
SORT_KEY = "datum"
SORT_VALUE = re.compile(rf'data-pagefind-sort="{SORT_KEY}">([^<]*)<')

# A changed case page is indexed again with every page of its part, at about 5 ms a page on
# this project's 2-core machine (a part of 1 000 pages took 6,7 s, of 250 pages 1,6 s). Parts
# of 250 pages keep a one-case rebuild near what it costs at 100 cases.
PAGES_PER_PART = 250
# Each part costs a reader's first search its own copy of Pagefind's script (about 13 kB
# compressed) and its own worker; each search fetches a word's index file from every part.
# So no more parts than this, however many pages, unless memory needs more:
MOST_PARTS = 8
# Pagefind needs about 0,5 MiB a case page (bench/site_scale.py): at most 2 000 pages a run
# on average keeps one run near 1 GiB.
PAGES_PER_RUN_AT_MOST = 2000

# pagefind-bin's allocator (jemalloc) keeps freed memory for 10 s by default before giving
# it back; Pagefind frees each page's parsed words as it turns them into the index, so
# giving them back at once lowers its peak (by 9 % at 10 000 case pages; same index files).
PAGEFIND_ALLOCATOR = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}

# Sphinx's heading links ("#") would show in the excerpts of results.
EXCLUDED_FROM_INDEX = "a.headerlink"

# What Pagefind 1.5 writes into every bundle for its own search interfaces and for
# highlighting words on a result's page: the site's search (book/_static/casebook-search.js)
# uses none of them, only each part's pagefind.js and index files, and the worker and
# WebAssembly they share. About 420 kB a part, removed once the parts are indexed.
UNUSED_BUNDLE_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)

Runner = Callable[..., subprocess.CompletedProcess]


class SearchIndexFailed(RuntimeError):
    """Pagefind could not index the finished site."""


def part_count(pages: int, pages_per_part: int = PAGES_PER_PART) -> int:
    """How many parts ``pages`` case pages are split into: the smallest power of two that holds
    them with at most ``pages_per_part`` a part on average, but at most :data:`MOST_PARTS`, unless
    more are needed to keep parts at :data:`PAGES_PER_RUN_AT_MOST` pages or fewer on average."""
    if pages_per_part < 1:
        raise SearchIndexFailed(f"casebook_search_part_pages i _config.yml måste vara minst 1, inte {pages_per_part}.")
    count = 1
    while pages > count * pages_per_part and (count < MOST_PARTS or pages > count * PAGES_PER_RUN_AT_MOST):
        count *= 2
    return count


def part_of(case_id: str, count: int) -> int:
    """The part (0 to ``count`` - 1) of the case page of ``case_id``; depends on nothing else."""
    digest = hashlib.sha256(case_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def case_pages(site: Path) -> dict[str, Path]:
    """The case pages of the HTML site ``site`` (the pages Pagefind indexes), by case id."""
    cases = site / CASE_PAGES
    return {page.stem: page for page in sorted(cases.glob("*.html"))} if cases.is_dir() else {}


def manifest_path(site: Path) -> Path:
    """Where the manifest of ``site``'s search index is kept: beside the site, not in it."""
    return site.with_name(f".{site.name}-search-index.json")


def _listing(site: Path, pages: list[Path]) -> dict[str, list[int]]:
    listing = {}
    for page in pages:
        status = page.stat()
        listing[page.relative_to(site).as_posix()] = [status.st_size, status.st_mtime_ns]
    return listing


def _sort_value(page: Path) -> str | None:
    found = SORT_VALUE.search(page.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def _read_manifest(site: Path) -> dict:
    try:
        manifest = json.loads(manifest_path(site).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _write_manifest(site: Path, parts: dict[str, dict]) -> None:
    manifest_path(site).write_text(json.dumps(parts, sort_keys=True, indent=1), encoding="utf-8")


def _write_root_files(index: Path, parts: dict[str, dict[str, list]]) -> None:
    """The merging module, with each part's sort values."""
    described = [
        {"name": part, "sorted": {SORT_KEY: sorted(page[2] for page in pages.values() if page[2] is not None)}}
        for part, pages in parts.items()
    ]
    (index / "pagefind.js").write_text(
        f"const PARTS = {json.dumps(described, separators=(',', ':'))};\n\n" + MERGE_MODULE.read_text(encoding="utf-8"),
        encoding="utf-8",
    )


def _index_part(site: Path, pages: list[Path], output: Path, run: Runner) -> None:
    """One Pagefind run over ``pages`` only, keeping their paths relative to ``site``, into ``output``.

    Pagefind reads copies without soft hyphens (``casebook.render.hyphenation``): a word with
    them would be indexed as pieces and not be found. It leaves the heading links ("#") out.
    """
    with tempfile.TemporaryDirectory(prefix=f".{site.name}-search-part-", dir=site.parent) as staging:
        for page in pages:
            copy = Path(staging) / page.relative_to(site)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(without_soft_hyphens(page.read_text(encoding="utf-8")), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "pagefind",
            "--site",
            staging,
            "--output-path",
            str(output),
            "--silent",
            "--exclude-selectors",
            EXCLUDED_FROM_INDEX,
        ]
        completed = run(
            command,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **PAGEFIND_ALLOCATOR},
            preexec_fn=lifetime.dies_with_us(),
        )  # it ends with the site build, however that ends
    if completed.returncode != 0:
        shutil.rmtree(output, ignore_errors=True)
        raise SearchIndexFailed(f"Pagefind kunde inte bygga sökindexet: {completed.stderr.strip()[-500:]}")
    try:
        stable_metadata(output)
    except SearchIndexFailed:
        shutil.rmtree(output, ignore_errors=True)
        raise


def stable_metadata(part: Path) -> None:
    """Make a part's metadata and filter files the same for the same pages.

    Pagefind 1.5.2 writes the filters into its metadata, and each filter's values into the
    filter's file, in the order of a Rust hash map, which differs from run to run; every file
    is named by a hash of its content, so two builds of the same pages published different
    files under different names. Here the values and the filters are put in order of their
    names, each file is compressed without a time stamp and named by the SHA-256 of its
    content, and the names are updated where they are used: the metadata names the filter
    files, ``pagefind-entry.json`` names the metadata.

    The files hold :data:`SIGNATURE` and then CBOR. The metadata is an array: the version,
    the pages, the word index's chunks, the filters as ``[name, file]`` pairs, the sorts and
    the meta fields; a filter file is ``[name, [[value, pages], ...]]``.
    """
    entry_file = part / "pagefind-entry.json"
    try:
        entry_text = entry_file.read_text(encoding="utf-8")
        languages = json.loads(entry_text)["languages"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SearchIndexFailed(f"Pagefind skrev ingen läsbar {entry_file.name} i {part.name}: {exc}") from None
    for language, about in sorted(languages.items()):
        meta_file = part / f"pagefind.{about['hash']}.pf_meta"
        metadata = _read_pagefind_file(meta_file)
        filters = metadata[3] if isinstance(metadata, list) and len(metadata) > 3 else None
        if not (isinstance(filters, list) and all(_is_pair(f) for f in filters)):
            raise _unknown_shape(meta_file)
        for pair in filters:
            filter_file = part / "filter" / f"{pair[1]}.pf_filter"
            content = _read_pagefind_file(filter_file)
            if not (
                isinstance(content, list)
                and len(content) == 2
                and isinstance(content[1], list)
                and all(_is_pair(value) for value in content[1])
            ):
                raise _unknown_shape(filter_file)
            content[1] = sorted(content[1], key=lambda value_and_pages: value_and_pages[0])
            pair[1] = _write_pagefind_file(filter_file, content, f"{language}_", 7, ".pf_filter")
        metadata[3] = sorted(filters, key=lambda name_and_file: name_and_file[0])
        new_name = _write_pagefind_file(meta_file, metadata, f"pagefind.{language}_", 10, ".pf_meta")
        entry_text = entry_text.replace(f'"{about["hash"]}"', f'"{new_name.removeprefix("pagefind.")}"')
    entry_file.write_text(entry_text, encoding="utf-8")


SIGNATURE = b"pagefind_dcd"
"""What each of Pagefind 1.5's index files holds (gzip) before its CBOR."""


def _is_pair(item: object) -> bool:
    return isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)


def _unknown_shape(
    path: Path, consequence: str = "sökindexet kan inte göras stabilt", by: str = "stable_metadata"
) -> SearchIndexFailed:
    return SearchIndexFailed(
        f"Pagefinds fil {path.name} har inte den form som Pagefind 1.5.2 skriver "
        f"(casebook.engine.search_index.{by}); {consequence}."
    )


def _read_pagefind_file(path: Path) -> object:
    try:
        data = gzip.decompress(path.read_bytes())
        if data.startswith(SIGNATURE):
            return cbor2.loads(data[len(SIGNATURE) :])
    except (OSError, EOFError, cbor2.CBORDecodeError):
        pass
    raise _unknown_shape(path)


def _write_pagefind_file(old: Path, content: object, prefix: str, digits: int, suffix: str) -> str:
    """Write ``content`` beside ``old`` under a name from its SHA-256, remove ``old``; the new name without suffix."""
    data = SIGNATURE + cbor2.dumps(content)
    name = f"{prefix}{hashlib.sha256(data).hexdigest()[:digits]}"
    new = old.with_name(name + suffix)
    new.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    if new != old:
        old.unlink()
    return name


def build_search_index(site: Path, pages_per_part: int = PAGES_PER_PART, run: Runner | None = None) -> list[str]:
    """Index the case pages of the finished HTML site ``site`` into ``site/pagefind/<part>``; the parts indexed.

    Only parts whose pages changed since the last index are run through Pagefind again
    (``run``, :func:`subprocess.run` by default). Raises :class:`SearchIndexFailed`.
    """
    run = run or subprocess.run
    index = site / INDEX_FOLDER
    pages = case_pages(site)
    count = part_count(len(pages), pages_per_part)
    grouped: dict[str, list[Path]] = {}
    for case_id, page in pages.items():
        grouped.setdefault(str(part_of(case_id, count)), []).append(page)
    wanted = {part: _listing(site, part_pages) for part, part_pages in sorted(grouped.items(), key=lambda p: int(p[0]))}

    kept = {
        part: recorded
        for part, recorded in _read_manifest(site).items()
        if part in wanted and (index / part).is_dir() and _still_valid(index, recorded, wanted[part])
    }
    index.mkdir(exist_ok=True)
    loaded_by_kept = {name for recorded in kept.values() for name in recorded["shared"]}
    for entry in index.iterdir():  # parts to redo, parts that went, shared files no kept part loads, older layouts
        if entry.name not in kept and entry.name not in ROOT_FILES and entry.name not in loaded_by_kept:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    # Until every part loads its shared files from the root, only the parts kept are recorded:
    # a build that fails or is stopped below leaves the others to be indexed again.
    _write_manifest(site, kept)

    indexed = [part for part in wanted if part not in kept]
    for part in indexed:
        _index_part(site, grouped[part], index / part, run)
        pages_of_part = {name: [*listing, _sort_value(site / name)] for name, listing in wanted[part].items()}
        kept[part] = {"pages": pages_of_part, "shared": []}
    try:
        for part in wanted:  # parts indexed now, and parts an older build indexed with them
            for name in UNUSED_BUNDLE_FILES:
                (index / part / name).unlink(missing_ok=True)
            kept[part]["shared"] = sorted({*kept[part]["shared"], *share_bundle_files(index, index / part)})
    except SearchIndexFailed:
        _write_manifest(site, {})  # every part is indexed again next time, against no shared file
        raise
    _write_manifest(site, kept)
    _write_root_files(index, {part: kept[part]["pages"] for part in wanted})
    return indexed


def _still_valid(index: Path, recorded: object, listing: dict[str, list[int]]) -> bool:
    """A part's record names the same pages (size, modification time) and its shared files are at the root."""
    if not (isinstance(recorded, dict) and isinstance(recorded.get("pages"), dict)):
        return False  # a record of an older layout
    shared = recorded.get("shared")
    return (
        {page: entry[:2] for page, entry in recorded["pages"].items()} == listing
        and isinstance(shared, list)
        and all(isinstance(name, str) and _is_shared(name) and (index / name).is_file() for name in shared)
    )


def _is_shared(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SHARED_BUNDLE_FILES)


def share_bundle_files(index: Path, part: Path) -> list[str]:
    """Point the part's scripts at the index's root for :data:`SHARED_BUNDLE_FILES` and keep one
    copy there; the names of the shared files the part had.

    The first part moves its copies to the root; every other part's copies must be the same
    bytes (one Pagefind wrote them all) and are removed. A part done before is left as it is.
    Raises :class:`SearchIndexFailed` when Pagefind's scripts do not name the files as
    Pagefind 1.5.2 does (each exactly once), when two parts' copies differ, or when a file
    cannot be read or written; the part is then removed, to be indexed again.
    """
    try:
        for name, references in SHARED_REFERENCES.items():
            script = part / name
            if not script.exists():
                if name != "pagefind.js":
                    continue  # the worker of a part done before: moved to the root
                raise _unknown_shape(script, "delen saknar sitt skript", "share_bundle_files")
            text = original = script.read_text(encoding="utf-8")
            for theirs, ours in references:
                if (text.count(theirs), text.count(ours)) == (1, 0):
                    text = text.replace(theirs, ours)
                elif (text.count(theirs), text.count(ours)) != (0, 1):
                    raise _unknown_shape(
                        script, "delarna kan inte dela Pagefinds arbetare och WebAssembly", "share_bundle_files"
                    )
            if text != original:
                script.write_text(text, encoding="utf-8")
        copies = sorted(path for path in part.iterdir() if path.is_file() and _is_shared(path.name))
        for copy in copies:
            shared = index / copy.name
            if not shared.exists():
                copy.replace(shared)
            elif shared.read_bytes() == copy.read_bytes():
                copy.unlink()
            else:
                raise SearchIndexFailed(
                    f"Pagefinds {copy.name} i sökindexets del {part.name} skiljer sig från de andra delarnas; "
                    "delarna måste vara byggda av samma Pagefind. Bygg om webbplatsen (casebook build)."
                )
    except OSError as exc:
        shutil.rmtree(part, ignore_errors=True)
        raise SearchIndexFailed(f"Sökindexets del {part.name} kunde inte göras färdig: {exc}") from None
    except SearchIndexFailed:
        shutil.rmtree(part, ignore_errors=True)
        raise
    return [copy.name for copy in copies]
