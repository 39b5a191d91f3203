"""MIP starts: begin a variant's solve from an earlier plan's integer decisions.

Pyomo's `pyomo.contrib.solver` HiGHS interface (6.10) takes no warm start, so the start is set on the
highspy object underneath it (`opt._solver_model`), after `set_instance` and before `solve`. Only the
integer variables are given (which regions open, how many modules are added when): HiGHS completes a
partial solution by solving an LP over the other columns, and discards it when that has no solution.
A value the variant's bounds or fixings rule out (a build before a lengthened lead time, more modules
than a lowered site limit allows) is left out rather than handed to HiGHS.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs

TOLERANCE = 1e-6


def integer_values(model: pyo.ConcreteModel) -> dict[str, float]:
    """The integer variables of a solved model by name, e.g. {'open[abilene_wtx]': 1.0}."""
    return {
        var.name: float(round(var.value))
        for var in model.component_data_objects(pyo.Var)
        if (var.is_integer() or var.is_binary()) and var.value is not None
    }


def set_start(opt: Highs, model: pyo.ConcreteModel, start: Mapping[str, float]) -> dict[str, int]:
    """Hand `start` (name -> value) to HiGHS as a partial MIP solution; say what was given and dropped."""
    columns = opt._pyomo_var_to_solver_var_map  # private: the only way from a Pyomo variable to its column
    given: dict[int, float] = {}
    dropped = 0
    for var in model.component_data_objects(pyo.Var):
        value = start.get(var.name)
        if value is None:
            continue
        if _allowed(var, value):
            given[columns[id(var)]] = value
        else:
            dropped += 1
    if given:
        index = np.fromiter(given, dtype=np.int32, count=len(given))
        opt._solver_model.setSolution(len(given), index, np.fromiter(given.values(), dtype=float, count=len(given)))
    return {"values_given": len(given), "values_dropped": dropped}


def _allowed(var: pyo.Var, value: float) -> bool:
    if var.fixed:
        return abs(var.value - value) <= TOLERANCE
    low, high = var.bounds
    return (low is None or value >= low - TOLERANCE) and (high is None or value <= high + TOLERANCE)
