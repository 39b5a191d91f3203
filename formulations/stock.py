"""Stocks built up over the years: MW in service accumulate what is added, in whole modules where set.

    level[k,t] = level[k,t-1] + added[k,t]                    (level[k,first-1] = 0; both in [0, upper[k]])
    added[k,t] = module_mw[k] * count[k,t], count integer     (keys with a module size)
    added[k,t] = count[k,t] = 0 for t before k's first build year   (fixings: a lead time adds no rows)
Sites keep IT capacity per region this way (formulations/sites.py, lead_times.py), interconnection
the MW of each path (formulations/interconnection.py). A key k is a region or a (region, path) pair.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pyomo.environ as pyo


@dataclass(frozen=True)
class Stock:
    """The model names of one stock's components."""

    level: str  # Var[k, t]: MW in service
    added: str  # Var[k, t]: MW added
    count: str  # integer Var[k, t]: modules added (modular keys only)
    modular: str  # Set of the keys with a module size
    accumulates: str  # Constraint[k, t]
    in_modules: str  # Constraint[k, t]


def whole_modules(mw: float, module_mw: float) -> int:
    """How many whole modules fit in `mw` (tolerant of round-off, e.g. 300 / 100)."""
    return math.floor(mw / module_mw + 1e-9)


def add_stock(model: pyo.ConcreteModel, stock: Stock, keys, upper: Mapping, module_mw: Mapping) -> None:
    """Add `stock`'s variables and rows over `keys` x YEARS, with MW bounds `upper[k]` and module sizes."""
    first = model.YEARS.first()
    bounds = lambda m, *index: (0, upper[_key(index)])  # noqa: E731 - one rule for both variables
    level = _add(model, stock.level, pyo.Var(keys, model.YEARS, bounds=bounds))
    added = _add(model, stock.added, pyo.Var(keys, model.YEARS, bounds=bounds))

    def accumulate(m, *index):
        *key, t = index
        before = level[(*key, t - 1)] if t > first else 0
        return level[index] == before + added[index]

    _add(model, stock.accumulates, pyo.Constraint(keys, model.YEARS, rule=accumulate))
    modular = _add(model, stock.modular, pyo.Set(initialize=list(module_mw), dimen=keys.dimen, ordered=True))
    count = _add(
        model,
        stock.count,
        pyo.Var(
            modular,
            model.YEARS,
            within=pyo.NonNegativeIntegers,
            bounds=lambda m, *index: (0, whole_modules(upper[_key(index)], module_mw[_key(index)])),
        ),
    )
    _add(
        model,
        stock.in_modules,
        pyo.Constraint(
            modular, model.YEARS, rule=lambda m, *index: added[index] == module_mw[_key(index)] * count[index]
        ),
    )


def fix_before(model: pyo.ConcreteModel, stock: Stock, first_build_year: Mapping) -> None:
    """Fix what `stock` adds (MW and modules) to 0 in the years before each key's first build year."""
    added, count, modular = (getattr(model, name) for name in (stock.added, stock.count, stock.modular))
    for index, var in added.items():
        key = _key(index)
        if index[-1] < first_build_year[key]:
            var.fix(0)
            if key in modular:
                count[index].fix(0)


def _key(index: tuple):
    """The key of a (key..., year) index: a region, or a (region, path) pair."""
    return index[0] if len(index) == 2 else index[:-1]


def _add(model: pyo.ConcreteModel, name: str, component):
    model.add_component(name, component)
    return component
