"""Objective: minimise the sum of the recorded cost terms, each discounted to the first year.

    minimise  sum over terms (component, region, year) of d_t * cost,   d_t = (1 + discount_rate)^-(t - first_year)
Whose cost: under cost_perspective developer, the terms other ratepayers bear (BORNE_BY_OTHERS) are recorded
but left out; under system they count too.
Modules record terms with `add_cost`; results report each term, so costs.csv sums to the objective.
Array blocks (formulations/arrays.py) carry yearly costs per column and on Pyomo variables; their
weights d_t are set here too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

# Investment decisions among the Pyomo variables (none); docs/formulation.md
INVESTMENTS: tuple[str, ...] = ()
NO_REGION = ""  # region key of costs that belong to no region (e.g. unserved demand)
# Cost components in the order tables and reports list them (costs.csv, the summary, the siting report).
COMPONENTS = (
    "fixed", "capex", "opex", "service", "unserved", "interconnection", "request", "onsite_generation",
    "curtailment", "energy", "demand_charge", "capacity_charge", "min_take_shortfall", "upgrade", "socialized_upgrade",
    "carbon", "water", "salvage",
)  # fmt: skip
# Components other ratepayers bear (their share of network upgrades): in the objective only from the system's view.
BORNE_BY_OTHERS = ("socialized_upgrade",)


def counted(component: str, cost_perspective: str) -> bool:
    """Whether a cost component is in the objective from this perspective (developer or system)."""
    return cost_perspective == "system" or component not in BORNE_BY_OTHERS


@dataclass(frozen=True)
class Goal:
    """A quantity a user may trade off against cost (Pareto studies): a linear expression of the
    model, in `unit` (the suffix of its column in pareto.csv)."""

    unit: str
    expression: object  # a linear Pyomo expression


def discount_factor(discount_rate: float, first_year: int, year: int) -> float:
    return (1.0 + discount_rate) ** -(year - first_year)


def add_cost(model: pyo.ConcreteModel, component: str, region: str, year: int, usd) -> None:
    """Record `usd` (a Pyomo expression) as cost `component` of `region` in `year`."""
    if isinstance(usd, (int, float)) and usd == 0:
        return
    key = (component, region, year)
    model.cost_terms[key] = model.cost_terms[key] + usd if key in model.cost_terms else usd


def scaled(factor: float, usd):
    """factor * usd, with the factor folded into each term of a linear sum (a named one's too).

    Pyomo keeps factor * (a + b) as a product node, which its compiler walks several times slower
    than a flat sum (measured: about 1 s per 90k cost terms at 3,000 sites)."""
    if not factor:
        return 0.0  # like Pyomo's 0 * expression; add_cost records no such term
    if getattr(usd, "is_named_expression_type", lambda: False)():
        usd = usd.expr
    if isinstance(usd, LinearExpression):
        return LinearExpression([factor * term for term in usd.args])
    return factor * usd


def _discounted(table: pd.DataFrame, factor: dict) -> np.ndarray:
    """A table's yearly `usd` per unit, weighted by its year's discount factor."""
    return table["usd"].to_numpy(float) * table["year"].map(factor).to_numpy(float)


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    config = scenario.config
    factor = {t: discount_factor(config.discount_rate, config.first_year, t) for t in model.YEARS}
    model.discount_factor = pyo.Param(model.YEARS, initialize=factor)
    for block in model.array_blocks.values():
        block.objective = _discounted(block.columns, factor)
        block.priced_objective = _discounted(block.priced, factor)
    model.total_cost = pyo.Objective(
        expr=pyo.quicksum(
            scaled(factor[t], usd)
            for (component, _, t), usd in model.cost_terms.items()
            if counted(component, config.cost_perspective)
        )
    )


def goals(model: pyo.ConcreteModel, scenario) -> dict[str, Goal]:
    """ratepayer_cost: what other ratepayers bear (their share of network upgrades), discounted like
    every cost, whichever cost perspective the objective takes."""
    terms = [
        scaled(pyo.value(model.discount_factor[t]), usd)
        for (component, _, t), usd in model.cost_terms.items()
        if component in BORNE_BY_OTHERS
    ]
    return {"ratepayer_cost": Goal("usd", pyo.quicksum(terms))} if terms else {}
