"""Seeded random draws of edits: the Monte Carlo samples of sweep files and of uncertain scenarios.

    count: 20
    seed: 7
    draws:
      - edit: "regions[region_id={key}].lead_time_years += {value}"
        for_each: "regions[zone_id=PJM].region_id"   # optional: one draw per selected cell ({key})
        distribution: integers                       # a numpy.random.Generator method
        args: [0, 3]

Sample i draws from `numpy.random.default_rng([seed, i])`, so each sample is the same whatever
`count` is, and the same on every machine.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from optimizer.inputs.bounds import InputModel

MAX_SAMPLES = 100_000
# The parameters each distribution takes (numpy.random.Generator): a further argument would be its
# `size` and draw an array instead of a number.
PARAMETERS = {"uniform": 2, "normal": 2, "triangular": 3, "lognormal": 2, "integers": 2, "poisson": 1}


class Draw(InputModel):
    edit: str
    distribution: Literal["uniform", "normal", "triangular", "lognormal", "integers", "poisson"]
    args: list[int | float]
    for_each: str | None = None

    @model_validator(mode="after")
    def _usable(self) -> Draw:
        fields = [(name, spec, conversion) for _, name, spec, conversion in _fields(self.edit) if name is not None]
        if any(name not in ("key", "value") or spec or conversion for name, spec, conversion in fields):
            raise ValueError("the edit may hold {key} and {value} only (write {{ and }} for braces)")
        if "value" not in {name for name, _, _ in fields}:
            raise ValueError("the edit must hold {value}, where the drawn number goes")
        if self.for_each is None and "key" in {name for name, _, _ in fields}:
            raise ValueError("{key} needs for_each, the selection whose cells it takes")
        if len(self.args) > PARAMETERS[self.distribution]:
            raise ValueError(f"{self.distribution} takes at most {PARAMETERS[self.distribution]} args")
        try:  # arguments numpy refuses (e.g. a negative scale) are refused now, not in the middle of a batch
            getattr(np.random.default_rng(0), self.distribution)(*self.args)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{self.distribution}{tuple(self.args)}: {err}") from None
        return self


def _fields(template: str) -> list[tuple]:
    try:
        return list(string.Formatter().parse(template))
    except ValueError as err:  # a lone { or }
        raise ValueError(f"the edit is not a template ({err}; write {{{{ and }}}} for braces)") from None


class Samples(InputModel):
    count: int = Field(ge=1, le=MAX_SAMPLES)
    seed: int = Field(ge=0)
    draws: list[Draw] = Field(min_length=1)


def draw_edits(samples: Samples, index: int, keys_of: Callable[[str], list]) -> tuple[str, ...]:
    """The edits of sample `index`. `keys_of` gives the cells a `for_each` selection names (see
    optimizer.inputs.variants.select_values)."""
    rng = np.random.default_rng([samples.seed, index])
    edits = []
    for draw in samples.draws:
        for key in keys_of(draw.for_each) if draw.for_each else [None]:
            value = getattr(rng, draw.distribution)(*draw.args)  # arguments checked by Draw
            edits.append(draw.edit.format(key=key, value=_plain(value)))
    return tuple(edits)


def _plain(value) -> int | float:
    """A draw as a plain Python number, so the edit text reads `2.5`, not `np.float64(2.5)`."""
    return int(value) if isinstance(value, np.integer) else float(value)
