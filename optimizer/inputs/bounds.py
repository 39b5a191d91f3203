"""The bounds every input number must meet, stated once: it is finite and lies in the range its
unit allows, a range wide enough for any grid plan and narrow enough that the solver's arithmetic
stays sound (HiGHS reads 1e20 as infinity). The unit is read from the name of the column or key
(units are in names, docs/contract.md), so a new column or key is bounded by default.

Every numeric table column (optimizer.inputs.tables) and every number of scenario.yaml and of sweep
files (models derived from `InputModel`) is checked here, on top of its own rule (e.g. >= 0).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

FIRST_YEAR, LAST_YEAR = 1900, 2200  # calendar years a plan may name
MAX_HORIZON_YEARS = 100


@dataclass(frozen=True)
class Bound:
    pattern: str  # matched against the column or key name; the first that matches applies
    low: float
    high: float
    unit: str


BOUNDS = (
    Bound(r"usd", -1e12, 1e12, "USD"),
    Bound(r"(_share|_rate|_gap|_factor)$", -1.0, 1.0, "a share"),
    Bound(r"(^|_)t(_|$)", -1e12, 1e12, "tonnes"),
    Bound(r"(^|_)kg_per_mwh$", -1e4, 1e4, "kg per MWh"),
    Bound(r"(^|_)kw_per_gpu$", -100.0, 100.0, "kW per GPU"),
    Bound(r"(^|_)mw(_|$)", -1e7, 1e7, "MW"),
    Bound(r"(^|_)gpus$", -1e9, 1e9, "GPUs"),
    Bound(r"_years$", -100.0, 100.0, "years"),
    Bound(r"(^|_)year$", FIRST_YEAR, LAST_YEAR, "a calendar year"),
    Bound(r"_s$", -1e7, 1e7, "seconds"),
    Bound(r"^pue$", -10.0, 10.0, "a PUE"),
    Bound(r"", -1e15, 1e15, "a plain number"),  # any other name
)


def bound_of(name: str) -> Bound:
    return next(b for b in BOUNDS if re.search(b.pattern, name))


def expected(name: str) -> str:
    """What a value of column or key `name` must be, as an error message says it."""
    bound = bound_of(name)
    return f"a finite number from {bound.low:g} to {bound.high:g} ({bound.unit})"


def within(name: str, value: float) -> bool:
    """Whether `value` lies in the bound of `name` (never true of NaN or an infinity; exact for
    integers of any size)."""
    bound = bound_of(name)
    return bound.low <= value <= bound.high


def max_threads() -> int:
    """The most HiGHS threads a scenario may ask for: more is no faster, and HiGHS aborts the
    process when it cannot start them."""
    return (os.cpu_count() or 1) * 4


class InputModel(BaseModel):
    """Base of the models of hand-written YAML: unknown keys are errors, types are strict (a YAML
    `no` is a boolean, not the number 0; "5" is text, not a number), numbers are finite and
    every number lies within the bound of its key's unit."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _bounded(cls, value, info: ValidationInfo):
        numbers = value if isinstance(value, list) else [value]
        for number in numbers:
            if isinstance(number, int | float) and not isinstance(number, bool) and not within(info.field_name, number):
                raise ValueError(f"expected {expected(info.field_name)}")
        return value
