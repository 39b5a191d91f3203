"""formulations/tightening.py: its rows keep the optimum (hand-computed, or by enumeration), with and
without them, and callers that restrict single regions build without them."""

from __future__ import annotations

import pytest
from conftest import REPO
from pyomo.repn import generate_standard_repn
from scenario_factory import write_scenario
from test_enumeration import assert_matches_enumeration, random_instance, write_instance
from test_marginals import probes

from formulations import build_model
from formulations.tightening import identical_regions
from optimizer import load_scenario, solve
from optimizer.highs import Settings, solve_problem
from optimizer.pipeline.matrix import ModelMatrix


def optimum(scenario, tightened: bool, relaxed: bool = False) -> float:
    """The objective at a zero MIP gap (or of the LP relaxation), with or without the tightening rows."""
    problem = ModelMatrix(build_model(scenario, tightened=tightened)).problem
    return solve_problem(problem.relaxed() if relaxed else problem, Settings(mip_rel_gap=0.0, threads=1)).objective


def _linear_terms(expr) -> tuple[list[float], list]:
    repn = generate_standard_repn(expr)
    return list(repn.linear_coefs), list(repn.linear_vars)


# a and b are the same but for their map position; c is dearer and continuous.
TWINS = [
    {"region_id": "a", "lat": 40.0, "fixed_cost_usd": 5, "capex_usd_per_mw": 1, "module_mw": 10, "max_mw": 10},
    {"region_id": "b", "lat": 35.0, "fixed_cost_usd": 5, "capex_usd_per_mw": 1, "module_mw": 10, "max_mw": 10},
    {"region_id": "c", "capex_usd_per_mw": 2, "max_mw": 100},
]


def test_demand_cover_keeps_the_optimum(tmp_path):
    """50 MW: m (40 MW modules, capex 1) and s (20 MW modules, capex 1.5), unserved at 2 per MW-year.
    One m module and 10 MW unserved: 40 + 20 = 60; m + s 70, two m 80, three s 90. So 60, with and
    without the cover rows. Rounded to 40 MW modules (f = 50/40 - 1 = 0.25) the cover reads
    m + 2 s + 4 unserved >= 80 (an s module counts as a whole 40 MW one, as f < 1/2); rounded to
    20 MW modules (f = 0.5), m + s + 2 unserved >= 60. The plan meets both with equality."""
    regions = [
        {"region_id": "m", "capex_usd_per_mw": 1, "module_mw": 40},
        {"region_id": "s", "capex_usd_per_mw": 1.5, "module_mw": 20},
    ]
    scenario = load_scenario(
        write_scenario(tmp_path / "case", regions=regions, demand=[("d", 2026, 50)], unserved_penalty_usd_per_mw_year=2)
    )
    model = build_model(scenario)
    expected = {40.0: (80, {"m": 1, "s": 2, "d": 4}), 20.0: (60, {"m": 1, "s": 1, "d": 2})}
    for size, (rhs, weights) in expected.items():
        cover = model.demand_cover[2026, size]
        assert cover.lower == pytest.approx(rhs) and cover.upper is None
        coefs, variables = _linear_terms(cover.body)
        assert {v.index()[0]: c for c, v in zip(coefs, variables)} == pytest.approx(weights)
    assert optimum(scenario, tightened=True) == pytest.approx(60)
    assert optimum(scenario, tightened=False) == pytest.approx(60)


def test_no_demand_cover_where_continuous_capacity_can_serve(tmp_path):
    regions = [{"region_id": "m", "module_mw": 40}, {"region_id": "c"}]
    scenario = load_scenario(write_scenario(tmp_path / "case", regions=regions, demand=[("d", 2026, 50)]))
    assert len(build_model(scenario).demand_cover) == 0


def test_demand_cover_is_left_out_under_benders(tmp_path):
    """Under Benders, unserved MW live in the service subproblems; a master row on them would stop the split."""
    regions = [{"region_id": "m", "module_mw": 40}, {"region_id": "s", "module_mw": 20}]
    folder = write_scenario(
        tmp_path / "case", regions=regions, demand=[("d", 2026, 50)], unserved_penalty_usd_per_mw_year=9
    )
    scenario = load_scenario(folder)
    assert len(build_model(scenario).demand_cover) == 2
    assert not hasattr(build_model(scenario.with_solver(method="benders")), "demand_cover")


