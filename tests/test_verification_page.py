"""The Verifiering page: per case, whether its published notebook reproduced, when it was
last re-executed and how many outputs were compared; stale and unverified cases say so."""

from __future__ import annotations

import datetime as dt
import json

from conftest import FICTIONAL_BASE_PATH, REFERENCE_DIR, REPO, SPIN_PATH
from html_table import read_table

from casebook.domain.clock import as_of_date
from casebook.domain.evaluation import evaluate_case
from casebook.render.pages import verification_summary

REJECTED = REPO / "tests" / "opendata_cases" / "fiktiv-avslag.yaml"


def test_each_case_shows_result_time_and_compared_outputs(tmp_path):
    reports = [evaluate_case(p, REFERENCE_DIR, as_of=as_of_date()) for p in (SPIN_PATH, FICTIONAL_BASE_PATH, REJECTED)]
    verification = tmp_path / "verification.json"
    verification.write_text(
        json.dumps(
            {
                "verified_at": "2099-03-02T04:05:06Z",
                "results": [
                    {
                        "case_id": "rjh-2025-spin",
                        "notebook_sha256": "a" * 64,
                        "reproduced": True,
                        "cells": 14,
                        "failed_cells": [],
                    },
                    {
                        "case_id": "fiktiv-bas",
                        "notebook_sha256": "b" * 64,
                        "reproduced": False,
                        "cells": 14,
                        "failed_cells": ["Cell 3"],
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    text = verification_summary(
        verification, reports, {"rjh-2025-spin": "a" * 64, "fiktiv-bas": "b" * 64, "fiktiv-avslag": "c" * 64}
    )
    table = read_table(text)
    assert table.caption == "Verifiering 2099-03-02 04:05:06 (UTC): 1 av 3 ärenden reproducerades"
    assert table.header == ["Ärende", "Resultat", "Senast omkörd (UTC)", "Jämförda utdata"]
    assert [row[0] for row in table.links] == [
        ["cases/rjh-2025-spin.html"],
        ["cases/fiktiv-bas.html"],
        ["cases/fiktiv-avslag.html"],
    ]
    assert [row[1:] for row in table.rows] == [
        ["Reproducerad", "2099-03-02 04:05:06", "14"],
        ["Inte reproducerad: Cell 3", "2099-03-02 04:05:06", "14"],
        ["Inte verifierad", "–", "–"],
    ]


def test_a_notebook_changed_after_verification_is_stale(tmp_path):
    reports = [evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())]
    verification = tmp_path / "verification.json"
    verification.write_text(
        json.dumps(
            {
                "verified_at": "2099-03-02T04:05:06Z",
                "results": [
                    {
                        "case_id": "rjh-2025-spin",
                        "notebook_sha256": "a" * 64,
                        "reproduced": True,
                        "cells": 14,
                        "failed_cells": [],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    text = verification_summary(verification, reports, {"rjh-2025-spin": "d" * 64})
    table = read_table(text)
    assert table.caption.endswith("0 av 1 ärende reproducerades")
    assert table.rows[0][1] == "Inaktuell: anteckningsboken har körts om efter verifieringen"


def test_without_a_verification_the_page_says_when_it_runs(tmp_path):
    text = verification_summary(tmp_path / "none.json", [], {})
    assert "varje vecka" in text and "make verify" in text


def test_a_verification_run_in_ci_links_its_run(tmp_path):
    reports = [evaluate_case(SPIN_PATH, REFERENCE_DIR, as_of=as_of_date())]
    verification = tmp_path / "verification.json"
    run = "https://github.com/exempel/casebook/actions/runs/123"
    verification.write_text(
        json.dumps(
            {
                "verified_at": "2099-03-02T04:05:06Z",
                "run_url": run,
                "results": [
                    {
                        "case_id": "rjh-2025-spin",
                        "notebook_sha256": "a" * 64,
                        "reproduced": True,
                        "cells": 14,
                        "failed_cells": [],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    text = verification_summary(verification, reports, {"rjh-2025-spin": "a" * 64})
    assert f"i GitHub Actions: [körningens logg och resultatfil]({run})" in text
    verification.write_text(
        verification.read_text(encoding="utf-8").replace(f'"run_url": "{run}", ', ""), encoding="utf-8"
    )
    assert "med `make verify`" in verification_summary(verification, reports, {"rjh-2025-spin": "a" * 64})


def test_the_verification_records_the_ci_run_that_made_it(tmp_path, monkeypatch):
    from casebook.engine.verify import write_verification

    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "exempel/casebook")
    monkeypatch.setenv("GITHUB_RUN_ID", "123")
    write_verification(tmp_path / "v.json", [], dt.datetime(2099, 3, 2, 4, 5, 6, tzinfo=dt.UTC))
    recorded = json.loads((tmp_path / "v.json").read_text())
    assert recorded["run_url"] == "https://github.com/exempel/casebook/actions/runs/123"
    assert recorded["verified_at"] == "2099-03-02T04:05:06Z"  # the command's moment, from the one clock
