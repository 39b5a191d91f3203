"""Solve a scenario with its sites fixed to a plan's, by the whole model and by Benders decomposition.

    gridsite solve FOLDER --out PLAN --no-limits --no-report --no-export
    python -m bench.sites_fixed FOLDER PLAN/capacity.csv [--gap 0.0025]

This is the solve `solver.method: auto` sends to Benders (Scenario.method_for): carrying a plan out
in an outcome of an uncertain scenario fixes every site choice, open[r], and leaves the builds and
the service to decide. A region is open where the plan's capacity.csv gives it capacity in some
year. The default gap is the outcome gap of a 0.1% target by outcomes (a quarter of 1%: the carry-
outs of the 1,000-site uncertainty bench). Prints, per method, build and solve seconds (one HiGHS
thread), HiGHS's termination, the plan's cost and the proven bound.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from formulations import build_model
from formulations.sites import all_sites_fixed
from optimizer import load_scenario
from optimizer.pipeline.deterministic import run_highs
from optimizer.pipeline.matrix import ModelMatrix


def solve_with_sites_fixed(folder: Path, opened: set[str], method: str, gap: float) -> dict:
    """Build the scenario's model with open[r] fixed to `opened` and solve it by `method`."""
    scenario = load_scenario(folder).with_solver(method=method, mip_rel_gap=gap, threads=1)
    started = time.perf_counter()
    model = build_model(scenario, tightened=False)  # as an outcome's model is built
    for region, var in model.open.items():
        var.fix(1.0 if region in opened else 0.0)
    assert all_sites_fixed(model)
    matrix = ModelMatrix(model)
    built = time.perf_counter()
    outcome = run_highs(matrix, scenario.solver, None)
    return {
        "method": method,
        "build_s": round(built - started, 1),
        "solve_s": round(time.perf_counter() - built, 1),
        "termination": outcome.termination,
        "objective_usd": outcome.objective,
        "best_bound_usd": outcome.bound,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="scenario folder")
    parser.add_argument("capacity", type=Path, help="a plan's capacity.csv (region_id, year, capacity_mw)")
    parser.add_argument("--gap", type=float, default=0.0025, help="relative MIP gap (default 0.25%%)")
    args = parser.parse_args()
    plan = pd.read_csv(args.capacity)
    opened = set(plan.loc[plan["capacity_mw"] > 0, "region_id"])
    print(f"{args.folder.name}: {len(opened)} regions open in the plan")
    for method in ("direct", "benders"):
        print(solve_with_sites_fixed(args.folder, opened, method, args.gap), flush=True)


if __name__ == "__main__":
    main()
