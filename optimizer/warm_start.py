"""A first incumbent for HiGHS: the best plan near the LP relaxation (RENS), passed as a MIP start.

On the benchmark instances the LP relaxation of the model is within about 0.1% of the optimum, so
HiGHS mostly waits for a plan within the gap, and its own neighbourhood search runs only after its
root cut rounds (about 100 s at 1,000 sites with an 800 km radius, in one run). The sub-MIP where
every integer variable stays between the floor and ceiling of its LP value is much smaller; in that
benchmark its plan was within the gap at once (17 s in all). It only supplies a starting plan:
the main solve still proves the gap with its own bound, and the optimum is unchanged.
"""

from __future__ import annotations

import time

import numpy as np

from optimizer.highs_direct import HighsModel

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
