"""The siting model: one module per concern, composed in `build_model`.

Each module exposes `define_components(model, scenario)` and adds its sets, variables,
constraints and cost terms to the model. Order matters only in that later modules use
names earlier ones define (see docs/formulation.md for the full statement).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
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
    tariffs,
    tightening,
    water,
)

if TYPE_CHECKING:
    from optimizer.inputs.scenario import Scenario

MODULES = (sites, lead_times, service, interconnection, power_limits, tariffs, carbon, water, tightening, objective)
# Every result table a module can return (its RESULT_TABLES), in module order.
RESULT_TABLES = tuple(name for module in MODULES for name in getattr(module, "RESULT_TABLES", ()))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (as a `with` block or a decorator).

    Building and compiling a model create hundreds of thousands of live objects, and the
    collections they trigger free almost nothing: about a third of build time at 1,000 sites
    (measured). The objects made meanwhile are examined by the first collections after the pause
    (about 0.5 s at 3,000 sites), once per pause: `optimizer.pipeline.solve` pauses over build and hand-off
    together. With a time limit that work overlaps HiGHS, which then runs in a child process."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def goals(model: pyo.ConcreteModel, scenario: Scenario) -> dict:
    """Every module's goals (quantities to trade off against cost), by name: see `goals` hooks."""
    found = {}
    for module in MODULES:
        if hasattr(module, "goals"):
            found |= module.goals(model, scenario)
    return found


@gc_paused()
def build_model(scenario: Scenario, *, tightened: bool = True) -> pyo.ConcreteModel:
    """Build the Pyomo model of a validated scenario. `tightened=False` leaves out
    `formulations.tightening`, for callers that fix variables of single regions (its ordering of
    identical regions holds for the model as stated, not for such a restriction) or read row duals."""
    model = pyo.ConcreteModel(name=scenario.name)
    model.cost_terms = {}  # (component, region, year) -> USD expression; see objective.add_cost
    model.array_blocks = {}  # name -> ArrayBlock (formulations/arrays.py), appended at the hand-off to HiGHS
    for module in MODULES:
        if tightened or module is not tightening:
            module.define_components(model, scenario)
    return model
