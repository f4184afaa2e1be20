"""The weekly-rota benchmark's comparison with the previous engine."""

from benchmarks.weekly_rota import with_baseline


def test_the_previous_engine_s_figures_sit_beside_this_run_s_with_their_ratios() -> None:
    row = {"scenario": "met", "plan_s": 2.0, "scheduled": 760, "travel_h": 150.0}
    base = {"plan_s": 5.0, "plan_cpu_s": 5.1, "scheduled": 765.0, "travel_h": 160.0}
    out = with_baseline(row, base, "abc1234")
    assert out["baseline_rev"] == "abc1234"
    assert out["speedup_over_baseline"] == 2.5
    assert out["scheduled_minus_baseline"] == -5  # visits the faster run left out show
    assert out["travel_over_baseline"] == 0.938
    assert out["baseline_plan_cpu_s"] == 5.1


def test_a_run_without_a_baseline_is_left_as_it_is() -> None:
    row = {"scenario": "met", "plan_s": 2.0, "scheduled": 760, "travel_h": 150.0}
    assert with_baseline(row, None, "abc1234") == row
    assert with_baseline(row, {}, "abc1234") == row
