"""MIP starts for HiGHS: an earlier plan's integer decisions, or the best plan near the LP relaxation.

`set_start`: begin a variant's solve from an earlier plan (what-if and batch runs, lead-time
re-solves). Only integer variables are given (which regions open, how many modules are added when):
HiGHS completes a partial solution by solving an LP over the other columns, and discards it when
that has no solution. A value the variant's bounds or fixings rule out (a build before a lengthened
lead time, more modules than a lowered site limit allows) is left out rather than handed to HiGHS.

`set_lp_neighbourhood_start` (RENS): measured on the benchmark instances, the LP relaxation of the
strengthened model is within about 0.1% of the optimum, so HiGHS mostly waits for a good plan: its
own neighbourhood search runs only after its root cut rounds, which take minutes at 1,000 sites.
Solving first the sub-MIP where every integer variable is held between the floor and ceiling of its
LP value (a much smaller problem) usually gives a plan within the target gap at once. Either start
only supplies a plan: the main solve still proves the gap with its own bound, and the optimum is unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
import pyomo.environ as pyo

from optimizer.highs_direct import HighsModel

TOLERANCE = 1e-6


def integer_values(model: pyo.ConcreteModel) -> dict[str, float]:
    """The integer variables of a solved model by name, e.g. {'open[abilene_wtx]': 1.0}."""
    return {
        var.name: float(round(var.value))
        for var in model.component_data_objects(pyo.Var)
        if var.is_integer() and var.value is not None
    }


def set_start(highs_model: HighsModel, model: pyo.ConcreteModel, start: Mapping[str, float]) -> dict[str, int]:
    """Hand `start` (name -> value) to HiGHS as a partial MIP solution; say what was given and dropped."""
    columns = {id(var): column for column, var in enumerate(highs_model.columns)}
    given: dict[int, float] = {}
    dropped = 0
    for var in model.component_data_objects(pyo.Var):
        value = start.get(var.name)
        if value is None:
            continue
        if _allowed(var, value):
            if id(var) in columns:  # a fixed variable is no column: it already holds its value
                given[columns[id(var)]] = value
        else:
            dropped += 1
    if given:
        index = np.fromiter(given, dtype=np.int32, count=len(given))
        highs_model.highs.setSolution(len(given), index, np.fromiter(given.values(), dtype=float, count=len(given)))
    return {"values_given": len(given), "values_dropped": dropped}


def _allowed(var: pyo.Var, value: float) -> bool:
    if var.fixed:
        return abs(var.value - value) <= TOLERANCE
    low, high = var.bounds
    return (low is None or value >= low - TOLERANCE) and (high is None or value <= high + TOLERANCE)


# The LP relaxation and sub-MIP may use at most this share of the time limit; the sub-MIP at most
# the LP's time plus a margin.
SHARE_OF_LIMIT = 0.25
MARGIN_S = 5.0
# Interior point without crossover: only the LP values matter here, and at 3,000 sites it took 56 s
# where dual simplex took 149 s (single runs on a shared machine).
RELAXATION_OPTIONS = {"solve_relaxation": True, "solver": "ipm", "run_crossover": "off"}
HIGHS_DEFAULTS = {"solve_relaxation": False, "solver": "choose", "run_crossover": "on"}


def set_lp_neighbourhood_start(
    highs_model: HighsModel, *, time_limit_s: float | None, options: dict, tee: bool = False
) -> bool:
    """Solve the LP relaxation and the sub-MIP around it; set its best plan as HiGHS's MIP start.

    Returns whether a start was set. Variable bounds are restored, so the model is unchanged.
    """
    highs = highs_model.highs
    started = time.perf_counter()
    budget = None if time_limit_s is None else SHARE_OF_LIMIT * time_limit_s
    relaxation = highs_model.run(time_limit_s=budget, options=options | RELAXATION_OPTIONS, tee=tee)
    for key, value in HIGHS_DEFAULTS.items():
        highs.setOptionValue(key, value)
    if relaxation.incumbent_objective is None:
        return False
    lp_seconds = time.perf_counter() - started
    budget = lp_seconds + MARGIN_S if budget is None else min(budget - lp_seconds, lp_seconds + MARGIN_S)
    if budget <= 0:
        return False

    x = np.asarray(highs.getSolution().col_value)
    lp = highs.getLp()
    integer = np.flatnonzero([v.is_integer() for v in highs_model.columns]).astype(np.int32)
    lower, upper = np.asarray(lp.col_lower_)[integer], np.asarray(lp.col_upper_)[integer]
    near_lower = np.maximum(np.floor(x[integer] + 1e-6), lower)
    near_upper = np.minimum(np.ceil(x[integer] - 1e-6), upper)
    highs.changeColsBounds(len(integer), integer, near_lower, near_upper)
    try:
        found = highs_model.run(time_limit_s=budget, options=options, tee=tee).incumbent_objective is not None
        plan = highs.getSolution()
    finally:
        highs.changeColsBounds(len(integer), integer, lower, upper)
    if found:
        highs.setSolution(plan)
    return found
