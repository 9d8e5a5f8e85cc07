"""Command-line messages count in Swedish: "1 ärende", "2 ärenden", "1 anteckningsbok"."""

from __future__ import annotations

from casebook.engine.build import BuildInterrupted, BuildSummary, _failure_summary


def test_an_interrupted_build_counts_notebooks_in_the_singular_and_plural():
    assert str(BuildInterrupted(1, 0)).startswith("Bygget avbröts: 1 anteckningsbok kördes klart")
    assert str(BuildInterrupted(2, 1)).startswith("Bygget avbröts: 2 anteckningsböcker kördes klart")


def test_a_failed_build_counts_cases_in_the_singular_and_plural():
    assert _failure_summary(BuildSummary(cases=1, failed=["fiktiv-bas"])).startswith(
        "1 av 1 ärende misslyckades (fiktiv-bas)"
    )
    assert _failure_summary(BuildSummary(cases=3, failed=["fiktiv-bas"])).startswith("1 av 3 ärenden misslyckades")
