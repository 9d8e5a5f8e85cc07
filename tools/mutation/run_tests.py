"""Run mutants against pytest modules, one process (in-process pytest.main per mutant; a fresh
process for the import-time mutants). Usage: runtests.py <out.json> <names-file> -- <pytest args>"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TIMEOUT = int(os.environ.get("MUT_TIMEOUT", "300"))

MUT = Path.cwd() / "mutants"  # run from the scratch copy of the repository
os.chdir(MUT)
sys.path[:0] = [str(MUT), str(MUT / "tests")]
IMPORT_TIME = {
    "casebook.render.opendata.x__table_files",
    "casebook.render.opendata_tables.x__count",
    "casebook.render.opendata_tables.x__kronor",
    "casebook.render.opendata_tables.x__percent",
}


class Collect:
    def __init__(self):
        self.failed = []

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.failed.append(report.nodeid)


FIRST = {
    "dcat": ["tests/test_opendata_catalogues.py"],
    "datapackage": ["tests/test_opendata_catalogues.py"],
    "giving360": ["tests/test_grant_identity.py", "tests/test_opendata_catalogues.py", "tests/test_opendata.py"],
    "opendata_tables": ["tests/test_opendata_formats.py", "tests/test_opendata.py"],
    "opendata": ["tests/test_opendata.py", "tests/test_opendata_catalogues.py"],
    "slugs": ["tests/test_grant_identity.py"],
}


def reorder(name, args):
    """The same tests, the modules most likely to fail for the mutant's module first (-x stops there)."""
    first = [a for a in FIRST.get(name.split(".")[2], []) if a in args]
    return first + [a for a in args if a not in first]


def run_one(name, args):
    args = reorder(name, args)
    if name.rsplit("__mutmut_", 1)[0] in IMPORT_TIME:
        t = time.time()
        p = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *args],
            capture_output=True,
            text=True,
            env={**os.environ, "MUTANT_UNDER_TEST": name, "PYTHONPATH": f"{MUT}"},
            timeout=1800,
        )
        failed = [line.split(" ")[1] for line in p.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
        return {"exit": p.returncode, "failed": failed, "seconds": round(time.time() - t, 1), "fresh_process": True}
    os.environ["MUTANT_UNDER_TEST"] = name
    c = Collect()
    t = time.time()
    timed_out = []

    def alarm(*_):
        timed_out.append(True)
        raise TimeoutError("mutant timed out")

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(TIMEOUT)
    try:
        code = pytest.main(["-q", "--no-header", "-p", "no:randomly", *args], plugins=[c])
    finally:
        signal.alarm(0)
        os.environ["MUTANT_UNDER_TEST"] = ""
    return {"exit": int(code), "failed": c.failed[:3], "seconds": round(time.time() - t, 1), "timeout": bool(timed_out)}


def main():
    out, names_file = Path(sys.argv[1]), Path(sys.argv[2])
    args = sys.argv[sys.argv.index("--") + 1 :]
    names = [n for n in names_file.read_text().split() if n]
    results = json.loads(out.read_text()) if out.exists() else {}
    for name in names:
        if name in results:
            continue
        results[name] = run_one(name, args)
        out.write_text(json.dumps(results, indent=1))
        r = results[name]
        print(name, r["exit"], r["seconds"], r["failed"][:1], flush=True, file=sys.__stderr__)


if __name__ == "__main__":
    main()
