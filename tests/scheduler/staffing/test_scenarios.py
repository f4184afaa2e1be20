"""Named, versioned benchmark scenarios (``scheduler.staffing.scenarios``): the same name
always gives the same register; growth adds offenders, cuts remove officers."""

from __future__ import annotations

from collections import Counter

import pytest

from data.scenarios import generate
from scheduler.staffing.scenarios import (
    BENCHMARK_SCENARIOS,
    build,
    fingerprint,
    grow,
    resolve,
)


def test_every_required_scenario_is_named_and_versioned() -> None:
    for name in (
        "borough@1",
        "met@1",
        "national@1",
        "borough-growth10@1",
        "borough-growth25@1",
        "met-growth10@1",
        "met-growth25@1",
        "borough-cuts20@1",
        "met-cuts20@1",
    ):
        assert name in BENCHMARK_SCENARIOS
        assert BENCHMARK_SCENARIOS[name].key == name


def test_a_name_without_version_is_its_latest() -> None:
    assert resolve("borough").key == "borough@1"
    assert resolve(" met@1 ").key == "met@1"


@pytest.mark.parametrize("name", ["nowhere", "borough@9", "borough@", "@1"])
def test_unknown_names_list_the_valid_ones(name: str) -> None:
    with pytest.raises(ValueError, match="valid names: borough-cuts20@1"):
        resolve(name)


def test_base_scenario_is_the_generator_scenario() -> None:
    assert build("borough@1").register == generate("borough").register


def test_growth_adds_offenders_modelled_on_existing_ones() -> None:
    base = build("borough@1").register
    grown = build("borough-growth25@1").register
    assert len(grown.offenders) == 375 and grown.officers == base.officers
    assert grown.offenders[:300] == base.offenders
    new = grown.offenders[300:]
    assert [o.id for o in new[:2]] == ["GRW-000001", "GRW-000002"]
    # Same tier mix as the register they are modelled on (roughly), managers in the unit.
    officers = {o.id for o in base.officers}
    assert all(o.manager_id in officers for o in new)
    assert Counter(o.tier for o in new).keys() <= Counter(o.tier for o in base.offenders).keys()


def test_growth_is_deterministic_in_its_seed() -> None:
    base = generate("borough", scale=0.1).register
    assert fingerprint(grow(base, 0.5, seed=3)) == fingerprint(grow(base, 0.5, seed=3))
    assert fingerprint(grow(base, 0.5, seed=3)) != fingerprint(grow(base, 0.5, seed=4))
    assert grow(base, 0.0, seed=3) is base


def test_cuts_remove_a_fifth_of_the_officers_and_keep_everyone_managed() -> None:
    reg = build("borough-cuts20@1").register
    assert len(reg.officers) == 5  # round(6 x 0.8)
    ids = {o.id for o in reg.officers}
    assert all(o.manager_id in ids for o in reg.offenders)
    assert len(reg.offenders) == 300


def test_small_scenario_for_tests() -> None:
    reg = build("borough-small@1").register
    assert (len(reg.offenders), len(reg.officers)) == (30, 1)


def test_met_bcu_puts_each_borough_team_in_its_bcu() -> None:
    """The Met's 32 borough teams in 12 cover groups, nothing else changed; the bound
    then finds every high-risk offender servable (a neighbouring borough's officer)."""
    from scheduler.staffing.bound import workload_lower_bound

    met, bcu = build("met@1").register, build("met-bcu@1").register
    assert met.offenders == bcu.offenders
    assert [o.model_copy(update={"cover_group": None}) for o in bcu.officers] == list(met.officers)
    groups = {o.team: o.cover_group for o in bcu.officers}
    assert len(groups) == 32 and len(set(groups.values())) == 12
    assert workload_lower_bound(met).unservable_high > 0
    assert workload_lower_bound(bcu).unservable_high == 0
