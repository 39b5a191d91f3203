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
    alternatives: {slack: 0.02, count: 8}           # optional: near-optimal alternatives of the base
    pareto: {objectives: [cost, carbon], points: 8}  # optional: a Pareto front of the base

Samples follow the draw grammar of optimizer.inputs.draws.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError

from optimizer.inputs.bounds import InputModel
from optimizer.inputs.draws import Samples, draw_edits
from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.files import MAX_YAML_BYTES, load_yaml, read_text
from optimizer.inputs.load import load_base
from optimizer.inputs.scenario import Scenario, describe_validation_error
from optimizer.inputs.variants import select_values
from optimizer.pipeline.outputs import OutputError, check_name

BASE_RUN = "base"


class AlternativesStudy(InputModel):
    """Near-optimal alternatives of the sweep's base (optimizer.studies.alternatives)."""

    slack: float = Field(0.02, ge=0, le=1)
    count: int = Field(8, ge=1, le=50)
    seed: int = Field(0, ge=0)


class ParetoStudy(InputModel):
    """A Pareto front of the sweep's base (optimizer.studies.pareto)."""

    objectives: list[str] = Field(["cost", "time_to_power"], min_length=2, max_length=3)
    points: int = Field(8, ge=2, le=30)


class Sweep(InputModel):
    name: str | None = None
    base: str
    store: str | None = None
    variants: dict[str, list[str]] = {}
    grid: dict[str, Annotated[dict[str, list[str]], Field(min_length=1)]] = {}  # an empty axis: no runs at all
    samples: Samples | None = None
    alternatives: AlternativesStudy | None = None
    pareto: ParetoStudy | None = None


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
    for name in sweep.variants:  # a variant's runs are exported to folders named after it
        try:
            check_name(name, f"key variants.{name}")
        except OutputError as err:
            raise ScenarioError(path.name, [str(err)]) from None
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
        keys_of = partial(select_values, base)
        runs += [Run(f"sample:{i:04d}", draw_edits(sweep.samples, i, keys_of)) for i in range(sweep.samples.count)]
    names = [run.name for run in runs]
    if len(set(names)) != len(names):
        raise ScenarioError(
            "sweep", [f"run names must be unique; repeated: {sorted({n for n in names if names.count(n) > 1})}"]
        )
    return runs
