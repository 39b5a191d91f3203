"""Lead times: a region adds no capacity before its interconnection arrives.

    capacity_mw[r,t] = modules_added[r,t] = 0  for t < first_year + ceil(lead_time_years[r])
Applied as variable fixings, so it adds no rows. A fractional lead time rounds up to whole years.
"""

from __future__ import annotations

import pyomo.environ as pyo

from formulations.sites import SITE_STOCK
from formulations.stock import first_build_year, fix_before

# Investment decisions among the Pyomo variables (none: fixings only); docs/formulation.md
INVESTMENTS: tuple[str, ...] = ()


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    first_year = scenario.config.first_year
    lead = scenario.regions.set_index("region_id")["lead_time_years"]
    fix_before(model, SITE_STOCK, {r: first_build_year(first_year, years) for r, years in lead.items()})
