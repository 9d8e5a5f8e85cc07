"""The GitHub Actions workflow that rebuilds the site on data change validates offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "site.yml"
CHECK = Path(sys.executable).parent / "check-jsonschema"


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHECK), "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, check=False)


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
        for needed in ("data/**", "notebooks/**", "book/**", "casebook/**", "requirements.txt", "constraints.txt"):
            assert needed in paths, (event, needed)
    steps = workflow["jobs"]["build"]["steps"]
    assert any(s.get("uses", "").startswith("actions/cache") and s["with"]["path"] == "_build/cache" for s in steps)
    assert [s["run"] for s in steps if "run" in s] == ["make site", "make test", "make verify"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert "push" in upload["if"] and "refs/heads/main" in upload["if"]
    assert "push" in workflow["jobs"]["deploy"]["if"]


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
