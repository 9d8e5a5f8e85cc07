"""The engine's artifact cache (casebook.engine.artifacts): declared inputs and their key, entries
that check what they hold, the key written last, pruning."""

from __future__ import annotations

import ast
import os
import warnings
from pathlib import Path

import pytest

from casebook.engine import artifacts
from casebook.engine.artifacts import DamagedCacheEntry, Inputs


def test_the_key_changes_when_any_declared_input_changes(tmp_path, monkeypatch):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("a: 1\n")
    second.write_text("b: 2\n")
    shared = Inputs(files=(("reference/b.yaml", second),), distributions=("typst",))
    declared = Inputs(files=(("a.yaml", first),), data=(("as-of", b"2025-11-30"),), shared=shared)
    key = declared.key()
    assert Inputs(files=(("a.yaml", first),), data=(("as-of", b"2025-11-30"),), shared=shared).key() == key

    assert Inputs(files=(("other-name.yaml", first),), data=declared.data, shared=shared).key() != key
    assert Inputs(files=declared.files, data=(("as-of", b"2025-12-01"),), shared=shared).key() != key
    assert Inputs(files=declared.files, data=(("as_of", b"2025-11-30"),), shared=shared).key() != key
    assert Inputs(files=declared.files, data=declared.data).key() != key
    # A file's name and a datum's name never hash alike.
    assert Inputs(data=(("a.yaml", first.read_bytes()),)).key() != Inputs(files=(("a.yaml", first),)).key()

    first.write_text("a: 10\n")  # another size: another digest
    assert Inputs(files=(("a.yaml", first),), data=declared.data, shared=shared).key() != key
    first.write_text("a: 1\n")
    assert Inputs(files=(("a.yaml", first),), data=declared.data, shared=shared).key() == key

    second.write_text("b: 20\n")  # a shared file: every artifact that shares it
    fresh_shared = Inputs(files=(("reference/b.yaml", second),), distributions=("typst",))
    assert Inputs(files=declared.files, data=declared.data, shared=fresh_shared).key() != key
    second.write_text("b: 2\n")

    monkeypatch.setattr(artifacts.metadata, "version", lambda name: "0.0.0")
    fresh_shared = Inputs(files=(("reference/b.yaml", second),), distributions=("typst",))
    assert Inputs(files=declared.files, data=declared.data, shared=fresh_shared).key() != key


def test_the_package_code_is_named_within_the_package(tmp_path):
    package = tmp_path / "casebook"
    (package / "render" / "templates").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "__init__.py").write_text("")
    (package / "render" / "templates" / "memo.typ").write_text("")
    (package / "search_parts.js").write_text("")
    (package / "__pycache__" / "x.py").write_text("")
    (package / "notes.txt").write_text("")
    assert [name for name, _ in artifacts.package_code(package)] == [
        "casebook/__init__.py",
        "casebook/render/templates/memo.typ",
        "casebook/search_parts.js",
    ]


