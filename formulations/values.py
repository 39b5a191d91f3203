"""Reading solution values back out of a solved model."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyomo.environ as pyo


def cleaned(values: Iterable[float | None]) -> np.ndarray:
    """Solution values cleaned of solver round-off (values are MW, t or USD; None, no value, is 0)."""
    values = np.round(np.nan_to_num(np.asarray(list(values), dtype=float)), 6)
    return np.where(np.abs(values) < 1e-6, 0.0, values)


def solved(component) -> float:
    """Value of a variable or expression, cleaned like `cleaned`."""
    return float(cleaned([pyo.value(component, exception=False)])[0])
