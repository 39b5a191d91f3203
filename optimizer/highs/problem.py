"""A linear (mixed-integer) program as arrays: what gridsite hands to HiGHS.

    minimise  cost x + offset   s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper,
              x_j integer where integer[j]
Bounds may be infinite. `row_groups` names sets of rows (e.g. "service") that a solution method
may exploit: Benders decomposition splits the model on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse


@dataclass(frozen=True)
class Problem:
    cost: np.ndarray
    offset: float
    A: scipy.sparse.csc_matrix  # rows x columns
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer: np.ndarray  # bool per column, binaries included
    row_groups: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_cols(self) -> int:
        return self.A.shape[1]

    @property
    def n_rows(self) -> int:
        return self.A.shape[0]

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def relaxed(self) -> Problem:
        """The LP relaxation: the same problem with every column continuous."""
        return replace(self, integer=np.zeros(self.n_cols, dtype=bool))

    def part(self, rows: np.ndarray, cols: np.ndarray) -> Problem:
        """The rows x columns part of the problem (no offset, no row groups)."""
        return Problem(
            self.cost[cols],
            0.0,
            self.A[rows][:, cols].tocsc(),
            self.col_lower[cols],
            self.col_upper[cols],
            self.row_lower[rows],
            self.row_upper[rows],
            self.integer[cols],
        )
