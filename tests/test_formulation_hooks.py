"""The hooks every module of formulations/ provides (docs/formulation.md, Modules and their hooks)."""

from __future__ import annotations

import pyomo.environ as pyo
from conftest import REPO

from formulations import MODULES, build_model
from formulations.stock import Stock
from optimizer import load_scenario


def test_every_module_declares_its_investment_variables():
    """On the default scenario (which uses every module): each name a module lists in INVESTMENTS is a
    Pyomo variable of the model, no name is listed twice, and every integer variable is one of them or
    the module count of a declared stock (openings are investments, whole modules and connection
    blocks follow from the MW built; operations are continuous)."""
    model = build_model(load_scenario(REPO / "data" / "default"))
    declared = [name for module in MODULES for name in module.INVESTMENTS]
    assert len(declared) == len(set(declared))
    assert all(isinstance(model.component(name), pyo.Var) for name in declared)
    stocks = [value for module in MODULES for value in vars(module).values() if isinstance(value, Stock)]
    counts = {stock.count for stock in stocks if stock.level in declared}
    integer = {var.parent_component().name for var in model.component_data_objects(pyo.Var) if var.is_integer()}
    assert integer <= set(declared) | counts
    assert {"open", "capacity_mw", "path_mw"} <= set(declared)
