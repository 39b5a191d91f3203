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
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.scenario import Scenario, describe_validation_error
from optimizer.inputs.variants import select_values

BASE_RUN = "base"


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


class Sweep(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
    base: Path
    store: Path
    sweep: Sweep


def read_sweep(path: str | Path) -> SweepFile:
    """Read and validate a sweep file; ScenarioError names the file and key when it is wrong."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
        sweep = Sweep.model_validate(raw)
    except (OSError, yaml.YAMLError) as err:
        raise ScenarioError(path.name, [f"not a readable YAML file ({err})"]) from None
    except ValidationError as err:
        raise ScenarioError(path.name, [describe_validation_error(e) for e in err.errors()]) from None
    store = path.parent / (sweep.store or "runs.duckdb")
    return SweepFile(sweep.name or path.stem, path.parent / sweep.base, store, sweep)


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
            try:
                value = getattr(rng, draw.distribution)(*draw.args)
            except (TypeError, ValueError) as err:
                raise ScenarioError("sweep", [f"samples: {draw.distribution}{tuple(draw.args)}: {err}"]) from None
            edits.append(draw.edit.format(key=key, value=_plain(value)))
    return tuple(edits)


def _plain(value) -> int | float:
    """A draw as a plain Python number, so the edit text reads `2.5`, not `np.float64(2.5)`."""
    return int(value) if isinstance(value, np.integer) else float(value)
