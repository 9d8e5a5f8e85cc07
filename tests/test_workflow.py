"""The GitHub Actions workflow that rebuilds the site on data change validates offline."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "site.yml"
CHECK = Path(sys.executable).parent / "check-jsonschema"
ZIZMOR = Path(sys.executable).parent / "zizmor"
PINNED = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40}  # v\d+\.\d+\.\d+\b")
# The files that pin what the environment installs: the caches are keyed on them.
REQUIREMENT_FILES = [
    "requirements.txt",
    "requirements-verify.txt",
    "requirements-test.txt",
    "requirements-lab.txt",
    "requirements-install.txt",
    "constraints.txt",
]


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflow_validates_against_the_github_workflow_schema():
    completed = _validate(WORKFLOW)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_validation_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "runs_on:", 1), encoding="utf-8")
    assert _validate(broken).returncode != 0


def test_workflow_rebuilds_on_data_and_code_changes_and_publishes_only_from_main():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key "on" as true
    for event in ("push", "pull_request"):
        paths = triggers[event]["paths"]
        for needed in (
            "data/**",
            "notebooks/**",
            "book/**",
            "casebook/**",
            "requirements.txt",
            "constraints.txt",
            "requirements-verify.txt",
            "requirements-test.txt",
            "requirements-lab.txt",
            "requirements-install.txt",
        ):
            assert needed in paths, (event, needed)
    steps = workflow["jobs"]["build"]["steps"]
    assert any(s.get("uses", "").startswith("actions/cache") and s["with"]["path"] == "_build/cache" for s in steps)
    assert [s["run"] for s in steps if "run" in s] == [
        "make .venv/.site && .venv/bin/python -m casebook build $ASSEMBLE $PUBLISH",
        "make test",
        "make verify",
    ]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert "push" in upload["if"] and "refs/heads/main" in upload["if"]
    assert "push" in workflow["jobs"]["deploy"]["if"]
    # The build that deploys is a build for publication: placeholders in publisher.yaml stop it.
    build = next(s for s in steps if s.get("name") == "Build the site")
    assert build["env"]["PUBLISH"].startswith("${{ " + upload["if"]) and "'--publish'" in build["env"]["PUBLISH"]


def test_workflow_verifies_weekly_and_on_release_and_publishes_the_result():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]
    assert triggers["schedule"] == [{"cron": "17 3 * * 1"}] and triggers["release"] == {"types": ["published"]}
    steps = workflow["jobs"]["build"]["steps"]
    names = [s.get("name") for s in steps]
    verify = next(s for s in steps if s.get("run") == "make verify")
    assert "schedule" in verify["if"] and "release" in verify["if"] and verify["continue-on-error"] is True
    # The result is uploaded and the site (with the Verifiering page) is built after verifying.
    result = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert result["with"]["path"] == "_build/verification.json"
    assert names.index(verify["name"]) < names.index(result["name"]) < names.index("Upload the site")
    assert "schedule" in workflow["jobs"]["deploy"]["if"]
    assert workflow["jobs"]["verification"]["needs"] == ["build", "deploy"]
    assert "needs.build.outputs.verify == 'failure'" in workflow["jobs"]["verification"]["if"]


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _zizmor(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ZIZMOR), "--offline", "--no-progress", str(path)], capture_output=True, text=True, check=False
    )


def test_zizmor_finds_nothing_at_its_default_persona():
    completed = _zizmor(WORKFLOW)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "No findings to report" in completed.stdout
    # The only ignored audit is cache-poisoning, and the workflow says why at the top.
    ignores = re.findall(r"zizmor: ignore\[([\w-]+)\]", WORKFLOW.read_text(encoding="utf-8"))
    assert set(ignores) == {"cache-poisoning"}
    assert "zizmor's one ignored finding, cache-poisoning" in WORKFLOW.read_text(encoding="utf-8")


def test_zizmor_catches_credentials_persisted_by_checkout(tmp_path):
    """The lint is live: checkout that keeps its token in .git/config is reported."""
    broken = tmp_path / "site.yml"
    broken.write_text(
        WORKFLOW.read_text(encoding="utf-8").replace("persist-credentials: false", "fetch-tags: false"),
        encoding="utf-8",
    )
    completed = _zizmor(broken)
    assert completed.returncode != 0 and "artipacked" in completed.stdout, completed.stdout


def test_every_action_is_pinned_by_commit_sha_with_its_release_in_a_comment():
    lines = [line for line in WORKFLOW.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(- )?uses:", line)]
    assert len(lines) >= 10
    assert [line for line in lines if not PINNED.match(line)] == []
    used = {re.search(r"uses: ([\w./-]+)@", line).group(1) for line in lines}
    assert {
        "actions/checkout",
        "actions/setup-python",
        "actions/upload-artifact",
        "actions/download-artifact",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    } <= used


def test_checkouts_keep_no_credentials_and_python_caches_pip_by_the_requirement_files():
    jobs = _workflow()["jobs"]
    steps = [step for job in jobs.values() for step in job.get("steps", [])]
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 3 and all(s["with"]["persist-credentials"] is False for s in checkouts)
    pythons = [s for s in steps if s.get("uses", "").startswith("actions/setup-python@")]
    assert len(pythons) == 2
    for step in pythons:
        assert step["with"]["cache"] == "pip"
        assert step["with"]["cache-dependency-path"].split() == REQUIREMENT_FILES


def test_the_jobs_that_install_the_environment_keep_uvs_package_cache_keyed_on_the_requirement_files():
    """uv installs every requirement set (the Makefile): its cache is restored before make runs."""
    jobs = _workflow()["jobs"]
    files = REQUIREMENT_FILES
    installing = [name for name, job in jobs.items() if any("make " in s.get("run", "") for s in job.get("steps", []))]
    assert sorted(installing) == ["build", "shards"]
    for name in installing:
        steps = jobs[name]["steps"]
        [cache] = [s for s in steps if s.get("name") == "Restore the package cache"]
        assert cache["uses"].startswith("actions/cache@") and cache["with"]["path"] == "~/.cache/uv"
        key = re.fullmatch(r"casebook-uv-\$\{\{ runner\.os \}\}-\$\{\{ hashFiles\((.*)\) \}\}", cache["with"]["key"])
        assert key and re.findall(r"'([^']+)'", key.group(1)) == files, cache["with"]["key"]
        # After Python is set up, before the first make installs anything.
        first_make = next(i for i, s in enumerate(steps) if "make " in s.get("run", ""))
        python = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/setup-python@"))
        assert python < steps.index(cache) < first_make
    # The same pinned release as the workflow's other caches.
    lines = WORKFLOW.read_text(encoding="utf-8").splitlines()
    caches = {re.search(r"@([0-9a-f]{40})", line).group(1) for line in lines if "uses: actions/cache" in line}
    assert len(caches) == 1


def test_permissions_are_minimal_and_a_deploy_is_never_cancelled():
    workflow = _workflow()
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["shards"]["permissions"] == {"contents": "read"}
    assert jobs["build"]["permissions"] == {"contents": "read", "pages": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    # Only pull request runs are cancelled by a newer push; runs on main (which deploy) never are.
    assert workflow["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    steps = jobs["build"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert uses.index("actions/configure-pages") < uses.index("actions/upload-pages-artifact")


def _shards_for(tmp_path, cases: int) -> list[str]:
    """The ``plan`` job's step run in a project with ``cases`` case files: the slices it plans."""
    step = next(s for s in _workflow()["jobs"]["plan"]["steps"] if s.get("id") == "count")
    project = tmp_path / f"n{cases}"
    (project / "data" / "cases").mkdir(parents=True)
    for number in range(cases):
        (project / "data" / "cases" / f"fiktiv-{number}.yaml").touch()
    output = tmp_path / f"output-{cases}"
    subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=project,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "GITHUB_OUTPUT": str(output), **step["env"]},
    )
    return json.loads(output.read_text().strip().removeprefix("shards="))


