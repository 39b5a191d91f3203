"""Small scenarios whose optimum is worked out by hand in each docstring."""

from __future__ import annotations

import pytest
from scenario_factory import write_scenario

from optimizer import load_scenario, solve


def run(tmp_path, **kwargs):
    result = solve(load_scenario(write_scenario(tmp_path / "case", **kwargs)))
    return result


def capacity(result, region, year):
    rows = result.capacity
    return float(rows.loc[(rows.region_id == region) & (rows.year == year), "capacity_mw"].iloc[0])


def test_lead_time_pushes_first_build_to_dearer_region(tmp_path):
    """cheap (capex 1, lead 1 yr) cannot build in 2026, so 2026's 10 MW come from dear (capex 3): 30.
    2027 needs 10 more, now from cheap: 10. Optimum 40."""
    result = run(
        tmp_path,
        regions=[
            {"region_id": "cheap", "capex_usd_per_mw": 1, "lead_time_years": 1},
            {"region_id": "dear", "capex_usd_per_mw": 3},
        ],
        demand=[("d", 2026, 10), ("d", 2027, 20)],
        last_year=2027,
    )
    assert result.summary["status"] == "optimal"
    assert result.summary["objective_usd"] == pytest.approx(40)
    assert capacity(result, "cheap", 2026) == 0
    assert capacity(result, "dear", 2026) == pytest.approx(10)
    assert capacity(result, "cheap", 2027) == pytest.approx(10)


def test_without_lead_time_the_cheap_region_takes_everything(tmp_path):
    """Same case with no lead time: 20 MW from cheap, 20."""
    result = run(
        tmp_path,
        regions=[{"region_id": "cheap", "capex_usd_per_mw": 1}, {"region_id": "dear", "capex_usd_per_mw": 3}],
        demand=[("d", 2026, 10), ("d", 2027, 20)],
        last_year=2027,
    )
    assert result.summary["objective_usd"] == pytest.approx(20)


def test_binding_zone_limit_sends_the_rest_elsewhere(tmp_path):
    """Zone Z (capex 1 and 2) may take 15 MW; the other 5 MW go to zone Y at capex 5: 15 + 25 = 40."""
    result = run(
        tmp_path,
        regions=[
            {"region_id": "a", "zone_id": "Z", "capex_usd_per_mw": 1},
            {"region_id": "b", "zone_id": "Z", "capex_usd_per_mw": 2},
            {"region_id": "c", "zone_id": "Y", "capex_usd_per_mw": 5},
        ],
        demand=[("d", 2026, 20)],
        zone_limits=[("Z", 2026, 15)],
    )
    assert result.summary["objective_usd"] == pytest.approx(40)
    assert capacity(result, "a", 2026) + capacity(result, "b", 2026) == pytest.approx(15)
    assert capacity(result, "c", 2026) == pytest.approx(5)


def test_a_later_tighter_zone_limit_binds_earlier_years(tmp_path):
    """Capacity never falls: a 2027 limit of 5 MW caps 2026 too, so 2026 needs 5 MW from zone Y (capex 4).
    Z cheap takes 5 (5). Total 5 + 20 = 25."""
    result = run(
        tmp_path,
        regions=[
            {"region_id": "a", "zone_id": "Z", "capex_usd_per_mw": 1},
            {"region_id": "y", "zone_id": "Y", "capex_usd_per_mw": 4},
        ],
        demand=[("d", 2026, 10), ("d", 2027, 0)],
        zone_limits=[("Z", 2026, 100), ("Z", 2027, 5)],
        last_year=2027,
    )
    assert result.summary["objective_usd"] == pytest.approx(25)


def test_module_integrality(tmp_path):
    """50 MW: modular (40 MW modules, capex 1) alone needs 80 MW = 80; continuous (capex 1.5) alone 75;
    one module plus 10 MW continuous = 40 + 15 = 55, the optimum."""
    result = run(
        tmp_path,
        regions=[
            {"region_id": "modular", "capex_usd_per_mw": 1, "module_mw": 40},
            {"region_id": "continuous", "capex_usd_per_mw": 1.5},
        ],
        demand=[("d", 2026, 50)],
    )
    assert result.summary["objective_usd"] == pytest.approx(55)
    assert capacity(result, "modular", 2026) == pytest.approx(40)
    assert capacity(result, "continuous", 2026) == pytest.approx(10)


def test_service_pairs_restrict_who_serves_whom(tmp_path):
    """far (capex 0.5) may serve only d2; d1 must use near (capex 1). d1: 10 from near = 10;
    d2: 10 from far = 5 (near would cost 1 + 0.2 service). Optimum 15."""
    result = run(
        tmp_path,
        regions=[{"region_id": "near", "capex_usd_per_mw": 1}, {"region_id": "far", "capex_usd_per_mw": 0.5}],
        demand=[("d1", 2026, 10), ("d2", 2026, 10)],
        service_costs=[("d1", "near", 0), ("d2", "near", 0.2), ("d2", "far", 0)],
    )
    assert result.summary["objective_usd"] == pytest.approx(15)
    served = result.service
    assert served[(served.demand_id == "d1") & (served.region_id == "far")].empty
    assert served.loc[served.demand_id == "d2", "region_id"].tolist() == ["far"]


