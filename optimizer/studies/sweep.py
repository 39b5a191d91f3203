"""Sweep files: a base scenario plus named variants, a grid of edits and seeded random samples.

    name: pjm_study                      # optional; default the file's stem
    base: ../data/default                # scenario folder, relative to this file
    store: pjm_study.duckdb              # optional; default runs.duckdb beside this file
    variants:                            # name -> edits
      pjm_slip: ["regions[zone_id=PJM].lead_time_years += 2"]
    grid:                                # cartesian product: one run per combination of labels
      lead: {on_time: [], slip: ["regions[zone_id=PJM].lead_time_years += 2"]}
      rate: {r5: ["discount_rate = 0.05"], r10: ["discount_rate = 0.10"]}
    samples:                             # Monte Carlo: `count` runs, each drawing every `draws` entry
      count: 20
      seed: 7
      draws:
        - edit: "regions[region_id={key}].lead_time_years += {value}"
          for_each: "regions[zone_id=PJM].region_id"   # optional: one draw per selected cell ({key})
          distribution: triangular                     # a numpy.random.Generator method
          args: [0, 1, 4]

Sample i draws from `numpy.random.default_rng([seed, i])`, so each sample is the same whatever
`count` is, and the same on every machine.
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from optimizer.inputs.bounds import InputModel
from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.files import MAX_YAML_BYTES, load_yaml, read_text
from optimizer.inputs.load import load_base
from optimizer.inputs.scenario import Scenario, describe_validation_error
from optimizer.inputs.variants import select_values

BASE_RUN = "base"
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


class Sweep(InputModel):
    name: str | None = None
    base: str
    store: str | None = None
    variants: dict[str, list[str]] = {}
    grid: dict[str, dict[str, list[str]]] = {}
    samples: Samples | None = None


@dataclass(frozen=True)
class Run:
    name: str
    edits: tuple[str, ...]


@dataclass(frozen=True)
class SweepFile:
    name: str
    file: Path
    store: Path
    sweep: Sweep

    def load_base(self) -> Scenario:
        """The base scenario; a problem with it is reported as one of this file's key base."""
        return load_base(self.file.parent, self.sweep.base, self.file.name)


def read_sweep(path: str | Path) -> SweepFile:
    """Read and validate a sweep file; ScenarioError names the file and key when it is wrong."""
    path = Path(path)
    raw = load_yaml(read_text(path, limit=MAX_YAML_BYTES), path.name)
    try:
        sweep = Sweep.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(path.name, [describe_validation_error(e) for e in err.errors()]) from None
    store = path.parent / (sweep.store or "runs.duckdb")
    return SweepFile(sweep.name or path.stem, path, store, sweep)


def expand(sweep: Sweep, base: Scenario) -> list[Run]:
    """Every run of the sweep, the base first; names are unique."""
    runs = [Run(BASE_RUN, ())]
    runs += [Run(name, tuple(edits)) for name, edits in sweep.variants.items()]
    axes = list(sweep.grid.items())
    for labels in itertools.product(*(list(choices) for _, choices in axes)) if axes else ():
        edits = [edit for (_, choices), label in zip(axes, labels) for edit in choices[label]]
        runs.append(Run("grid:" + ",".join(f"{axis}={label}" for (axis, _), label in zip(axes, labels)), tuple(edits)))
    if sweep.samples is not None:
        runs += [Run(f"sample:{i:04d}", _draw(sweep.samples, i, base)) for i in range(sweep.samples.count)]
    names = [run.name for run in runs]
    if len(set(names)) != len(names):
        raise ScenarioError(
            "sweep", [f"run names must be unique; repeated: {sorted({n for n in names if names.count(n) > 1})}"]
        )
    return runs


def _draw(samples: Samples, index: int, base: Scenario) -> tuple[str, ...]:
    rng = np.random.default_rng([samples.seed, index])
    edits = []
    for draw in samples.draws:
        keys = select_values(base, draw.for_each) if draw.for_each else [None]
        for key in keys:
            value = getattr(rng, draw.distribution)(*draw.args)  # arguments checked by Draw
            edits.append(draw.edit.format(key=key, value=_plain(value)))
    return tuple(edits)


def _plain(value) -> int | float:
    """A draw as a plain Python number, so the edit text reads `2.5`, not `np.float64(2.5)`."""
    return int(value) if isinstance(value, np.integer) else float(value)
