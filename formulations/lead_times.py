"""Lead times: a region adds no capacity before its interconnection arrives.

    capacity_mw[r,t] = modules_added[r,t] = 0  for t < first_year + ceil(lead_time_years[r])
Applied as variable fixings, so it adds no rows. A fractional lead time rounds up to whole years.
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from formulations.sites import SITE_STOCK
from formulations.stock import fix_before

# Investment decisions among the Pyomo variables (none: fixings only); docs/formulation.md
INVESTMENTS: tuple[str, ...] = ()


def first_build_year(first_year: int, lead_time_years: float) -> int:
    """The first year a region with this lead time can add capacity."""
    return first_year + math.ceil(lead_time_years - 1e-9)


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    first_year = scenario.config.first_year
    lead = scenario.regions.set_index("region_id")["lead_time_years"]
    fix_before(model, SITE_STOCK, {r: first_build_year(first_year, years) for r, years in lead.items()})
