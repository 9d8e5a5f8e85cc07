"""Triage of the writers' mutants: each mutant's open data (the fixed input of
tests/test_opendata_expected.py) compared byte for byte with the unmutated output."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MUT = Path.cwd() / "mutants"  # run from the scratch copy of the repository
os.chdir(MUT)
sys.path[:0] = [str(MUT), str(MUT / "tests")]
IMPORT_TIME = {
    "casebook.render.opendata.x__table_files",
    "casebook.render.opendata_tables.x__count",
    "casebook.render.opendata_tables.x__kronor",
    "casebook.render.opendata_tables.x__percent",
}


def all_mutants():
    names = []
    for meta in sorted((MUT / "casebook" / "render").glob("*.meta")):
        names += list(json.loads(meta.read_text())["exit_code_by_key"])
    return names


def function_of(name):
    return name.rsplit("__mutmut_", 1)[0]


class Timeout(Exception):
    pass


def _alarm(*_):
    raise Timeout()


def output_hashes():
    from test_opendata_expected import write_fixed_open_data

    with tempfile.TemporaryDirectory() as d:
        write_fixed_open_data(Path(d))
        return {
            p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(d).rglob("*"))
            if p.is_file()
        }


def classify(name, baseline):
    os.environ["MUTANT_UNDER_TEST"] = name
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(30)
    try:
        out = output_hashes()
    except BaseException as e:  # noqa: BLE001
        return {"kind": "raise", "error": f"{type(e).__name__}: {str(e)[:200]}"}
    finally:
        signal.alarm(0)
        os.environ["MUTANT_UNDER_TEST"] = ""
    if out == baseline:
        return {"kind": "same"}
    changed = sorted(k for k in set(out) | set(baseline) if out.get(k) != baseline.get(k))
    return {"kind": "changed", "files": changed}


def main():  # run from the scratch copy; results go to its parent folder
    mode = sys.argv[1]
    if mode == "one":  # a fresh process: import-time mutants
        os.environ["MUTANT_UNDER_TEST"] = sys.argv[2]
        baseline = json.loads((Path.cwd().parent / "baseline.json").read_text())
        try:
            import casebook.render.opendata  # noqa: F401
        except BaseException as e:  # noqa: BLE001
            print(json.dumps({"kind": "raise", "error": f"import: {type(e).__name__}: {str(e)[:200]}"}))
            return
        print(json.dumps(classify(sys.argv[2], baseline)))
        return
    os.environ["MUTANT_UNDER_TEST"] = ""
    baseline = output_hashes()
    (Path.cwd().parent / "baseline.json").write_text(json.dumps(baseline, indent=1))
    results = {}
    names = all_mutants()
    t0 = time.time()
    for i, name in enumerate(names):
        if function_of(name) in IMPORT_TIME:
            p = subprocess.run(
                [sys.executable, __file__, "one", name],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "PYTHONPATH": f"{MUT}:{MUT / 'tests'}"},
            )
            try:
                results[name] = json.loads(p.stdout.strip().splitlines()[-1])
            except Exception:  # noqa: BLE001
                results[name] = {"kind": "raise", "error": "process: " + p.stderr[-300:]}
            results[name]["fresh_process"] = True
        else:
            results[name] = classify(name, baseline)
        if i % 100 == 0:
            print(i, len(names), round(time.time() - t0), flush=True)
    os.environ["MUTANT_UNDER_TEST"] = ""
    assert output_hashes() == baseline, "the unmutated output changed during the run"
    (Path.cwd().parent / "triage.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    from collections import Counter

    print(Counter(r["kind"] for r in results.values()), round(time.time() - t0))


if __name__ == "__main__":
    main()
