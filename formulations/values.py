"""Reading solution values back out of a solved model."""

from __future__ import annotations

import pyomo.environ as pyo


def solved(component) -> float:
    """Value of a variable or expression, cleaned of solver round-off (values are MW, t or USD)."""
    value = pyo.value(component, exception=False) or 0.0
    return 0.0 if abs(value) < 1e-6 else round(value, 6)
