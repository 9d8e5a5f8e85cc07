"""The benchmark's shard figures: per-case time, a shard's fixed cost and the break-even N."""

from __future__ import annotations

import pytest

from bench.run import Measurement, assemble_scenario, ratios, shard_scenario


def _row(scenario: str, wall: float, executed: int | None = None) -> Measurement:
    return Measurement(100, scenario, wall, wall, 0.0, wall / 100, executed, 0.0)


def test_sharding_pays_from_the_n_where_the_saved_execution_exceeds_a_shards_fixed_cost():
    results = [
        _row("ours, cold", 100.0, 100),
        _row("ours, no change", 2.0, 0),
        _row("ours, one case file changed", 5.0, 1),
        _row("ours, template changed", 100.0, 100),
        _row(shard_scenario(1, 2), 45.0, 50),
        _row(shard_scenario(2, 2), 37.0, 40),
        _row(assemble_scenario(2), 20.0, 0),
    ]
    shards = ratios(results)["shards N=100"]
    # (cold − assemble) / N: the assembly is a cold build without executing cases.
    assert shards["wall s per case, one runner"] == pytest.approx(0.8)
    # (45 − 50 × 0.8 + 37 − 40 × 0.8) / 2
    assert shards["shard fixed s"] == pytest.approx(5.0)
    assert shards["sharding pays from N (K=2, without CI job overhead)"] == pytest.approx(5.0 / (0.8 * 0.5))
    assert shards["cases per second per shard"] == pytest.approx(90 / 82)
