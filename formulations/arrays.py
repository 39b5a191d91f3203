"""Array blocks: a part of the model too large for one Pyomo object per element.

Service arcs number demand centres x regions x years (2.25 M at 3,000 sites and 50 demand centres);
as Pyomo variables and constraints they took most of the build and hand-off time. A block keeps its
columns and rows as arrays: its own columns (bounds, cost), its rows (bounds), the coefficients on its
own columns (a sparse matrix) and on Pyomo variables of the model (the coupling), and yearly costs on
Pyomo variables (`priced`). optimizer.pipeline.matrix appends every block to the compiled Pyomo model
before the hand-off and returns the block's solution in `values`. The math is the same as if each
element were a Pyomo component (a cost on a Pyomo variable: a term recorded with objective.add_cost).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse

from formulations.values import cleaned

# Columns a block's `columns` table must have; other columns describe the element (e.g. demand_id).
COLUMN_FIELDS = ("lower", "upper", "usd", "component", "region_id", "year")
COST_KEY = ["component", "region_id", "year"]  # a yearly cost term's key, as in objective.add_cost


@dataclass
class ArrayBlock:
    """Columns (one table row each: bounds, undiscounted cost per unit per year, cost key) and rows."""

    columns: pd.DataFrame
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: scipy.sparse.csr_matrix  # rows x own columns
    coupling: list[tuple[int, pyo.Var, float]]  # (row, Pyomo variable, coefficient)
    # Yearly costs on Pyomo variables: per entry of `priced_vars`, a row of `priced` (usd per unit, COST_KEY).
    priced_vars: list[pyo.Var] = field(default_factory=list)
    priced: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["usd", *COST_KEY]))
    objective: np.ndarray | None = None  # cost per unit as weighted in the objective (set by objective.py)
    priced_objective: np.ndarray | None = None  # the same for `priced` (set by objective.py)
    values: np.ndarray | None = None  # solution per column (set when a solution is loaded)

    def __post_init__(self) -> None:
        missing = [c for c in COLUMN_FIELDS if c not in self.columns]
        if missing:
            raise ValueError(f"array block columns lack {missing}")

    def solved_columns(self) -> pd.DataFrame:
        """The columns table with the solution as `value` (round-off below 1e-6 cleared)."""
        return self.columns.assign(value=cleaned(self.values))

    def cost_terms(self) -> pd.DataFrame:
        """component, region_id, year, usd, discounted_usd summed per cost key, for keys with a priced
        column or variable (like objective.add_cost, which records no term that is always 0)."""
        priced_values = np.array([var.value for var in self.priced_vars], dtype=float)
        parts = [
            _terms(self.columns, self.objective, self.values),
            _terms(self.priced, self.priced_objective, priced_values),
        ]
        terms = pd.concat(
            [part for part in parts if len(part)] or parts[:1], ignore_index=True
        )  # concat warns on empty parts
        terms = terms.groupby(COST_KEY, as_index=False, sort=False, observed=True).sum()
        return terms.astype({"region_id": str})  # regions may be keyed by category


def _terms(table: pd.DataFrame, weighted: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """Per priced entry of `table` (usd per unit, cost key): usd and discounted_usd at `values`."""
    usd = table["usd"].to_numpy(float)
    priced = usd != 0
    return table.loc[priced, COST_KEY].assign(
        usd=usd[priced] * values[priced], discounted_usd=weighted[priced] * values[priced]
    )


def rows_only(lower: list[float], upper: list[float], coupling: list[tuple[int, pyo.Var, float]]) -> ArrayBlock:
    """A block of rows on Pyomo variables alone: `lower <= sum of coupling terms <= upper` per row."""
    matrix = scipy.sparse.csr_matrix((len(lower), 0))
    return ArrayBlock(_no_columns(), np.asarray(lower, dtype=float), np.asarray(upper, dtype=float), matrix, coupling)


class Prices:
    """Yearly costs on Pyomo variables, collected one by one into a block of their own (`block`)."""

    def __init__(self) -> None:
        self.variables: list[pyo.Var] = []
        self.usd, self.component, self.region_id, self.year = [], [], [], []

    def add(self, var: pyo.Var, usd: float, component: str, region_id: str, year: int) -> None:
        """Cost `usd` per unit of `var`, recorded as term (component, region_id, year)."""
        self.variables.append(var)
        self.usd.append(usd)
        self.component.append(component)
        self.region_id.append(region_id)
        self.year.append(year)

    def block(self) -> ArrayBlock:
        table = pd.DataFrame(
            {"usd": self.usd, "component": self.component, "region_id": self.region_id, "year": self.year}
        )
        empty = np.empty(0)
        return ArrayBlock(_no_columns(), empty, empty, scipy.sparse.csr_matrix((0, 0)), [], self.variables, table)


def _no_columns() -> pd.DataFrame:
    return pd.DataFrame(columns=list(COLUMN_FIELDS))
