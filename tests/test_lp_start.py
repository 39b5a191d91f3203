"""The MIP start from the LP relaxation (optimizer/pipeline/lp_start.py, formulations.sites.lp_rounded):
the sites the relaxation leaves closed stay closed, those it opens fully open, each in its first year
with capacity; the start is a plan of the whole model and the whole solve still finds the optimum."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from scenario_factory import write_random_scenario, write_scenario

from formulations.sites import lp_rounded
from optimizer import load_scenario, solve
from optimizer.highs import Problem, Settings, solve_problem
from optimizer.pipeline.deterministic import compile_scenario


@pytest.fixture
def three_sites(tmp_path):
    """No discounting; 10 MW in 2026, 30 MW in 2027. `full` (max 10 MW, capex 1, fixed 1) is cheapest
    and serves 2026. `part` (capex 2, opex 0.1, fixed 100, max 100) costs 2 + 100/100 + 0.1 = 3.1 per MW
    in the LP relaxation (open[part] = 20/100), `dear` (capex 5, fixed 1) 5.001: the relaxation opens
    full (1) from 2026, part (0.2) from 2027 and not dear (0), at 11 + 40 + 2 + 20 = 73. Whole plans:
    full 11, plus dear 5 * 20 + 1 = 101 (112, the optimum) or part 100 + 40 + 2 = 142 (153, the best
    plan with dear closed)."""
    return load_scenario(
        write_scenario(
            tmp_path / "three",
            regions=[
                {"region_id": "full", "capex_usd_per_mw": 1, "fixed_cost_usd": 1, "max_mw": 10},
                {
                    "region_id": "part",
                    "capex_usd_per_mw": 2,
                    "opex_usd_per_mw_year": 0.1,
                    "fixed_cost_usd": 100,
                    "max_mw": 100,
                },
                {"region_id": "dear", "capex_usd_per_mw": 5, "fixed_cost_usd": 1},
            ],
            demand=[("d", 2026, 10), ("d", 2027, 30)],
            last_year=2027,
            discount_rate=0.0,
        )
    )


def test_the_rounding_keeps_the_relaxations_site_choices(three_sites):
    compiled = compile_scenario(three_sites)
    matrix, model = compiled.matrix, compiled.model
    relaxation = solve_problem(matrix.problem.relaxed(), Settings())
    assert relaxation.objective == pytest.approx(73)

    def lp_value(variables):
        return relaxation.col_value[matrix.columns_of(variables)]

    bounds = {(var.name, low, high) for var, low, high in lp_rounded(model, lp_value)}
    assert bounds == {
        ("open[full]", 1.0, 1.0),
        ("opening[full,2027]", 0.0, 0.0),  # each opens only in the relaxation's first year with capacity
        ("opening[part,2026]", 0.0, 0.0),  # part may open, in 2027
        ("open[dear]", 0.0, 0.0),
    }


def test_the_whole_solve_starts_from_the_restricted_plan_and_finds_the_optimum(three_sites):
    result = solve(three_sites)
    solver = result.summary["solver"]
    assert solver["mip_start"] == "lp_rounding" and solver["mip_start_accepted"] is True
    assert solver["lp_rounding"]["objective_usd"] == pytest.approx(153)  # dear closed: part serves
    assert result.summary["status"] == "optimal"
    assert result.summary["objective_usd"] == pytest.approx(112)
    capacity = result.capacity.set_index(["region_id", "year"])["capacity_mw"]
    assert capacity["dear", 2027] == pytest.approx(20) and capacity["part", 2027] == 0


def test_switched_off_there_is_no_start_and_the_same_optimum(three_sites):
    result = solve(three_sites.with_solver(lp_start=False))
    assert result.summary["solver"]["mip_start"] is None and result.summary["solver"]["mip_start_accepted"] is None
    assert "lp_rounding" not in result.summary["solver"]
    assert result.summary["objective_usd"] == pytest.approx(112)


def test_the_start_is_a_plan_of_the_whole_model(tmp_path):
    """On a seeded instance with fixed costs, modules, lead times and zone limits, the start's cost is
    at least the whole solve's proven bound, and the optimum is the same with and without it."""
    scenario = load_scenario(write_random_scenario(tmp_path / "random", regions=12, demands=4, years=5, seed=3))
    scenario = scenario.with_solver(mip_rel_gap=0.0)
    with_start, without = solve(scenario), solve(scenario.with_solver(lp_start=False))
    start = with_start.summary["solver"]["lp_rounding"]["objective_usd"]
    assert start is not None
    assert start >= with_start.summary["best_bound_usd"] - 1e-6 * abs(start)
    assert with_start.summary["objective_usd"] == pytest.approx(without.summary["objective_usd"], rel=1e-9)
    assert np.isfinite(with_start.summary["objective_usd"])


def test_a_start_is_reported_taken_only_when_highs_takes_it():
    """max x0 + 1.2 x1 + 0.7 x2 with x0 + x1 + x2 <= 2.5, x0 - x1 + x2/2 in [-1, 1.5], x integer in [0, 3]:
    the start (3, 3, 0) breaks the first row and (1, 1, 0) is a plan; either way the optimum is 2.2."""
    rows = scipy.sparse.csc_matrix(np.array([[1.0, 1.0, 1.0], [1.0, -1.0, 0.5]]))
    problem = Problem(
        np.array([-1.0, -1.2, -0.7]), 0.0, rows, np.zeros(3), np.full(3, 3.0),
        np.array([-np.inf, -1.0]), np.array([2.5, 1.5]), np.ones(3, dtype=bool),
    )  # fmt: skip
    taken = {}
    for name, start in {"broken": {0: 3.0, 1: 3.0, 2: 0.0}, "plan": {0: 1.0, 1: 1.0, 2: 0.0}}.items():
        outcome = solve_problem(problem, Settings(mip_rel_gap=0.0), start=start)
        assert outcome.objective == pytest.approx(-2.2)
        taken[name] = outcome.start_accepted
    assert taken == {"broken": False, "plan": True}