def test_the_code_of_an_artifact_is_what_its_modules_import_and_every_template(tmp_path):
    package = tmp_path / "casebook"
    files = {
        "__init__.py": "",
        "domain/__init__.py": "",
        "domain/model.py": "import json\n",
        "domain/unused.py": "",
        "render/__init__.py": "",
        "render/page.py": (
            "from casebook.domain import model\n"
            "from . import (\n    helper,\n)\n"
            "def later():\n    import casebook.render.lazy  # imported on first use\n"
            '"""\nimport casebook.render.in_a_string\n"""\n'
        ),
        "render/helper.py": "from ..domain.model import *\n",
        "render/lazy.py": "",
        "render/in_a_string.py": "",
        "render/memo.py": 'import casebook.render.page\nTEMPLATE = "memo.typ"\n',
        "render/charts.py": 'STYLE = "charts.typ"\n',
        "render/templates/memo.typ": "",
        "render/templates/charts.typ": "",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    assert [name.removeprefix("casebook/") for name, _ in artifacts.code_of(package, ["casebook.render.page"])] == [
        "__init__.py",
        "domain/__init__.py",
        "domain/model.py",
        "render/__init__.py",
        "render/helper.py",
        "render/in_a_string.py",
        "render/lazy.py",
        "render/page.py",
    ]  # not the module that imports it (memo), nor the templates no module of it names. A line
    # of a string that is an import statement counts too: a key that changes more often than it
    # must, never a stale one.
    assert [name.removeprefix("casebook/") for name, _ in artifacts.code_of(package, ["casebook.render.memo"])][
        -2:
    ] == [
        "render/page.py",
        "render/templates/memo.typ",
    ]  # the template that memo names


@pytest.mark.parametrize(
    "statement",
    [
        "if True: import casebook.x",
        "try: import casebook.x\nexcept ImportError: pass",
        "y = 1; import casebook.x",
        "def f():\n    with open('a'): import casebook.x",
        "from casebook import \\\n    x",
        "import casebook.x  # (an unclosed bracket in a comment",
        "from casebook import (\n    x,  # )\n)",
        "import os, casebook.x as y",
    ],
)
def test_every_form_of_an_import_statement_is_found(statement):
    """Review 43: a one-line compound statement or a bracket in a comment was missed by a scan of
    the lines that start with ``import``; a line that does not parse alone now means a full parse."""
    source = f'"""A module: it imports what it needs."""\n{statement}\n'
    assert "casebook.x" in artifacts.imported_names(source, "casebook.render.page")


def test_a_module_edited_in_the_same_process_is_read_again(tmp_path):
    package = tmp_path / "casebook"
    (package / "render").mkdir(parents=True)
    for name in ("__init__.py", "render/__init__.py", "render/page.py", "render/memo.py"):
        (package / name).write_text("", encoding="utf-8")
    assert "casebook/render/memo.py" not in dict(artifacts.code_of(package, ["casebook.render.page"]))
    (package / "render" / "page.py").write_text("import casebook.render.memo\n", encoding="utf-8")
    assert "casebook/render/memo.py" in dict(artifacts.code_of(package, ["casebook.render.page"]))


def test_every_file_of_the_package_that_is_not_python_is_named_by_a_module_that_reads_it():
    """code_of puts such a file (a template, the search script) in an artifact's code when a
    module of that code names it; a file read under a computed name would be in no key."""
    package_dir = Path(artifacts.__file__).resolve().parents[1]
    sources = [path.read_text(encoding="utf-8") for path in package_dir.rglob("*.py")]
    data = [path for path in artifacts.package_files(package_dir) if path.suffix != ".py"]
    assert {path.name for path in data} >= {"memo.typ", "report.typ", "search_parts.js"}
    assert [path.name for path in data if not any(path.name in source for source in sources)] == []


def test_the_import_statements_alone_give_what_parsing_each_whole_module_gives():
    """code_of reads only the import statements of a module (a tenth of the time): for every
    module of the package they name the modules that the whole module's syntax tree does."""
    package_dir = Path(artifacts.__file__).resolve().parents[1]
    for path in sorted(package_dir.rglob("*.py")):
        module = ".".join(("casebook", *path.relative_to(package_dir).with_suffix("").parts)).removesuffix(".__init__")
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        expected = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                expected |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        [*package.split(".")[: len(package.split(".")) - node.level + 1], *([base] if base else [])]
                    )
                expected |= {base, *(f"{base}.{alias.name}" for alias in node.names)}
        source = path.read_text(encoding="utf-8")
        assert set(artifacts.imported_names(source, module, path.name == "__init__.py")) == expected, path


