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

from collections.abc import Callable
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from optimizer.inputs.errors import ScenarioError


class Draw(BaseModel):
    model_config = ConfigDict(extra="forbid")

    edit: str = Field(pattern=r"\{value\}")
    distribution: Literal["uniform", "normal", "triangular", "lognormal", "integers", "poisson"]
    args: list[int | float]
    for_each: str | None = None


class Samples(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1)
    seed: int
    draws: list[Draw] = Field(min_length=1)


def draw_edits(samples: Samples, index: int, keys_of: Callable[[str], list], where: str) -> tuple[str, ...]:
    """The edits of sample `index`. `keys_of` gives the cells a `for_each` selection names (see
    optimizer.inputs.variants.select_values); `where` names the file in error messages."""
    rng = np.random.default_rng([samples.seed, index])
    edits = []
    for draw in samples.draws:
        keys = keys_of(draw.for_each) if draw.for_each else [None]
        for key in keys:
            try:
                value = getattr(rng, draw.distribution)(*draw.args)
            except (TypeError, ValueError) as err:
                raise ScenarioError(where, [f"samples: {draw.distribution}{tuple(draw.args)}: {err}"]) from None
            edits.append(draw.edit.format(key=key, value=_plain(value)))
    return tuple(edits)


def _plain(value) -> int | float:
    """A draw as a plain Python number, so the edit text reads `2.5`, not `np.float64(2.5)`."""
    return int(value) if isinstance(value, np.integer) else float(value)
