"""Stocks built up over the years: MW in service never fall, and grow in whole modules where set.

    added[k,t] = level[k,t] - level[k,t-1] >= 0                 (level[k,first-1] = 0; level in [0, upper[k]])
    added[k,t] = module_mw[k] * count[k,t], count integer       (keys with a module size; replaces the row above)
    level[k,t] = count[k,t] = 0 for t before k's first build year   (fixings: a lead time adds no rows)
`added` is not a variable but the difference of two levels (`additions`): at most one row per key and year (none for added >= 0 in
the first year, where the level's bound says it), kept as an array block (formulations/arrays.py).
Sites keep IT capacity per region this way (formulations/sites.py, lead_times.py), interconnection
the MW of each path (formulations/interconnection.py). A key k is a region or a (region, path) pair.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from formulations.arrays import ArrayBlock, rows_only
from formulations.values import cleaned


@dataclass(frozen=True)
class Stock:
    """The model names of one stock's components."""

    level: str  # Var[k, t]: MW in service
    count: str  # integer Var[k, t]: modules added (modular keys only)
    modular: str  # Set of the keys with a module size
    grows: str  # array block (model.array_blocks) of the rows added >= 0, or added = whole modules


def first_build_year(first_year: int, lead_time_years: float) -> int:
    """The first year a key with this lead time can add MW (a fractional lead time rounds up)."""
    return first_year + math.ceil(lead_time_years - 1e-9)


def whole_modules(mw: float, module_mw: float) -> int:
    """How many whole modules fit in `mw` (tolerant of round-off, e.g. 300 / 100)."""
    return math.floor(mw / module_mw + 1e-9)


def add_stock(model: pyo.ConcreteModel, stock: Stock, keys, upper: Mapping, module_mw: Mapping) -> None:
    """Add `stock`'s variables and rows over `keys` x YEARS, with MW bounds `upper[k]` and module sizes.
    A modular key's level is bounded by the whole modules that fit in `upper[k]`: it can hold no more."""
    upper = {k: module_mw[k] * whole_modules(mw, module_mw[k]) if k in module_mw else mw for k, mw in upper.items()}
    level = _add(model, stock.level, pyo.Var(keys, model.YEARS, bounds=lambda m, *index: (0, upper[_key(index)])))
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
    model.array_blocks[stock.grows] = _grows_rows(model, level, count, module_mw)


def _grows_rows(model: pyo.ConcreteModel, level: pyo.Var, count: pyo.Var, module_mw: Mapping) -> ArrayBlock:
    """The rows `added >= 0` (none in the first year, where the level's bound says it) and
    `added = module_mw * count`, as an array block on the stock's Pyomo variables: as Pyomo rows they
    took about a fifth of build and hand-off at 1,000 sites (measured)."""
    lower, upper, coupling = [], [], []
    for index, terms in additions(model, level):
        key = _key(index)
        modular = key in module_mw
        if len(terms) == 1 and not modular:
            continue
        row = len(lower)
        coupling += [(row, var, coef) for var, coef in terms]
        if modular:
            coupling.append((row, count[index], -module_mw[key]))
        lower.append(0.0)
        upper.append(0.0 if modular else math.inf)
    return rows_only(lower, upper, coupling)


def additions(model: pyo.ConcreteModel, level: pyo.Var) -> Iterator[tuple[tuple, list[tuple[pyo.Var, float]]]]:
    """Per index (key..., year) of a stock's `level`, in order: the MW added there as (variable,
    coefficient) terms, level[k,t] - level[k,t-1] (the level alone in the first year)."""
    first = model.YEARS.first()
    previous, previous_index = None, None
    for index, var in level.items():  # key by key, years ascending (YEARS is ordered)
        if index[-1] == first:
            yield index, [(var, 1.0)]
        elif previous_index == _before(index):
            yield index, [(var, 1.0), (previous, -1.0)]
        else:
            raise ValueError(f"{level.name}: {index} does not follow the year before it")
        previous, previous_index = var, index


def stock_table(model: pyo.ConcreteModel, stock: Stock, key_columns: list[str]) -> pd.DataFrame:
    """Per key and year of a solved model: MW added and in service (`added_mw`, `capacity_mw`)."""
    level = getattr(model, stock.level)
    table = pd.DataFrame([(*index, var.value) for index, var in level.items()], columns=[*key_columns, "year", "mw"])
    mw = table.pop("mw").fillna(0.0)
    before = mw.groupby([table[c] for c in key_columns], sort=False).shift(fill_value=0.0)  # years ascend per key
    return table.assign(added_mw=cleaned(mw - before), capacity_mw=cleaned(mw))


def fix_before(model: pyo.ConcreteModel, stock: Stock, first_build_year: Mapping) -> None:
    """Fix `stock` (MW and modules) to 0 in the years before each key's first build year."""
    level, count, modular = (getattr(model, name) for name in (stock.level, stock.count, stock.modular))
    for index, var in level.items():
        key = _key(index)
        if index[-1] < first_build_year[key]:
            var.fix(0)
            if key in modular:
                count[index].fix(0)


def _key(index: tuple):
    """The key of a (key..., year) index: a region, or a (region, path) pair."""
    return index[0] if len(index) == 2 else index[:-1]


def _before(index: tuple) -> tuple:
    return (*index[:-1], index[-1] - 1)


def _add(model: pyo.ConcreteModel, name: str, component):
    model.add_component(name, component)
    return component
