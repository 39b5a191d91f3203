"""Tightening: rows that keep the optimum and cut off fractional plans of the LP relaxation.

    demand_cover[t,m]:  sum_r w_r * capacity_mw[r,t] + sum_d unserved_mw[d,t] / f >= m * ceil(D_t / m)
        D_t = sum_d mw[d,t],  f = D_t/m - floor(D_t/m),  w_r = m (floor(c_r/m) + min(c_r/m - floor(c_r/m), f) / f) / c_r
        for each module size m among the regions that can serve in year t (c_r = module_mw[r]), where all of them are modular
    identical_in_order[a,b]:  open[a] >= open[b],   capacity_mw[a,last] >= capacity_mw[b,last]
The cover is the mixed-integer rounding of the service rows added up, sum_r capacity_mw[r,t] + sum_d unserved_mw[d,t] >= D_t,
with capacity in whole modules: the modules in service hold D_t rounded up to whole modules of m MW, or unserved MW make up the
missing remainder at 1/f each (f = 0: the plain sum), so no plan is cut off. Identical regions (a listed before b, every input
but the map position the same) can swap plans at the same cost: ordering them keeps an optimal plan and spares the search the
mirrored half of its tree.
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

INVESTMENTS: tuple[str, ...] = ()  # adds rows only, no variables (docs/formulation.md)
ROUND_OFF = 1e-9  # a share of a module below this is round-off
MAP_ONLY = ("lat", "lon")  # region columns that only place a region on the map (optimizer/pipeline/outputs.py)


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    _demand_cover(model, scenario)
    _identical_in_order(model, scenario)


def _demand_cover(model: pyo.ConcreteModel, scenario) -> None:
    """Per year with demand and per module size among the regions that can serve then, the rounded
    cover of the module docstring. Left out under Benders decomposition: there unserved MW belong
    to the service subproblems, and a master row on them would keep the model from splitting."""
    if scenario.solve_method == "benders":
        return
    needed = scenario.demand_mw.groupby("year")["mw"].sum()
    module_mw = scenario.regions.set_index("region_id")["module_mw"].dropna().to_dict()
    unserved = getattr(model, "unserved_mw", None)
    rows = {}
    for t in model.YEARS:
        serving = [r for r in model.REGIONS if not model.served_it_mw[r, t].fixed]
        # Continuous capacity makes up any remainder, so the rounding would cut off little, and the rows
        # only changed HiGHS's path (measured: 200-site bench instances, half continuous, slower with them).
        if needed.get(t, 0.0) <= 0 or not serving or any(r not in module_mw for r in serving):
            continue
        short = [unserved[d, t] for d in model.DEMANDS] if unserved is not None else []
        for size in sorted({module_mw[r] for r in serving}):
            rows[t, size] = _rounded_cover(model, t, serving, short, module_mw, size, float(needed[t]))
    model.demand_cover = pyo.Constraint(list(rows), rule=lambda m, t, size: rows[t, size])


def _rounded_cover(model, t: int, serving: list[str], short: list, module_mw: dict, size: float, mw: float):
    """capacity + unserved >= mw, rounded to whole modules of `size` MW (the mixed-integer rounding of
    the module docstring); the plain sum where `mw` is whole modules already."""
    fraction = mw / size - math.floor(mw / size)
    if fraction < ROUND_OFF:
        return pyo.quicksum([model.capacity_mw[r, t] for r in serving] + short) >= mw
    weights = [_module_weight(module_mw[r], size, fraction) for r in serving]
    terms = [w * model.capacity_mw[r, t] for r, w in zip(serving, weights)] + [v / fraction for v in short]
    return pyo.quicksum(terms) >= size * math.ceil(mw / size)


def _module_weight(module: float, size: float, fraction: float) -> float:
    """Weight per MW of a region's capacity in the rounded cover: a module of `module` MW counts as
    floor(module/size) whole modules of `size` plus min(its remainder, fraction) / fraction of one."""
    ratio = module / size
    whole = math.floor(ratio + ROUND_OFF)
    return size * (whole + min(max(ratio - whole, 0.0), fraction) / fraction) / module


def identical_regions(scenario) -> list[list[str]]:
    """Groups of two or more regions whose inputs are the same in every table but for region_id and the
    map position, in the order regions.csv lists them."""
    rows = scenario.regions.drop(columns=list(MAP_ONLY)).set_index("region_id").astype(str)
    groups = _grouped(rows.index, [tuple(values) for values in rows.itertuples(index=False, name=None)])
    for name, table in scenario.tables().items():
        if name == "regions" or "region_id" not in table:
            continue
        candidates = {r for group in groups for r in group}  # usually none: region rows alone tell most apart
        own = table[table["region_id"].isin(candidates)]
        by_region = {
            r: sorted(map(tuple, part.drop(columns="region_id").astype(str).itertuples(index=False, name=None)))
            for r, part in own.groupby("region_id", sort=False)
        }
        groups = [g for group in groups for g in _grouped(group, [tuple(by_region.get(r, ())) for r in group])]
    return groups


def _grouped(regions, keys: list) -> list[list[str]]:
    """The regions that share a key, in their order, where two or more do."""
    groups: dict = {}
    for r, key in zip(regions, keys):
        groups.setdefault(key, []).append(r)
    return [group for group in groups.values() if len(group) > 1]


def _identical_in_order(model: pyo.ConcreteModel, scenario) -> None:
    last = model.YEARS.last()
    pairs = [(a, b) for group in identical_regions(scenario) for a, b in zip(group, group[1:])]
    pairs = [(a, b) for a, b in pairs if not model.capacity_mw[a, last].fixed]  # else both can never build
    model.IDENTICAL_PAIRS = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    model.identical_open_in_order = pyo.Constraint(model.IDENTICAL_PAIRS, rule=lambda m, a, b: m.open[a] >= m.open[b])
    model.identical_capacity_in_order = pyo.Constraint(
        model.IDENTICAL_PAIRS, rule=lambda m, a, b: m.capacity_mw[a, last] >= m.capacity_mw[b, last]
    )
