"""Scenario folder -> validated tables. This is the public input contract (see README)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from optimizer.errors import ScenarioError
from optimizer.tables import ColumnSpec, TableSpec, at_least, between, greater_than, one_of, read_table


class SolverSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mip_rel_gap: float = Field(0.001, ge=0)
    time_limit_s: float | None = Field(None, gt=0)
    threads: int = Field(1, ge=1)


class ScenarioConfig(BaseModel):
    """`scenario.yaml`."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    first_year: int
    last_year: int
    discount_rate: float = Field(0.0, ge=0)
    unserved_penalty_usd_per_mw_year: float | None = Field(None, ge=0)
    solver: SolverSettings = SolverSettings()

    @model_validator(mode="after")
    def _horizon_in_order(self) -> ScenarioConfig:
        if self.first_year > self.last_year:
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))


REGIONS = TableSpec(
    "regions.csv",
    (
        ColumnSpec("region_id", str),
        ColumnSpec("zone_id", str),
        ColumnSpec("lat", float, checks=(between(-90, 90),)),
        ColumnSpec("lon", float, checks=(between(-180, 180),)),
        ColumnSpec("max_mw", float, checks=(at_least(0),)),
        ColumnSpec("fixed_cost_usd", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("capex_usd_per_mw", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("opex_usd_per_mw_year", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("lead_time_years", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("module_mw", float, blank_allowed=True, checks=(greater_than(0),)),
    ),
    key=("region_id",),
)
ZONE_LIMITS = TableSpec(
    "zone_limits.csv",
    (ColumnSpec("zone_id", str), ColumnSpec("year", int), ColumnSpec("limit_mw", float, checks=(at_least(0),))),
    key=("zone_id", "year"),
)
DEMAND = TableSpec(
    "demand.csv",
    (ColumnSpec("demand_id", str), ColumnSpec("year", int), ColumnSpec("mw", float, checks=(at_least(0),))),
    key=("demand_id", "year"),
)
SERVICE_COSTS = TableSpec(
    "service_costs.csv",
    (
        ColumnSpec("demand_id", str),
        ColumnSpec("region_id", str),
        ColumnSpec("usd_per_mw_year", float, checks=(at_least(0),)),
    ),
    key=("demand_id", "region_id"),
)


@dataclass(frozen=True)
class Scenario:
    """Validated inputs. Optional tables are None when their file is absent."""

    config: ScenarioConfig
    regions: pd.DataFrame
    demand: pd.DataFrame
    zone_limits: pd.DataFrame | None = None
    service_costs: pd.DataFrame | None = None
    source: Path | None = None

    @property
    def name(self) -> str:
        return self.config.name

    def input_hash(self) -> str:
        """SHA-256 of the validated inputs, independent of file formatting."""
        digest = hashlib.sha256(self.config.model_dump_json().encode())
        for label, table in self.tables().items():
            digest.update(label.encode())
            digest.update(table.to_csv(index=False).encode())
        return digest.hexdigest()

    def with_solver(self, **settings) -> Scenario:
        """A copy with some solver settings replaced (validated like scenario.yaml's `solver:`)."""
        try:
            solver = SolverSettings.model_validate(self.config.solver.model_dump() | settings)
        except ValidationError as err:
            raise ScenarioError("solver settings", [_describe_yaml_error(e) for e in err.errors()]) from None
        return replace(self, config=self.config.model_copy(update={"solver": solver}))

    def tables(self) -> dict[str, pd.DataFrame]:
        named = {
            "regions": self.regions,
            "demand": self.demand,
            "zone_limits": self.zone_limits,
            "service_costs": self.service_costs,
        }
        return {k: v for k, v in named.items() if v is not None}

    def files(self) -> dict[str, str]:
        """The effective inputs as file name -> text, loadable with `load_scenario`."""
        return scenario_files(self.config.model_dump(mode="json"), self.tables())


def scenario_files(config: dict, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """scenario.yaml and one CSV per table (by file stem), as text."""
    texts = {"scenario.yaml": yaml.safe_dump(config, sort_keys=False)}
    return texts | {f"{stem}.csv": frame.to_csv(index=False) for stem, frame in tables.items()}


def load_scenario(folder: str | Path) -> Scenario:
    """Read and validate a scenario folder; raise ScenarioError naming file, line and column."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(str(folder), ["scenario folder not found"])
    config = read_config(folder / "scenario.yaml")
    years = config.years
    horizon = one_of(years, f"a year from {years[0]} to {years[-1]} (the scenario horizon)")
    regions = read_table(folder, REGIONS)
    region_ids = set(regions["region_id"])
    known_region = one_of(region_ids, "a region_id listed in regions.csv")
    demand = read_table(folder, DEMAND, {"year": horizon})
    known_demand = one_of(set(demand["demand_id"]), "a demand_id listed in demand.csv")
    zone_limits = _optional(
        folder, ZONE_LIMITS, {"year": horizon, "zone_id": one_of(set(regions["zone_id"]), "a zone_id used in regions.csv")}
    )
    service_costs = _optional(folder, SERVICE_COSTS, {"region_id": known_region, "demand_id": known_demand})
    return Scenario(config, regions, demand, zone_limits, service_costs, folder)


def _optional(folder: Path, spec: TableSpec, refs) -> pd.DataFrame | None:
    return read_table(folder, spec, refs) if (folder / spec.file).exists() else None


def read_config(path: Path) -> ScenarioConfig:
    if not path.is_file():
        raise ScenarioError(path.name, ["file not found in the scenario folder"])
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(path.name, [f"{where}not valid YAML ({getattr(err, 'problem', err)})"]) from None
    if not isinstance(raw, dict):
        raise ScenarioError(path.name, ["expected a mapping of keys such as name, first_year, last_year"])
    try:
        return ScenarioConfig.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(path.name, [_describe_yaml_error(e) for e in err.errors()]) from None


def _describe_yaml_error(error: dict) -> str:
    key = ".".join(str(p) for p in error["loc"]) or "(top level)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return f"key {key}: missing, expected a value"
    if error["type"] == "extra_forbidden":
        return f"key {key}: unknown key"
    return f"key {key}: {message}, got {json.dumps(error.get('input'), default=str)}"