def test_service_cost_is_charged_per_mw_year(tmp_path):
    """One region, service cost 3 per MW-year, 10 MW for two years, capex 1: 10 + 2 * 30 = 70."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r", "capex_usd_per_mw": 1}],
        demand=[("d", 2026, 10), ("d", 2027, 10)],
        service_costs=[("d", "r", 3)],
        last_year=2027,
    )
    assert result.summary["objective_usd"] == pytest.approx(70)


LATE_REGION = [{"region_id": "late", "capex_usd_per_mw": 2, "lead_time_years": 1}]
TWO_YEARS = [("d", 2026, 10), ("d", 2027, 10)]


def test_hard_demand_that_cannot_be_met_is_infeasible_and_says_why(tmp_path):
    result = run(tmp_path, regions=LATE_REGION, demand=TWO_YEARS, last_year=2027)
    assert result.summary["status"] == "infeasible"
    assert result.summary["objective_usd"] is None
    assert "2026" in result.summary["message"] and "'d'" in result.summary["message"]
    assert result.capacity.empty


def test_penalty_turns_shortfall_into_cost(tmp_path):
    """Penalty 7: 2026 unserved 10 MW = 70; 2027 build 10 MW at capex 2 = 20. Optimum 90."""
    result = run(tmp_path, regions=LATE_REGION, demand=TWO_YEARS, last_year=2027, unserved_penalty_usd_per_mw_year=7)
    assert result.summary["objective_usd"] == pytest.approx(90)
    assert result.unserved.to_dict("records") == [{"demand_id": "d", "year": 2026, "mw": 10.0}]


def test_penalty_below_build_cost_leaves_demand_unserved(tmp_path):
    """Penalty 1 per MW-year is cheaper than capex 2 for one year: all 20 MW-years unserved = 20."""
    result = run(tmp_path, regions=LATE_REGION, demand=TWO_YEARS, last_year=2027, unserved_penalty_usd_per_mw_year=1)
    assert result.summary["objective_usd"] == pytest.approx(20)
    assert result.unserved["mw"].sum() == pytest.approx(20)


def test_discounting_and_the_fixed_cost_in_the_opening_year(tmp_path):
    """rate 10%, 5 MW needed only in 2027: build then. capex 100*5/1.1 + opex 10*5/1.1 = 500, plus
    fixed 11 paid once, in 2027 when the site opens, discounted like the rest: 11/1.1 = 10. Total 510."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r", "capex_usd_per_mw": 100, "opex_usd_per_mw_year": 10, "fixed_cost_usd": 11}],
        demand=[("d", 2026, 0), ("d", 2027, 5)],
        last_year=2027,
        discount_rate=0.1,
    )
    assert result.summary["objective_usd"] == pytest.approx(510)
    assert capacity(result, "r", 2026) == 0
    fixed = result.costs[(result.costs["component"] == "fixed") & (result.costs["usd"] != 0)]
    assert fixed[["year", "usd"]].values.tolist() == [[2027, 11]]
    assert fixed["discounted_usd"].sum() == pytest.approx(10)
    assert result.costs.groupby("component")["discounted_usd"].sum()["capex"] == pytest.approx(500 / 1.1)


def test_the_fixed_cost_of_a_late_site_is_discounted_to_its_opening_year(tmp_path):
    """rate 10%, 10 MW needed only in 2028 (d = 1/1.21). Site `early` (no lead time) has fixed 1000 and capex
    10/MW; site `late` opens in 2028 at the earliest, fixed 1090, capex 0. Both open in 2028, so each cost is
    discounted by 1.21: early (1000 + 100) / 1.21 = 909.09, late 1090 / 1.21 = 900.83: late wins. (Booked
    undiscounted in the first year, early would have won: 1000 + 100/1.21 = 1082.6 < 1090.)"""
    result = run(
        tmp_path,
        regions=[
            {"region_id": "early", "fixed_cost_usd": 1000, "capex_usd_per_mw": 10},
            {"region_id": "late", "fixed_cost_usd": 1090, "lead_time_years": 2},
        ],
        demand=[("d", 2026, 0), ("d", 2028, 10)],
        last_year=2028,
        discount_rate=0.1,
    )
    assert result.summary["objective_usd"] == pytest.approx(1090 / 1.21)
    assert capacity(result, "late", 2028) == 10 and capacity(result, "early", 2028) == 0


