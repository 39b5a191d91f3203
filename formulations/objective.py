"""Objective: minimise one-off costs plus discounted yearly costs.

    minimise  sum_k one_off[k] + sum_t d_t * sum_k yearly[k](t),   d_t = (1 + discount_rate)^-(t - first_year)
`cost_usd[k]` holds each component's discounted total, so results can be broken down exactly.
"""

from __future__ import annotations

import pyomo.environ as pyo


def discount_factor(discount_rate: float, first_year: int, year: int) -> float:
    return (1.0 + discount_rate) ** -(year - first_year)


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    config = scenario.config
    factor = {t: discount_factor(config.discount_rate, config.first_year, t) for t in model.YEARS}
    model.discount_factor = pyo.Param(model.YEARS, initialize=factor)

    totals = dict(model.one_off_costs)
    for name, per_year in model.yearly_costs.items():
        totals[name] = sum(factor[t] * per_year(t) for t in model.YEARS)
    model.COST_COMPONENTS = pyo.Set(initialize=list(totals), ordered=True)
    model.cost_usd = pyo.Expression(model.COST_COMPONENTS, rule=lambda m, k: totals[k])
    model.total_cost = pyo.Objective(expr=pyo.quicksum(model.cost_usd[k] for k in model.COST_COMPONENTS))
