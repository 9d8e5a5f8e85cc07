"""The build's own check of the case files (build._data_watched, _require_same_data):
a case file saved after the notebooks ran, before or after the documents and open data read it.
In process, on a one-case project; Jupyter Book is not run."""

from __future__ import annotations

import io

import pytest
from conftest import add_fictional_case, copy_project
from rich.console import Console

from casebook.engine import build
from casebook.engine.paths import ProjectPaths

pytestmark = pytest.mark.e2e

SPIN = "rjh-2025-spin"
MESSAGE = (
    f"Filen data/cases/{SPIN}.yaml ändrades medan bygget körde, efter att bygget hade läst den; "
    "det som bygget sparade i cachen är bortglömt och webbplatsen är oförändrad. Kör bygget igen."
)


def _save_new_title(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data.replace(b"\ntitle: ", b"\ntitle: Sparad ", 1))


def _keys(paths: ProjectPaths) -> list[str]:
    folders = (paths.cache_dir, paths.memo_cache_dir, paths.report_cache_dir)
    return sorted(key.name for folder in folders if folder.is_dir() for key in folder.glob("*key"))


@pytest.mark.parametrize("when", ["before the documents", "after every reader"])
def test_a_case_file_saved_after_its_notebook_ran_stops_the_build_and_forgets_what_it_stored(
    tmp_path, monkeypatch, when
):
    paths = ProjectPaths.at(copy_project(tmp_path / "repo"))
    real = build.assemble_sources

    def saved_meanwhile(*arguments, **keywords):
        assert _keys(paths)  # the notebooks stored their pages
        if when == "before the documents":
            _save_new_title(paths.case_file(SPIN))  # the memo, the report and the open data find other bytes
            return real(*arguments, **keywords)
        done = real(*arguments, **keywords)
        _save_new_title(paths.case_file(SPIN))  # each reader had the checked bytes
        return done

    def no_book(*_arguments, **_keywords):
        raise AssertionError("Jupyter Book ran on a case file saved during the build")

    monkeypatch.setattr(build, "assemble_sources", saved_meanwhile)
    monkeypatch.setattr(build, "build_book", no_book)
    with pytest.raises(build.DataChanged) as raised:
        build.build_site(paths, console=Console(file=io.StringIO()), options=build.BuildOptions(jobs=1))
    assert str(raised.value) == MESSAGE
    assert _keys(paths) == []  # what this build stored is forgotten
    assert not paths.site.exists()


def test_a_preview_checks_only_its_changed_cases_not_the_others_in_the_folder(tmp_path, monkeypatch):
    """serve's preview executes the changed cases only: the other case files are not new to it."""
    root = copy_project(tmp_path / "repo")
    add_fictional_case(root, "fiktiv-a")
    paths = ProjectPaths.at(root)
    paths.site.mkdir(parents=True)  # a site was published
    pages = []

    def last_book_missing(work, updated, persistent=None):
        pages.extend(updated)
        return None  # no complete last build: the whole build follows

    monkeypatch.setattr(build, "update_pages", last_book_missing)
    options = build.BuildOptions(jobs=1)
    assert build.build_preview(paths, [paths.case_file(SPIN)], Console(file=io.StringIO()), options) is None
    assert pages == [f"book/cases/{SPIN}.ipynb"]
