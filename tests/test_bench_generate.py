"""The benchmark's synthetic cases: valid, clearly fictional, and the same for the same seed."""

from __future__ import annotations

from bench.generate import generate
from casebook.domain.case_file import load_case
from casebook.domain.clock import as_of_date


def test_generated_cases_are_valid_fictional_and_reproducible(tmp_path):
    first = generate(tmp_path / "a", 5)
    second = generate(tmp_path / "b", 5)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    for path in first:
        case = load_case(path, as_of=as_of_date())
        assert case.title.startswith("FIKTIVT")
        assert sum(line.amount for line in case.financing_plan) == case.total_costs
    assert generate(tmp_path / "c", 5, seed=1)[0].read_bytes() != first[0].read_bytes()


def test_no_generated_case_records_an_event_after_2024(tmp_path):
    """Whatever the build date, the benchmark's cases pass `casebook check` (nothing dated in the future)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # LibYAML's safe loader: the same data, 7 times faster
    cases = [yaml.load(p.read_text(encoding="utf-8"), Loader=loader) for p in generate(tmp_path, 1000)]
    latest = max(max(c["dates"]["application_received"], c["dates"]["decision"]) for c in cases)
    assert latest.year == 2024
