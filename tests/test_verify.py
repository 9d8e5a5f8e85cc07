"""``casebook verify`` proves what is published: each kind of published file, tampered with, is named.

One project with four cases is built once for the session (``fictional_project`` in
tests/conftest.py). Copies of its site are verified (``verify --site COPY``): a verification
of a copy writes into that copy only.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import nbformat
import pikepdf
import pytest
from conftest import FICTIONAL_CASES, add_fictional_case, casebook, copy_built_project

from casebook.engine import verify
from casebook.engine.execute import write_compact

pytestmark = pytest.mark.e2e

SPIN, BASE, NORTH, SOUTH = "rjh-2025-spin", "fiktiv-bas", "fiktiv-norr", "fiktiv-syd"


@pytest.fixture(scope="module")
def project(fictional_project) -> Path:
    assert FICTIONAL_CASES == (BASE, NORTH, SOUTH)
    return fictional_project


def _copy(project: Path, target: Path) -> Path:
    shutil.copytree(project / "_build" / "html", target, symlinks=True)  # the version folder the link points to
    return target


def _state(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if not p.is_symlink()
    }


def test_a_copy_of_the_site_reproduces_and_its_verification_writes_only_into_it(project, tmp_path):
    copy = _copy(project, tmp_path / "kopia")
    before = _state(project / "_build")
    verified = casebook(project, "verify", "--site", str(copy))
    assert verified.returncode == 0, verified.stderr
    for case_id in (SPIN, BASE, NORTH, SOUTH):
        assert f"{case_id}: reproducerad" in verified.stderr
    assert _state(project / "_build") == before  # not the project's record, lock, cache or site
    record = json.loads((copy / "verification.json").read_text(encoding="utf-8"))
    assert [(r["case_id"], r["reproduced"]) for r in record["results"]] == [
        (BASE, True),
        (NORTH, True),
        (SOUTH, True),
        (SPIN, True),
    ]


def _replace(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data, (path, old)
    path.unlink()  # published files are hard links into the cache: never write through them
    path.write_bytes(data.replace(old, new))


def test_every_kind_of_tampered_file_is_named(project, tmp_path):
    copy = _copy(project, tmp_path / "kopia")
    cases = copy / "_sources" / "book" / "cases"
    # A notebook published under another case's name.
    shutil.copyfile(cases / f"{SOUTH}.ipynb", cases / f"{NORTH}.ipynb.new")
    (cases / f"{NORTH}.ipynb").unlink()
    (cases / f"{NORTH}.ipynb.new").rename(cases / f"{NORTH}.ipynb")
    # A forged audit record: the case file's SHA-256 changed wherever the notebook shows it.
    recorded = next(
        entry
        for entry in json.loads((cases / f"{SPIN}.ipynb").read_text(encoding="utf-8"))["metadata"]["papermill"][
            "parameters"
        ]["audit"]["inputs"]
        if entry["label"] == "Ärendefil"
    )["sha256"]
    _replace(cases / f"{SPIN}.ipynb", recorded.encode(), b"0" * 64)
    # A figure on the case page.
    page = (copy / "book" / "cases" / f"{SPIN}.html").read_text(encoding="utf-8")
    figure = page.split('src="../../_images/', 1)[1].split('"', 1)[0]
    _replace(copy / "_images" / figure, b"</svg>", b"<!-- edited --></svg>")
    # The documents.
    memo = (copy / "memo" / f"{SPIN}.pdf").read_bytes()
    (copy / "memo" / f"{SPIN}.pdf").unlink()
    (copy / "memo" / f"{SPIN}.pdf").write_bytes(memo[: len(memo) // 2])
    # A well-formed PDF whose metadata names another case: its date still reads, its bytes differ.
    report = copy / "rapport" / f"{SOUTH}.pdf"
    with pikepdf.open(io.BytesIO(report.read_bytes())) as forged:
        assert str(forged.docinfo["/Keywords"]) == SOUTH
        forged.docinfo["/Keywords"] = NORTH
        report.unlink()
        forged.save(report, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
    # The published case file, and a case's row of the open data.
    _replace(copy / "data" / "arenden" / f"{SOUTH}.yaml", b"title:", b"title: EDITED")
    decisions = (copy / "data" / "beslut.csv").read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(decisions) if line.startswith(f"{SOUTH},"))
    decisions[row] = (
        decisions[row].replace(",decided,", ",rejected,", 1) if ",decided," in decisions[row] else decisions[row] + "x"
    )
    (copy / "data" / "beslut.csv").unlink()
    (copy / "data" / "beslut.csv").write_text("\n".join(decisions) + "\n", encoding="utf-8")
    # A case's rule outcomes, in a folder of the open data.
    _replace(copy / "data" / "regelutfall" / f"{NORTH}.json", b'"Uppfyllt"', b'"Ej uppfyllt"')

    verified = casebook(project, "verify", "--site", str(copy))
    assert verified.returncode == 1, verified.stderr
    err = verified.stderr
    assert "Traceback" not in err
    lines = {
        case_id: next(line for line in err.splitlines() if line.startswith(f"{case_id}: "))
        for case_id in (SPIN, NORTH, SOUTH)
    }
    assert f"_sources/book/cases/{NORTH}.ipynb innehåller ärendet {SOUTH}, inte {NORTH}" in lines[NORTH]
    assert "granskningsspåret: data/cases/rjh-2025-spin.yaml har inte SHA-256 000000000000…" in lines[SPIN]
    assert f"figuren _images/{figure} på book/cases/{SPIN}.html är inte den som anteckningsboken ritar" in lines[SPIN]
    assert f"memo/{SPIN}.pdf är inte det dokument som paketet skriver" in lines[SPIN]
    assert f"rapport/{SOUTH}.pdf är inte det dokument som paketet skriver" in lines[SOUTH]
    assert f"data/arenden/{SOUTH}.yaml stämmer inte med granskningsspårets SHA-256" in lines[SOUTH]
    assert "data/beslut.csv: ärendets rader stämmer inte" in lines[SOUTH]
    assert "data/beslut.csv" not in lines[SPIN]  # the other cases' rows are as published
    assert f"data/regelutfall/{NORTH}.json är inte den fil som paketet skriver" in lines[NORTH]
    assert "4 av 4 ärenden reproducerades inte" in err


def test_a_folder_that_is_not_a_published_site_is_refused(project, tmp_path):
    (tmp_path / "mina-filer").mkdir()
    (tmp_path / "mina-filer" / "anteckningar.txt").write_text("användarens", encoding="utf-8")
    refused = casebook(project, "verify", "--site", str(tmp_path / "mina-filer"))
    assert refused.returncode == 2
    assert "är inte en webbplats som casebook har publicerat" in refused.stderr
    assert sorted(p.name for p in (tmp_path / "mina-filer").iterdir()) == ["anteckningar.txt"]


def test_case_files_changed_since_the_build_stop_the_verification_before_it_records_anything(project, tmp_path):
    """An analyst's edit not yet built is not a case that failed to reproduce: `make verify`
    refuses, names each changed file, and records and republishes nothing."""
    root = copy_built_project(project, tmp_path / "repo")
    edited = root / "data" / "cases" / f"{BASE}.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# ändrad efter bygget\n", encoding="utf-8")
    add_fictional_case(root, "fiktiv-ny")
    (root / "data" / "cases" / f"{SOUTH}.yaml").unlink()
    template = root / "notebooks" / "case_report.ipynb"
    template.write_bytes(template.read_bytes() + b"\n")  # the same notebook, other bytes: an input changed
    site_before = (root / "_build" / "html").readlink()
    build_before = _state(root / "_build")
    build_before.pop(".lock")  # taken and released: its time changes

    refused = casebook(root, "verify")

    assert refused.returncode == 2, refused.stderr
    assert "Traceback" not in refused.stderr
    assert (
        "Webbplatsen i _build/html byggdes av andra filer än de som finns nu: "
        f"data/cases/{BASE}.yaml har ändrats; data/cases/fiktiv-ny.yaml har tillkommit; "
        f"data/cases/{SOUTH}.yaml har tagits bort; notebooks/case_report.ipynb har ändrats. "
        "Bygg den först (make site) och verifiera sedan; inget har verifierats."
    ) in " ".join(refused.stderr.split())
    assert "reproducerad" not in refused.stderr  # no case is judged
    assert (root / "_build" / "html").readlink() == site_before  # nothing republished
    after = _state(root / "_build")
    after.pop(".lock")
    assert after == build_before  # no verification recorded, nothing cached

    # A copy of a site is judged whatever it says about itself (what it says could be forged):
    # against this checkout it does not reproduce, and verify says so.
    copy = _copy(root, tmp_path / "kopia")
    judged = casebook(root, "verify", "--site", str(copy))
    assert judged.returncode == 1, judged.stderr
    assert "byggdes av andra filer" not in judged.stderr and f"{BASE}: INTE reproducerad" in judged.stderr


def test_a_notebook_with_the_same_content_in_another_json_form_is_named_as_such(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# SPIN")])
    published, reproduced = tmp_path / "book" / "cases" / "a.ipynb", tmp_path / "b.ipynb"
    published.parent.mkdir(parents=True)
    nbformat.write(notebook, published)  # nbformat's indentation, as builds before 36ed76d wrote it
    write_compact(notebook, reproduced)
    assert verify._compare_notebooks(published, reproduced, tmp_path) == (
        ["book/cases/a.ipynb: samma innehåll men inte samma byte (filen är skriven i en annan JSON-form)"],
        1,
    )
    write_compact(notebook, published)
    assert verify._compare_notebooks(published, reproduced, tmp_path) == ([], 1)
    notebook.cells[0].source = "# SPIN, ändrad"
    write_compact(notebook, reproduced)
    assert verify._compare_notebooks(published, reproduced, tmp_path)[0] == [
        "book/cases/a.ipynb: cell 1 (" + notebook.cells[0].id + ")"
    ]
