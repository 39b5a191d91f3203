"""MIP starts for HiGHS: an earlier plan's integer decisions.

`start_columns`: begin a variant's solve from an earlier plan (what-if and batch runs, lead-time
re-solves). Only integer variables are given (which regions open, how many modules are added when):
HiGHS completes a partial solution by solving an LP over the other columns, and discards it when
that has no solution. A value the variant's bounds or fixings rule out (a build before a lengthened
lead time, more modules than a lowered site limit allows) is left out rather than handed to HiGHS.
The start only supplies a plan: the solve still proves the gap with its own bound.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from optimizer.pipeline.matrix import ModelMatrix

TOLERANCE = 1e-6


def integer_values(model: pyo.ConcreteModel) -> dict[str, float]:
    """The integer variables of a solved model by name, e.g. {'open[abilene_wtx]': 1.0}."""
    return {
        var.name: float(round(var.value))
        for var in model.component_data_objects(pyo.Var)
        if var.is_integer() and var.value is not None
    }


def start_columns(matrix: ModelMatrix, start: Mapping[str, float]) -> tuple[dict[int, float], dict[str, int]]:
    """`start` (name -> value) as a partial MIP solution (column -> value) for optimizer.highs, and
    how many values were given and dropped."""
    columns = {id(var): column for column, var in enumerate(matrix.columns)}
    given: dict[int, float] = {}
    dropped = 0
    for var in matrix.model.component_data_objects(pyo.Var):
        value = start.get(var.name)
        if value is None:
            continue
        if _allowed(var, value):
            if id(var) in columns:  # a fixed variable is no column: it already holds its value
                given[columns[id(var)]] = value
        else:
            dropped += 1
    return given, {"values_given": len(given), "values_dropped": dropped}


def _allowed(var: pyo.Var, value: float) -> bool:
    if var.fixed:
        return abs(var.value - value) <= TOLERANCE
    low, high = var.bounds
    return (low is None or value >= low - TOLERANCE) and (high is None or value <= high + TOLERANCE)
