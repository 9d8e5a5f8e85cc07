"""``casebook serve``: the served site reloads after a rebuild, the published files stay untouched."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from casebook.engine.serve import RELOAD_PATH, SiteVersion, site_server, with_reload_script
from conftest import copy_project

SCRIPT_MARK = "casebook serve: ladda om"
CASE_PAGE = "/book/cases/rjh-2025-spin.html"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, "", {}


def _wait_for(condition, seconds: float, what: str, process: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"serve exited ({process.returncode}) while waiting for {what}:\n{log.read_text() if log else ''}")
        try:
            value = condition()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds} s waiting for {what}:\n{log.read_text() if log else ''}")


def test_the_reload_script_goes_before_the_end_of_the_body():
    page = with_reload_script(b"<html><body><p>Text</p></body></html>", 7).decode()
    assert page.startswith("<html><body><p>Text</p><script>")
    assert page.endswith("</script></body></html>")
    assert 'var seen="7"' in page and RELOAD_PATH in page


def test_served_pages_get_the_script_but_files_on_disk_and_other_files_do_not(tmp_path):
    version_dir = tmp_path / "html-1"
    version_dir.mkdir()
    (version_dir / "index.html").write_text("<html><body>Start</body></html>", encoding="utf-8")
    (version_dir / "style.css").write_text("body {}", encoding="utf-8")
    site = tmp_path / "html"
    site.symlink_to(version_dir.name, target_is_directory=True)
    version = SiteVersion()
    with site_server(site, 0, version) as server:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        status, body, headers = _get(base + "/")
        assert status == 200 and SCRIPT_MARK in body and "Start" in body
        assert headers["Cache-Control"] == "no-store"
        assert _get(base + "/style.css")[1] == "body {}"
        assert _get(base + RELOAD_PATH)[1] == "0"
        version.advance()
        assert _get(base + RELOAD_PATH)[1] == "1"
        # A publish swings the link to a new version: the server follows it.
        new_dir = tmp_path / "html-2"
        new_dir.mkdir()
        (new_dir / "index.html").write_text("<html><body>Ny</body></html>", encoding="utf-8")
        site.unlink()
        site.symlink_to(new_dir.name, target_is_directory=True)
        assert "Ny" in _get(base + "/index.html")[1]
    assert SCRIPT_MARK not in (version_dir / "index.html").read_text(encoding="utf-8")


@pytest.mark.e2e  # builds the site, then rebuilds it twice
def test_serve_shows_a_changed_title_keeps_the_last_good_site_and_stops_cleanly(tmp_path):
    root = copy_project(tmp_path / "repo")
    port = _free_port()
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with open(log, "w", encoding="utf-8") as output:
        serve = subprocess.Popen(
            [sys.executable, "-m", "casebook", "--root", str(root), "serve", "--port", str(port)],
            stdout=output, stderr=subprocess.STDOUT, text=True, env={**os.environ, "COLUMNS": "200"},
        )
    try:
        _wait_for(lambda: _get(base + CASE_PAGE)[0] == 200, 600, "the first build", serve, log)
        first = _get(base + CASE_PAGE)[1]
        assert "SPIN – Strategisk Planering i Norr" in first and SCRIPT_MARK in first
        generation = _get(base + RELOAD_PATH)[1]

        case = root / "data" / "cases" / "rjh-2025-spin.yaml"
        text = case.read_text(encoding="utf-8")
        case.write_text(text.replace("title: SPIN – Strategisk Planering i Norr", "title: SPIN – Ändrad titel", 1),
                        encoding="utf-8")
        saved = time.monotonic()
        _wait_for(lambda: "SPIN – Ändrad titel" in _get(base + CASE_PAGE)[1], 300, "the new title", serve, log)
        latency = time.monotonic() - saved
        print(f"save-to-page latency: {latency:.1f} s")
        # Only a case file changed: its page was published first, then the rest of the site,
        # and the hook the page polls said so twice.
        _wait_for(lambda: "SPIN – Ändrad titel" in _get(base + "/book/case_list.html")[1], 300, "the case list", serve, log)
        assert "Visas nu: rjh-2025-spin" in log.read_text(encoding="utf-8")
        _wait_for(lambda: _get(base + RELOAD_PATH)[1] == str(int(generation) + 2), 30, "the reload signal", serve, log)
        # What was built and published carries no reload script.
        published = list((root / "_build" / "html").resolve().rglob("*.html"))
        assert published
        assert not [p for p in published if SCRIPT_MARK in p.read_text(encoding="utf-8")]

        # A bad case file: the Swedish error, and the last good site is still served.
        generation = _get(base + RELOAD_PATH)[1]
        assert "total_costs: null" in text
        case.write_text(text.replace("total_costs: null", "total_costs: inte ett tal", 1), encoding="utf-8")
        _wait_for(lambda: "Den senast byggda webbplatsen visas fortfarande" in log.read_text(encoding="utf-8"), 120,
                  "the error message", serve, log)
        assert "rjh-2025-spin.yaml" in log.read_text(encoding="utf-8")
        assert serve.poll() is None
        assert "SPIN – Ändrad titel" in _get(base + CASE_PAGE)[1]
        assert _get(base + RELOAD_PATH)[1] == generation

        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=30) == 130
    finally:
        if serve.poll() is None:
            serve.kill()
    output = log.read_text(encoding="utf-8")
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1] == (
        "casebook serve avslutades; den senast byggda webbplatsen finns kvar i _build/html."
    )