def test_identical_regions_are_those_that_differ_only_on_the_map(tmp_path):
    assert identical_regions(load_scenario(REPO / "data" / "default")) == [["columbus_aep", "new_albany_aep"]]
    demand = [("d", 2026, 15)]
    assert identical_regions(load_scenario(write_scenario(tmp_path / "twins", regions=TWINS, demand=demand))) == [
        ["a", "b"]
    ]
    costs = [("d", "a", 0.0), ("d", "b", 0.5), ("d", "c", 0.0)]  # b now serves at a cost: no longer a twin of a
    apart = load_scenario(write_scenario(tmp_path / "apart", regions=TWINS, demand=demand, service_costs=costs))
    assert identical_regions(apart) == []


def test_identical_regions_in_order_keep_the_optimum(tmp_path):
    """15 MW: one twin (fixed 5, a 10 MW module at capex 1) and 5 MW from c (capex 2): 5 + 10 + 10 = 25;
    both twins 30; c alone 30. With the ordering rows the plan opens a, the twin listed first."""
    scenario = load_scenario(write_scenario(tmp_path / "case", regions=TWINS, demand=[("d", 2026, 15)]))
    assert optimum(scenario, tightened=True) == pytest.approx(25)
    assert optimum(scenario, tightened=False) == pytest.approx(25)
    capacity = solve(scenario).capacity.set_index("region_id")["capacity_mw"]
    assert capacity.to_dict() == pytest.approx({"a": 10, "b": 0, "c": 5})


def test_probe_of_the_second_twin_forces_only_that_twin(tmp_path):
    """The plan opens a (25, as above). Forcing b in costs nothing: b takes a's part. With the ordering
    rows, forcing b in would force a in too (30, +5), so probes build without them."""
    scenario = load_scenario(write_scenario(tmp_path / "case", regions=TWINS, demand=[("d", 2026, 15)]))
    row = probes(scenario, solve(scenario), ("b",)).iloc[0]
    assert row["forced"] == "in" and row["change_usd"] == pytest.approx(0)


@pytest.mark.parametrize("seed", range(8))
def test_random_instances_with_a_twin_match_enumeration(tmp_path, seed):
    """test_enumeration's seeded instances with a copy of region r0 (same data, same service cost):
    the tightened model's optimum equals the best plan found by enumeration."""
    inst = random_instance(seed)
    twin = inst["regions"][0] | {"region_id": "r0_twin"}
    inst["regions"].append(twin)
    inst["service_costs"].append(("d", "r0_twin", inst["service_costs"][0][2]))
    scenario = load_scenario(write_instance(inst, tmp_path / f"seed{seed}"))
    assert identical_regions(scenario) == [["r0", "r0_twin"]]
    assert_matches_enumeration(solve(scenario), inst)


def test_a_modular_site_is_bounded_by_its_whole_modules(tmp_path):
    """250 MW needed; a holds 250 MW in 100 MW modules (capex 1, fixed 10), so at most 200; c serves
    at capex 3, unserved MW cost 5. a's two modules and 50 MW from c: 210 + 150 = 360. With the
    bound in whole modules the LP relaxation finds 360 too (a's 250 MW within max_mw would give 260)."""
    regions = [
        {"region_id": "a", "max_mw": 250, "module_mw": 100, "capex_usd_per_mw": 1, "fixed_cost_usd": 10},
        {"region_id": "c", "capex_usd_per_mw": 3},
    ]
    folder = write_scenario(
        tmp_path / "case", regions=regions, demand=[("d", 2026, 250)], unserved_penalty_usd_per_mw_year=5
    )
    scenario = load_scenario(folder)
    model = build_model(scenario, tightened=False)
    assert model.capacity_mw["a", 2026].ub == 200 and model.capacity_mw["c", 2026].ub == 1000
    assert optimum(scenario, tightened=False) == pytest.approx(360)
    assert optimum(scenario, tightened=False, relaxed=True) == pytest.approx(360)
