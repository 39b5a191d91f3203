"""Reading solution values back out of a solved model."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

ROUND_OFF = 1e-6  # smaller values are solver round-off (values are MW, t or USD)


def solved(component) -> float:
    """Value of a variable or expression, 0 below ROUND_OFF, else to 6 decimals (no value: 0)."""
    value = pyo.value(component, exception=False) or 0.0
    return 0.0 if abs(value) < ROUND_OFF else round(value, 6)


def cleaned(values) -> np.ndarray:
    """`solved` for an array (or list, or Series) of values."""
    values = np.nan_to_num(np.asarray(values, dtype=float))  # None (no value) -> nan -> 0
    return np.where(np.abs(values) < ROUND_OFF, 0.0, np.round(values, 6))
