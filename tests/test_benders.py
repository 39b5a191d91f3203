"""`solver.method: benders` (optimizer/highs/benders.py) reaches the whole model's optimum, proves its gap
with a valid bound, and solves the whole model where the decomposition does not apply."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO
from test_scale_equivalence import _assert_plan_meets_the_contract, _assert_reported_plan_is_sound

from bench.generate import InstanceSpec, write_instance
from formulations import build_model
from optimizer import load_scenario, solve
from optimizer.highs import Settings, benders, solve_problem
from optimizer.pipeline.matrix import ModelMatrix

CASES = [
    InstanceSpec(14, 3, 4, None, seed=1, mip_rel_gap=0.0),
    InstanceSpec(14, 3, 4, 900.0, seed=2, mip_rel_gap=0.0),
    InstanceSpec(16, 4, 5, None, seed=4, mip_rel_gap=0.0, modular_share=1.0),
    InstanceSpec(18, 4, 6, 700.0, seed=6, mip_rel_gap=0.0, penalty_usd_per_mw_year=2_000_000.0),
    InstanceSpec(30, 5, 8, None, seed=7, mip_rel_gap=0.0),
]


def _solved(scenario, method: str):
    scenario.config.solver.method = method
    return solve(scenario)


@pytest.mark.parametrize("spec", CASES, ids=lambda s: s.name)
def test_benders_reaches_the_whole_models_optimum(tmp_path, spec):
    scenario = load_scenario(write_instance(spec, tmp_path / spec.name))
    whole = _solved(scenario, "direct")
    split = _solved(scenario, "benders")
    assert "gridsite Benders" in split.solver_log and split.summary["solver"]["method"] == "benders"
    assert split.summary["status"] == "optimal"
    assert split.summary["objective_usd"] == pytest.approx(whole.summary["objective_usd"], rel=1e-6)
    assert split.summary["best_bound_usd"] <= whole.summary["objective_usd"] * (1 + 1e-9)  # a valid bound
    assert split.costs["discounted_usd"].sum() == pytest.approx(split.summary["objective_usd"], rel=1e-9)
    _assert_plan_meets_the_contract(scenario, split)


def test_benders_stops_at_the_requested_gap_with_a_bound_below_the_optimum(tmp_path):
    spec = InstanceSpec(40, 5, 8, None, seed=8, mip_rel_gap=0.002)
    scenario = load_scenario(write_instance(spec, tmp_path / spec.name))
    split = _solved(scenario, "benders").summary
    scenario.config.solver.mip_rel_gap = 0.0
    optimum = _solved(scenario, "direct").summary["objective_usd"]
    assert split["status"] == "optimal" and split["mip_gap"] <= 0.002
    assert split["best_bound_usd"] <= optimum * (1 + 1e-9) <= split["objective_usd"] * (1 + 1e-9)


def test_benders_cut_short_by_a_time_limit_reports_a_sound_plan_and_a_valid_bound(tmp_path):
    spec = InstanceSpec(80, 6, 12, None, seed=9, mip_rel_gap=0.0, time_limit_s=1.0)  # a zero gap takes longer
    scenario = load_scenario(write_instance(spec, tmp_path / spec.name))
    split = _solved(scenario, "benders")
    summary = split.summary
    assert summary["status"] in ("feasible", "time_limit_no_solution", "optimal")  # optimal: a fast machine
    if summary["status"] == "optimal":
        assert summary["mip_gap"] <= 1e-6  # proven, not just stopped
    else:
        assert summary["solver"]["termination"] == "maxTimeLimit"
    if summary["status"] != "time_limit_no_solution":
        _assert_reported_plan_is_sound(scenario, split)
        scenario.config.solver.time_limit_s = None
        whole = _solved(scenario, "direct").summary  # to a zero gap: the optimum
        assert summary["best_bound_usd"] <= whole["objective_usd"] * (1 + 1e-9) <= summary["objective_usd"] * (1 + 2e-9)


def _split(tmp_path, spec: InstanceSpec):
    model = build_model(load_scenario(write_instance(spec, tmp_path / spec.name)))
    matrix = ModelMatrix(model)
    return model, matrix, benders.Benders(matrix.problem, matrix.block_rows["service"], threads=1)


def test_the_service_subproblems_are_one_per_year_and_hold_every_arc_and_no_integer(tmp_path):
    spec = InstanceSpec(14, 3, 4, None, seed=2)  # every pair: each year's arcs are connected
    model, matrix, split = _split(tmp_path, spec)
    assert len(split.subs) == spec.years
    service = model.array_blocks["service"]
    first = next(first for block, first in matrix.blocks if block is service)
    arcs = np.arange(first, first + len(service.columns))
    assert np.isin(arcs, split.sub_cols).all()
    for sub in split.subs:  # each subproblem's arcs are of one year
        years = service.columns["year"].to_numpy()[sub.cols[np.isin(sub.cols, arcs)] - first]
        assert len(set(years)) == 1
    assert not matrix.problem.integer[split.sub_cols].any()


def test_a_short_latency_radius_splits_a_year_into_several_subproblems(tmp_path):
    spec = InstanceSpec(30, 3, 8, 400.0, seed=5, mip_rel_gap=0.0)
    _, _, split = _split(tmp_path, spec)
    assert len(split.subs) > spec.years
    scenario = load_scenario(tmp_path / spec.name)
    assert _solved(scenario, "benders").summary["objective_usd"] == pytest.approx(
        _solved(scenario, "direct").summary["objective_usd"], rel=1e-6
    )


def test_every_cut_under_estimates_its_subproblem_and_touches_it_at_its_plan(tmp_path):
    _, _, split = _split(tmp_path, InstanceSpec(20, 3, 5, None, seed=11))
    lp = split.master.getLp()
    lower, upper = np.asarray(lp.col_lower_), np.minimum(np.asarray(lp.col_upper_), 600.0)  # thetas: any value
    rng = np.random.default_rng(0)
    points = [lower + (upper - lower) * rng.random(len(lower)) for _ in range(6)]
    for x in points:
        _, cuts = split.evaluate(x)
        for y in points:
            _, at_y = split.evaluate(y)
            for cut, other in zip(cuts, at_y):
                estimate = cut.value + cut.gradient @ (y[cut.columns] - cut.at)
                assert estimate <= other.value * (1 + 1e-9) + 1e-6
        assert all(cut.value == pytest.approx(again.value) for cut, again in zip(cuts, split.evaluate(x)[1]))


def test_an_infeasible_model_is_reported_infeasible(tmp_path):
    spec = InstanceSpec(14, 3, 4, None, seed=1)
    scenario = load_scenario(write_instance(spec, tmp_path / spec.name))
    model = build_model(scenario)
    zone, year, limit = scenario.zone_limits.iloc[0][["zone_id", "year", "limit_mw"]]
    regions = scenario.regions.set_index("region_id")
    region = next(r for r in regions.index if regions.at[r, "zone_id"] == zone and not model.capacity_mw[r, year].fixed)
    model.capacity_mw[region, year].setlb(limit + 1.0)  # one site above its zone's limit: no plan
    outcome = solve_problem(ModelMatrix(model).problem, Settings(mip_rel_gap=0.0, threads=1, method="benders"))
    assert outcome.method == "benders" and "the master LP has no solution" in outcome.log
    assert outcome.termination == "provenInfeasible"


@pytest.mark.parametrize(
    "folder, why",
    [
        ("default", "a plan could leave a service row without a solution"),  # paths fix served MW
        ("no_penalty", "a plan could leave a service row without a solution"),  # no unserved column
    ],
)
def test_where_benders_does_not_apply_the_whole_model_is_solved(tmp_path, folder, why):
    if folder == "default":
        scenario = load_scenario(REPO / "data" / "default")
    else:
        spec = InstanceSpec(14, 3, 4, 900.0, seed=3, mip_rel_gap=0.0, penalty_usd_per_mw_year=None)
        scenario = load_scenario(write_instance(spec, tmp_path / spec.name))
    split = _solved(scenario, "benders")
    whole = _solved(scenario, "direct")
    assert "no Benders decomposition" in split.solver_log and why in split.solver_log
    assert split.summary["solver"]["method"] == whole.summary["solver"]["method"] == "direct"
    assert split.summary["status"] == whole.summary["status"] == "optimal"
    # Asked for Benders, the model is built without the demand cover rows (formulations/tightening.py),
    # so the whole-model run takes its own path: the two plans agree within the MIP gap.
    gap = scenario.config.solver.mip_rel_gap
    assert split.summary["objective_usd"] == pytest.approx(whole.summary["objective_usd"], rel=max(gap, 1e-6))


def test_auto_picks_the_whole_model_unless_it_would_not_fit_in_memory(tmp_path, monkeypatch):
    """solver.method auto: the whole model wherever it fits in the memory available (1,000 sites x 30
    centres, every pair, on any machine with 4 GB free); Benders where its estimate does not, or where
    every site choice is fixed in a large model, and Benders applies (a penalty, no paths), never for the default
    scenario (paths). Either way the same optimum."""
    from optimizer.inputs import scenario as contract

    def method(folder) -> str:
        return load_scenario(folder).solve_method

    big = write_instance(InstanceSpec(1000, 2, 30, None, seed=1), tmp_path / "big")
    dense = write_instance(InstanceSpec(60, 2, 40, None, seed=3, mip_rel_gap=0.0), tmp_path / "dense")
    # 1,000 x 30 pairs x 2 years at 4 kB an arc: 240 MB
    monkeypatch.setattr(contract, "available_memory_bytes", lambda: 4e9)
    assert method(big) == method(dense) == method(REPO / "data" / "default") == "direct"
    assert load_scenario(big).method_for(sites_fixed=True) == "benders"  # 60,000 arcs
    assert load_scenario(dense).method_for(sites_fixed=True) == "direct"  # 4,800 arcs: too few
    assert load_scenario(REPO / "data" / "default").method_for(sites_fixed=True) == "direct"
    # 60 x 40 pairs x 2 years: 19.2 MB, more than this machine has
    monkeypatch.setattr(contract, "available_memory_bytes", lambda: 19e6)
    assert method(dense) == method(big) == "benders" and method(REPO / "data" / "default") == "direct"
    near = write_instance(InstanceSpec(60, 2, 40, 600.0, seed=3), tmp_path / "near")  # a latency radius:
    assert method(near) == "direct"  # there Benders needed more memory than the whole model
    scenario = load_scenario(dense)
    auto = solve(scenario).summary
    assert auto["solver"]["method"] == "benders" and auto["solver"]["method_asked"] == "auto"
    whole = _solved(scenario, "direct").summary
    assert auto["objective_usd"] == pytest.approx(whole["objective_usd"], rel=1e-6)