def test_a_modular_site_pays_its_fixed_cost_in_the_year_it_builds(tmp_path):
    """No discounting, so opening in 2026 and building in 2027 would cost the same as both in 2027:
    fixed 10 + capex 2 * 40 (one module) + opex 1 * 40 in 2027 = 130 either way (building in 2026 too
    would add 40 of opex). The row capacity >= module * opening keeps the fixed cost in 2027, the
    first year with capacity (where costs.csv and capacity.csv agree)."""
    result = run(
        tmp_path,
        regions=[
            {"region_id": "m", "capex_usd_per_mw": 2, "opex_usd_per_mw_year": 1, "fixed_cost_usd": 10, "module_mw": 40}
        ],
        demand=[("d", 2026, 0), ("d", 2027, 30)],
        last_year=2027,
        discount_rate=0.0,
    )
    assert result.summary["objective_usd"] == pytest.approx(130)
    fixed = result.costs[(result.costs["component"] == "fixed") & (result.costs["usd"] != 0)]
    assert fixed[["year", "usd"]].values.tolist() == [[2027, 10]]
    assert capacity(result, "m", 2026) == 0 and capacity(result, "m", 2027) == pytest.approx(40)


def test_fixed_cost_prefers_one_site_over_two(tmp_path):
    """Fixed 100 per site: one site with capex 2 (100 + 20) beats splitting across two sites."""
    result = run(
        tmp_path,
        regions=[
            {"region_id": "a", "capex_usd_per_mw": 1, "fixed_cost_usd": 100, "max_mw": 5},
            {"region_id": "b", "capex_usd_per_mw": 2, "fixed_cost_usd": 100},
        ],
        demand=[("d", 2026, 10)],
    )
    assert result.summary["objective_usd"] == pytest.approx(120)
    assert capacity(result, "a", 2026) == 0


@pytest.mark.parametrize(("need", "status"), [(0, "optimal"), (5, "infeasible")])
def test_a_demand_centre_no_region_may_serve(tmp_path, need, status):
    """d2 has no service pair: with no demand it changes nothing; with demand the model has no solution."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r", "capex_usd_per_mw": 1}],
        demand=[("d1", 2026, 10), ("d2", 2026, need)],
        service_costs=[("d1", "r", 0)],
    )
    assert result.summary["status"] == status
    if status == "infeasible":
        assert "'d2' needs 5 MW in 2026" in result.summary["message"]
    else:
        assert result.summary["objective_usd"] == pytest.approx(10)


def test_solves_with_different_thread_counts_in_one_process(tmp_path):
    """HiGHS sizes one thread scheduler per process; a later solve with another count must still work."""
    scenario = load_scenario(
        write_scenario(tmp_path / "t", regions=[{"region_id": "r", "capex_usd_per_mw": 2}], demand=[("d", 2026, 5)])
    )
    for threads in (2, 1, 2):
        result = solve(scenario.with_solver(threads=threads))
        assert result.summary["status"] == "optimal" and result.summary["objective_usd"] == pytest.approx(10)


@pytest.mark.parametrize(("salvage", "expected"), [(None, 3000), ("straight_line", 1000)])
def test_salvage_values_a_last_year_build_by_its_life_left(tmp_path, salvage, expected):
    """10 MW needed only in 2027, the last year; capex 1000/MW with a 10-year life, unserved 300 per MW-year.
    Without salvage a build costs its full 10,000 for one year of service, so the 10 MW go unserved: 3000
    (the end-of-horizon artefact). With straight-line salvage, 9 of its 10 years are left after 2027 and
    credited in 2027: 10,000 - 9,000 = 1000 < 3000, so it is built."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r", "capex_usd_per_mw": 1000, "asset_life_years": 10}],
        demand=[("d", 2026, 0), ("d", 2027, 10)],
        last_year=2027,
        unserved_penalty_usd_per_mw_year=300,
        salvage=salvage,
    )
    assert result.summary["objective_usd"] == pytest.approx(expected)
    assert capacity(result, "r", 2027) == (10 if salvage == "straight_line" else 0)


def test_salvage_credits_life_left_in_the_last_year_discounted(tmp_path):
    """10 MW from 2026 to 2027 at capex 100/MW, 4-year life, rate 10%. Built in 2026 (1000), it serves 2 of
    its 4 years in the horizon: half its capex, 500, is credited in 2027, discounted: 500 / 1.1.
    Total 1000 - 454.55 = 545.45."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r", "capex_usd_per_mw": 100, "asset_life_years": 4}],
        demand=[("d", 2026, 10), ("d", 2027, 10)],
        last_year=2027,
        discount_rate=0.1,
        salvage="straight_line",
    )
    assert result.summary["objective_usd"] == pytest.approx(1000 - 500 / 1.1)
    credit = result.costs[result.costs["component"] == "salvage"]
    assert credit[["year", "usd"]].values.tolist() == [[2027, -500]]
