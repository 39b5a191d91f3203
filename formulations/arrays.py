"""Array blocks: a part of the model too large for one Pyomo object per element.

Service arcs number demand centres x regions x years (2.25 M at 3,000 sites and 50 demand centres);
as Pyomo variables and constraints they took most of the build and hand-off time. A block keeps its
columns and rows as arrays: its own columns (bounds, cost), its rows (bounds), the coefficients on its
own columns (a sparse matrix) and on Pyomo variables of the model (the coupling). optimizer.highs_direct
appends every block to the compiled Pyomo model before the hand-off and returns the block's solution in
`values`. The math is the same as if each element were a Pyomo component.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse

from formulations.values import cleaned

# Columns a block's `columns` table must have; other columns describe the element (e.g. demand_id).
COLUMN_FIELDS = ("lower", "upper", "usd", "component", "region_id", "year")


@dataclass
class ArrayBlock:
    """Columns (one table row each: bounds, undiscounted cost per unit per year, cost key) and rows."""

    columns: pd.DataFrame
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: scipy.sparse.csr_matrix  # rows x own columns
    coupling: list[tuple[int, pyo.Var, float]]  # (row, Pyomo variable, coefficient)
    objective: np.ndarray | None = None  # cost per unit as weighted in the objective (set by objective.py)
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
        column (like objective.add_cost, which records no term that is always 0)."""
        priced = self.columns["usd"].to_numpy(float) != 0
        values = self.values[priced]
        terms = self.columns.loc[priced, ["component", "region_id", "year"]].assign(
            usd=self.columns["usd"].to_numpy(float)[priced] * values, discounted_usd=self.objective[priced] * values
        )
        terms = terms.groupby(["component", "region_id", "year"], as_index=False, sort=False, observed=True).sum()
        return terms.astype({"region_id": str})  # regions may be keyed by category


def rows_only(lower: list[float], upper: list[float], coupling: list[tuple[int, pyo.Var, float]]) -> ArrayBlock:
    """A block of rows on Pyomo variables alone: `lower <= sum of coupling terms <= upper` per row."""
    return ArrayBlock(
        pd.DataFrame(columns=list(COLUMN_FIELDS)),
        np.asarray(lower, dtype=float),
        np.asarray(upper, dtype=float),
        scipy.sparse.csr_matrix((len(lower), 0)),
        coupling,
    )
