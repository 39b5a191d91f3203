"""The siting model: one module per concern, composed in `build_model`.

Each module exposes `define_components(model, scenario)` and adds its sets, variables,
constraints and cost terms to the model. Order matters only in that later modules use
names earlier ones define (see docs/formulation.md for the full statement).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

from formulations import (
    carbon,
    interconnection,
    lead_times,
    objective,
    power_limits,
    service,
    sites,
    strengthening,
    tariffs,
)

if TYPE_CHECKING:
    from optimizer.scenario import Scenario

MODULES = (sites, lead_times, service, strengthening, interconnection, power_limits, tariffs, carbon, objective)


def build_model(scenario: Scenario, *, strengthened: bool = True) -> pyo.ConcreteModel:
    """Build the Pyomo model of a validated scenario. `strengthened=False` leaves out the tighter
    bounds of `strengthening`, e.g. for duals: with them a zone limit can bind as a variable bound
    instead of its own row, and its row dual no longer prices it."""
    model = pyo.ConcreteModel(name=scenario.name)
    model.cost_terms = {}  # (component, region, year, discounted) -> USD expression; see objective.add_cost
    for module in MODULES:
        if strengthened or module is not strengthening:
            module.define_components(model, scenario)
    return model
