"""Seeded random small instances: the solver's optimum equals the best plan found by enumeration.

Every region is modular, so a plan is a count of modules added per region and year; for a fixed
plan, serving one demand centre optimally is greedy (cheapest service cost first, and only while
it is cheaper than the unserved penalty). Enumerating all plans gives an independent optimum.
"""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import pytest
from scenario_factory import write_scenario

from formulations.lead_times import first_build_year
from formulations.objective import discount_factor
from optimizer import load_scenario, solve

YEARS = [2026, 2027]


def random_instance(seed: int) -> dict:
    rng = random.Random(seed)
    regions = []
    for i in range(3):
        module = rng.choice([20, 30, 50])
        regions.append(
            {
                "region_id": f"r{i}",
                "zone_id": "Z" if i == 0 else rng.choice(["Z", "Y"]),
                "max_mw": module * rng.choice([1, 2]),
                "module_mw": module,
                "fixed_cost_usd": rng.choice([0, 15, 40]),
                "capex_usd_per_mw": rng.choice([1, 2, 3]),
                "opex_usd_per_mw_year": rng.choice([0, 0.5, 1]),
                "lead_time_years": rng.choice([0, 0, 1]),
            }
        )
    return {
        "regions": regions,
        "demand": [("d", t, rng.choice([10, 25, 40, 60])) for t in YEARS],
        "service_costs": [("d", r["region_id"], rng.choice([0, 0.5, 2])) for r in regions],
        "zone_limits": [("Z", 2027, rng.choice([30, 60, 200]))],
        "discount_rate": rng.choice([0.0, 0.05]),
        "unserved_penalty_usd_per_mw_year": rng.choice([None, 1.5, 4]),
    }


def enumerate_optimum(inst: dict) -> float | None:
    regions = inst["regions"]
    demand = {t: mw for _, t, mw in inst["demand"]}
    service = {r: c for _, r, c in inst["service_costs"]}
    limit = {t: mw for _, t, mw in inst["zone_limits"]}
    penalty = inst["unserved_penalty_usd_per_mw_year"]
    options = []
    for r in regions:
        most = math.floor(r["max_mw"] / r["module_mw"])
        opens = first_build_year(YEARS[0], r["lead_time_years"])
        plans = [
            p
            for p in itertools.product(range(most + 1), repeat=len(YEARS))
            if sum(p) <= most and all(n == 0 for n, t in zip(p, YEARS) if t < opens)
        ]
        options.append(plans)
    best = None
    for plan in itertools.product(*options):
        cost = 0.0
        feasible = True
        for r, modules in zip(regions, plan):
            if sum(modules):  # the fixed cost falls in the year of the first module
                opened = next(t for n, t in zip(modules, YEARS) if n)
                cost += r["fixed_cost_usd"] * discount_factor(inst["discount_rate"], YEARS[0], opened)
        for k, t in enumerate(YEARS):
            factor = discount_factor(inst["discount_rate"], YEARS[0], t)
            cap = {r["region_id"]: r["module_mw"] * sum(m[: k + 1]) for r, m in zip(regions, plan)}
            in_zone = sum(cap[r["region_id"]] for r in regions if r["zone_id"] == "Z")
            if t in limit and in_zone > limit[t] + 1e-9:
                feasible = False
                break
            year_cost = sum(r["capex_usd_per_mw"] * r["module_mw"] * m[k] for r, m in zip(regions, plan))
            year_cost += sum(r["opex_usd_per_mw_year"] * cap[r["region_id"]] for r in regions)
            left = demand[t]
            for rid in sorted(cap, key=service.get):
                if penalty is not None and service[rid] >= penalty:
                    break
                take = min(left, cap[rid])
                year_cost += service[rid] * take
                left -= take
            if left > 1e-9 and penalty is None:
                feasible = False
                break
            year_cost += (penalty or 0) * left
            cost += factor * year_cost
        if feasible and (best is None or cost < best):
            best = cost
    return best


@pytest.mark.parametrize("seed", range(25))
def test_solver_matches_enumeration(tmp_path, seed):
    inst = random_instance(seed)
    assert_matches_enumeration(solve(load_scenario(write_instance(inst, tmp_path / f"seed{seed}"))), inst)


def write_instance(inst: dict, folder: Path) -> Path:
    """A random_instance written as a scenario folder."""
    penalty = inst["unserved_penalty_usd_per_mw_year"]
    return write_scenario(
        folder,
        regions=inst["regions"],
        demand=inst["demand"],
        service_costs=inst["service_costs"],
        zone_limits=inst["zone_limits"],
        last_year=YEARS[-1],
        discount_rate=inst["discount_rate"],
        **({"unserved_penalty_usd_per_mw_year": penalty} if penalty is not None else {}),
    )


def assert_matches_enumeration(result, inst: dict) -> None:
    """The solve found the enumerated optimum, or proved infeasible where enumeration found no plan."""
    expected = enumerate_optimum(inst)
    if expected is None:
        assert result.summary["status"] == "infeasible"
    else:
        assert result.summary["status"] == "optimal"
        assert result.summary["objective_usd"] == pytest.approx(expected, rel=1e-7, abs=1e-6)
