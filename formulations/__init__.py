"""The siting model: one module per concern, composed in `build_model`.

Each module exposes `define_components(model, scenario)` and adds its sets, variables,
constraints and cost terms to the model. Order matters only in that later modules use
names earlier ones define (see docs/formulation.md for the full statement).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

from formulations import lead_times, objective, service, sites, strengthening, zone_limits

if TYPE_CHECKING:
    from optimizer.scenario import Scenario

MODULES = (sites, lead_times, zone_limits, service, strengthening, objective)


def build_model(scenario: Scenario) -> pyo.ConcreteModel:
    """Build the Pyomo model of a validated scenario."""
    model = pyo.ConcreteModel(name=scenario.name)
    # Cost registries the modules fill and `objective` sums: name -> expression in USD.
    model.one_off_costs = {}  # paid once, not discounted
    model.yearly_costs = {}  # name -> function(year) -> expression, discounted by the objective
    for module in MODULES:
        module.define_components(model, scenario)
    return model