def test_the_key_is_written_last_and_an_interrupted_store_is_never_current(tmp_path, monkeypatch):
    key_file, pdf, docx = tmp_path / "x.memo-key", tmp_path / "x.pdf", tmp_path / "x.docx"
    artifacts.store(key_file, "k1", {docx: b"word", pdf: b"%PDF"})
    assert artifacts.is_current(key_file, "k1", (docx, pdf), "beslutsunderlaget för ärendet x")
    assert not artifacts.is_current(key_file, "k2", (docx, pdf), "beslutsunderlaget för ärendet x")

    written = []
    real_write = artifacts.write_atomically

    def write_then_fail(path: Path, data: bytes) -> None:
        written.append((path.name, key_file.exists()))
        real_write(path, data)
        if path == pdf:
            raise KeyboardInterrupt

    monkeypatch.setattr(artifacts, "write_atomically", write_then_fail)
    with pytest.raises(KeyboardInterrupt):
        artifacts.store(key_file, "k2", {docx: b"word 2", pdf: b"%PDF 2"})
    assert written == [("x.docx", False), ("x.pdf", False)]  # the old key went first
    assert not key_file.exists()
    assert not artifacts.is_current(key_file, "k1", (docx, pdf), "beslutsunderlaget för ärendet x")
    assert not artifacts.is_current(key_file, "k2", (docx, pdf), "beslutsunderlaget för ärendet x")


def test_a_damaged_entry_is_removed_with_one_swedish_warning(tmp_path):
    key_file, notebook = tmp_path / "spin.key", tmp_path / "spin.ipynb"
    artifacts.store(key_file, "k", {notebook: b"{}"})
    notebook.write_bytes(b"{ }")  # edited by hand
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert not artifacts.is_current(key_file, "k", (notebook,), "anteckningsboken för ärendet spin")
    assert [str(w.message) for w in caught if issubclass(w.category, DamagedCacheEntry)] == [
        "Cacheposten för anteckningsboken för ärendet spin var skadad eller ändrad (spin.ipynb stämmer inte "
        "med sin SHA-256); den togs bort och görs om."
    ]
    assert len(caught) == 1
    assert not notebook.exists() and not key_file.exists()


def test_a_missing_file_is_made_again_without_a_warning(tmp_path):
    key_file, notebook = tmp_path / "spin.key", tmp_path / "spin.ipynb"
    artifacts.store(key_file, "k", {notebook: b"{}"})
    notebook.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not artifacts.is_current(key_file, "k", (notebook,), "anteckningsboken för ärendet spin")


def test_prune_removes_entries_of_cases_gone_and_interrupted_writes(tmp_path):
    for name in ("spin.pdf", "spin.report-key", "gone.pdf", "gone.report-key", ".spin.pdf.abc123", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    artifacts.prune(tmp_path, {"spin"}, (".pdf", ".report-key"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "spin.pdf", "spin.report-key"]
    artifacts.prune(tmp_path, {"spin"})  # every file: the notebook cache
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spin.pdf", "spin.report-key"]
    artifacts.prune(tmp_path / "never-made", {"spin"})  # no folder yet: nothing to do


def test_link_or_copy_keeps_an_earlier_link_when_the_entry_is_made_again(tmp_path):
    cached, published = tmp_path / "spin.pdf", tmp_path / "site" / "spin.pdf"
    published.parent.mkdir()
    artifacts.write_atomically(cached, b"first")
    artifacts.link_or_copy(cached, published)
    assert published.read_bytes() == b"first"
    artifacts.write_atomically(cached, b"second")
    assert published.read_bytes() == b"first"
    assert oct(os.stat(cached).st_mode & 0o777) == oct(0o644)


def test_only_the_stale_jobs_are_made_and_the_order_is_kept():
    class Job:
        def __init__(self, name, current):
            self.name, self._current = name, current

        def current(self):
            return self._current

    made = []

    def make(job):
        made.append(job.name)
        return f"made {job.name}"

    jobs = [Job("a", "kept a"), Job("b", None), Job("c", "kept c"), Job("d", None)]
    assert artifacts.make_stale(jobs, make, map) == ["kept a", "made b", "kept c", "made d"]
    assert made == ["b", "d"]
    with pytest.raises(RuntimeError):
        artifacts.make_stale(jobs, make, lambda function, arguments: [])