def test_the_number_of_runners_follows_the_number_of_cases(tmp_path):
    assert _shards_for(tmp_path, 1) == _shards_for(tmp_path, 99) == []  # one runner: the build job builds all
    assert _shards_for(tmp_path, 100) == _shards_for(tmp_path, 1000) == ["1/4", "2/4", "3/4", "4/4"]
    jobs = _workflow()["jobs"]
    assert jobs["shards"]["if"] == "needs.plan.outputs.shards != '[]'"
    assert jobs["build"]["if"] == "${{ !cancelled() && !failure() }}"
    build = next(s for s in jobs["build"]["steps"] if s.get("name") == "Build the site")
    assert build["env"]["ASSEMBLE"] == "${{ needs.plan.outputs.shards != '[]' && '--assemble' || '' }}"


def test_slices_run_as_a_matrix_and_the_build_job_assembles_their_cache_entries():
    jobs = _workflow()["jobs"]
    assert jobs["shards"]["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    steps = jobs["shards"]["steps"]
    run = next(s for s in steps if "run" in s)
    assert 'casebook build --shard "$SHARD"' in run["run"] and run["env"]["SHARD"] == "${{ matrix.shard }}"
    # Slices only restore the cache; the build job alone saves it.
    assert any(s.get("uses", "").startswith("actions/cache/restore@") for s in steps)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "_build/shard/" and upload["with"]["name"].startswith("execution-cache-")

    assert jobs["build"]["needs"] == ["plan", "shards"]
    build = jobs["build"]["steps"]
    download = next(s for s in build if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"] == {"pattern": "execution-cache-*", "path": "_build/cache", "merge-multiple": True}
    names = [s.get("name") for s in build]
    assert names.index(download["name"]) < names.index("Build the site")
    assert "$ASSEMBLE" in next(s for s in build if s.get("name") == "Build the site")["run"]
