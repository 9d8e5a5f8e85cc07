"""Where regions run it: the development container (the route for Windows) and the GitLab CI
file. No container engine runs on the test machine, so the container is checked by a dry run
(docs/running-elsewhere.md): everything it copies exists, it uses the project's Python and the
README's commands. The GitLab CI file is validated against GitLab's schema, offline."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from conftest import REPO

DEVCONTAINER = REPO / ".devcontainer"
GITLAB_CI = REPO / ".gitlab-ci.yml"
CHECK = Path(sys.executable).parent / "check-jsonschema"


def _makefile_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8").replace("$(VENV)", ".venv")
    return {match.group(1) for match in re.finditer(r"^([\w./-]+):", text, re.MULTILINE)}


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEVCONTAINER / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_devcontainer_builds_its_dockerfile_from_the_repository():
    config = json.loads((DEVCONTAINER / "devcontainer.json").read_text(encoding="utf-8"))
    assert (DEVCONTAINER / config["build"]["dockerfile"]).is_file()
    assert (DEVCONTAINER / config["build"]["context"]).resolve() == REPO.resolve()
    command = shlex.split(config["postCreateCommand"])
    assert command[0] == "make" and set(command[1:]) <= _makefile_targets()
    assert 8000 in config["forwardPorts"]  # casebook serve's port


def test_every_file_the_container_copies_exists_and_its_python_is_the_projects():
    instructions = _dockerfile_instructions()
    copies = [shlex.split(argument)[:-1] for kind, argument in instructions if kind == "COPY"]
    assert copies and all((REPO / source).is_file() for sources in copies for source in sources)
    [base] = [argument for kind, argument in instructions if kind == "FROM"]
    python = re.fullmatch(r"python:(\d+\.\d+)-\w+", base).group(1)
    requires = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert f">={python}" in requires
    installed = " ".join(argument for kind, argument in instructions if kind == "RUN")
    for requirements in re.findall(r"-r (\S+)", installed):
        assert (REPO / requirements).is_file(), requirements


def test_the_containers_downloaded_packages_are_where_uv_and_pip_look():
    """The image downloads the packages of every set into one folder; uv (which installs the sets,
    the Makefile) and pip (which installs the installers) are both told to look there."""
    instructions = _dockerfile_instructions()
    installed = " ".join(argument for kind, argument in instructions if kind == "RUN")
    [destination] = re.findall(r"pip download .*?--dest (\S+)", installed)
    environment = dict(
        re.findall(r"(\w+)=(\S+)", " ".join(argument for kind, argument in instructions if kind == "ENV"))
    )
    assert environment["UV_FIND_LINKS"] == environment["PIP_FIND_LINKS"] == destination
    assert "$(VENV)/bin/uv pip install" in (REPO / "Makefile").read_text(encoding="utf-8")


def test_the_container_and_gitlab_run_the_readmes_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make site" in readme and "make test" in readme and ".devcontainer" in readme
    jobs = yaml.safe_load(GITLAB_CI.read_text(encoding="utf-8"))
    assert jobs["test"]["script"] == ["make test"]
    assert "--publish" in " ".join(jobs["pages"]["script"]) and jobs["pages"]["artifacts"]["paths"] == ["public"]
    assert "casebook export public" in " ".join(jobs["pages"]["script"])
    assert jobs["image"] == "python:3.11-bookworm"
    # uv installs every set: its cache lies inside the project, where GitLab's cache can keep it.
    cache = jobs["variables"]["UV_CACHE_DIR"]
    assert cache.startswith("$CI_PROJECT_DIR/") and cache.removeprefix("$CI_PROJECT_DIR/") in jobs["cache"]["paths"]


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK), "--builtin-schema", "vendor.gitlab-ci", str(path)], capture_output=True, text=True, check=False
    )


def test_the_gitlab_ci_file_validates_against_gitlabs_schema(tmp_path):
    completed = _validate(GITLAB_CI)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text(GITLAB_CI.read_text(encoding="utf-8").replace("  rules:", "  regler:", 1), encoding="utf-8")
    assert "'regler' was unexpected" in _validate(broken).stdout


def test_a_checkout_that_asks_for_crlf_still_gets_the_case_files_the_site_was_hashed_from(tmp_path):
    """core.autocrlf=true (Git for Windows' default) must not change a hashed input's bytes."""
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "-c", "core.autocrlf=true", "clone", "-q", "--no-hardlinks", str(REPO), str(clone)],
        check=True,
        capture_output=True,
    )
    subprocess.run(["git", "-C", str(clone), "config", "core.autocrlf", "true"], check=True)
    hashed = [
        Path("data/cases/rjh-2025-spin.yaml"),
        Path("data/reference/regional_actors.yaml"),
        Path("notebooks/case_report.ipynb"),
        Path("casebook/domain/finance.py"),
    ]
    for relative in hashed:
        assert (clone / relative).read_bytes() == subprocess.run(
            ["git", "-C", str(REPO), "show", f"HEAD:{relative.as_posix()}"], check=True, capture_output=True
        ).stdout, relative
        assert b"\r\n" not in (clone / relative).read_bytes(), relative
