"""No placeholder is published by accident: a build for publication (``--publish``, which the
deploy jobs pass) refuses the placeholders of ``data/reference/publisher.yaml``; any other
build warns once. The repository's own CI builds with the placeholders it ships (CI=true)."""

from __future__ import annotations

import io
import shutil

import pytest
from conftest import REFERENCE_DIR, SPIN_PATH
from rich.console import Console

from casebook.cli import main
from casebook.domain.reference import load_publisher
from casebook.engine.build import check_publisher
from casebook.engine.paths import ProjectPaths


@pytest.mark.parametrize(
    ("email", "url", "repository", "expected"),
    [
        (
            "oppnadata@example.invalid",
            "https://example.invalid/casebook/",
            "https://example.invalid/casebook",
            ["contact_email", "site_url", "repository_url"],
        ),
        (
            "registrator@regionjh.se",
            "https://www.example.com/ärenden/",
            "https://git.regionjh.se/casebook",
            ["site_url"],
        ),
        ("x@test", "https://casebook.localhost/", "https://git.regionjh.se/casebook", ["contact_email", "site_url"]),
        (
            "registrator@regionjh.se",
            "https://regionjh.se/casebook/",
            "https://github.example/casebook",
            ["repository_url"],
        ),
        ("registrator@regionjh.se", "https://regionjh.se/casebook/", "https://git.regionjh.se/casebook", []),
        ("oppnadata@examples.se", "https://my-example.org/", "https://my-example.org/casebook", []),
    ],
)
def test_placeholders_are_addresses_under_domains_reserved_for_examples(tmp_path, email, url, repository, expected):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    publisher = reference / "publisher.yaml"
    text = publisher.read_text(encoding="utf-8")
    assert "\nrepository_url: https://example.invalid/casebook\n" in text
    publisher.write_text(
        text.replace("\nrepository_url: https://example.invalid/casebook\n", f"\nrepository_url: {repository}\n")
        .replace("oppnadata@example.invalid", email)
        .replace("https://example.invalid/casebook/", url),
        encoding="utf-8",
    )
    assert load_publisher(reference).placeholders() == expected


def _project(tmp_path):
    root = tmp_path / "repo"
    (root / "data" / "cases").mkdir(parents=True)
    shutil.copytree(REFERENCE_DIR, root / "data" / "reference")
    shutil.copytree(REFERENCE_DIR.parent / "sources", root / "data" / "sources")  # the source document SPIN names
    shutil.copy2(SPIN_PATH, root / "data" / "cases" / SPIN_PATH.name)
    return root


def test_a_build_for_publication_refuses_the_placeholders_before_anything_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    root = _project(tmp_path)
    assert main(["--root", str(root), "build", "--publish"]) == 2
    err = capsys.readouterr().err
    assert (
        "Webbplatsen publiceras inte: data/reference/publisher.yaml: contact_email, site_url och repository_url är platshållare"
        in err
    )
    assert "Traceback" not in err and not (root / "_build").exists()


def test_any_other_build_warns_once(tmp_path):
    paths = ProjectPaths.at(_project(tmp_path))
    console = Console(file=io.StringIO(), width=300)
    check_publisher(paths, publish=False, console=console)
    check_publisher(paths, publish=False, console=console)
    assert (
        console.file.getvalue().count(
            "Varning: data/reference/publisher.yaml: contact_email, site_url och repository_url är platshållare"
        )
        == 1
    )


def test_real_addresses_pass_silently(tmp_path):
    root = _project(tmp_path)
    publisher = root / "data" / "reference" / "publisher.yaml"
    publisher.write_text(
        publisher.read_text(encoding="utf-8")
        .replace("oppnadata@example.invalid", "oppnadata@regionjh.se")
        .replace("https://example.invalid/casebook/", "https://regionjh.se/casebook/")
        .replace("https://example.invalid/casebook\n", "https://git.regionjh.se/casebook\n"),
        encoding="utf-8",
    )
    console = Console(file=io.StringIO())
    check_publisher(ProjectPaths.at(root), publish=True, console=console)
    assert console.file.getvalue() == ""
