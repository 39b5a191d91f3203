"""Scenario folder -> validated tables. This is the public input contract (docs/contract.md)."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from optimizer.inputs.bounds import MAX_HORIZON_YEARS, InputModel, max_threads
from optimizer.inputs.draws import Samples
from optimizer.inputs.errors import ScenarioError, shown
from optimizer.inputs.files import load_yaml
from optimizer.inputs.machine import available_memory_bytes
from optimizer.inputs.tables import (
    ColumnSpec,
    Source,
    TableSpec,
    at_least,
    between,
    file_text,
    greater_than,
    has_file,
    one_of,
    read_table,
)

CONFIG_FILE = "scenario.yaml"
PROBABILITY_TOLERANCE = 1e-6  # outcome probabilities must sum to 1 within this


class SolverSettings(InputModel):
    mip_rel_gap: float = Field(0.001, ge=0)
    time_limit_s: float | None = Field(None, gt=0)
    threads: int = Field(1, ge=1, le=max_threads())
    method: Literal["auto", "direct", "benders"] = "auto"  # auto: Scenario.method_for's rule
    lp_start: bool = True  # a MIP start from the LP relaxation's site choices (optimizer/pipeline/lp_start.py)


# solver.method auto picks the whole model, which was faster than Benders decomposition at every size
# measured on 2 cores (docs/benchmarks.md, "The default method": 200 to 3,000 sites, with and without
# a latency radius), unless the whole model would not fit in the memory available: Benders (which
# needs an unserved penalty and no interconnection paths) peaked at 0.6-1.0x its memory, with every pair only.
# With every site choice fixed (a plan carried out in an outcome) Benders was faster at 1,000 sites
# (0.25% gap: 17.5 s against 49.9 s with every pair, 450,000 arcs; 12.4 against 19.6 s within 800 km,
# 90,000 arcs) and slower at 200 (0.05%: 10.0 against 4.6 s with every pair, 40,000 arcs; 31.6 against
# 3.3 s within 800 km, 7,000 arcs): hence a size threshold between them, fitted to these four points.
SITES_FIXED_BENDERS_MIN_ARCS = 50_000
WHOLE_MODEL_BYTES_PER_ARC = 4_000  # peak per service arc: 3.3 kB measured at 1,000 x 15 x 30, 2 kB at 3,000 x 15 x 50
EVERY_PAIR_SHARE = 0.9  # of regions x demand centres; with a latency radius Benders peaked higher than the whole model


class OutcomeSettings(InputModel):
    """One possible future of an uncertain scenario: its edits to the inputs (the --set grammar)."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # labels rows of the result tables
    probability: float = Field(gt=0, le=1)
    edits: list[str] = []


class RiskSettings(InputModel):
    cvar_alpha: float = Field(0.9, ge=0, lt=1)
    cvar_weight: float = Field(0.0, ge=0, le=1)


class UncertaintySettings(InputModel):
    """`uncertainty:`: one plan decided now across possible futures (optimizer/pipeline/stochastic.py)."""

    decide_now_years: int = Field(1, ge=1)
    outcomes: list[OutcomeSettings] = []
    samples: Samples | None = None  # each sample has probability (1 - explicit probabilities) / count
    risk: RiskSettings = RiskSettings()
    method: Literal["auto", "extensive", "decomposition"] = "auto"
    value_of_information: bool = True  # also compute EVPI and VSS (each outcome alone, the mean-value plan)
    mean_value_start: bool = True  # the extensive form starts from the mean-value plan carried out in every outcome

    @property
    def count(self) -> int:
        """How many outcomes: those listed and those sampled."""
        return len(self.outcomes) + (self.samples.count if self.samples else 0)

    @model_validator(mode="after")
    def _outcomes_are_a_distribution(self) -> UncertaintySettings:
        names = [outcome.name for outcome in self.outcomes]
        if len(set(names)) != len(names):
            raise ValueError(
                f"outcome names must be unique; repeated: {sorted({n for n in names if names.count(n) > 1})}"
            )
        explicit = sum(outcome.probability for outcome in self.outcomes)
        if self.samples is None and not self.outcomes:
            raise ValueError("expected outcomes, samples, or both")
        if self.samples is None and abs(explicit - 1) > PROBABILITY_TOLERANCE:
            raise ValueError(f"the outcomes' probabilities must sum to 1, not {explicit:g}")
        if self.samples is not None and explicit > 1 - PROBABILITY_TOLERANCE:
            raise ValueError(f"the outcomes' probabilities sum to {explicit:g}, leaving none for the samples")
        return self


class ScenarioConfig(InputModel):
    """`scenario.yaml`."""

    name: str = Field(min_length=1)
    first_year: int
    last_year: int
    discount_rate: float = Field(0.0, ge=0)
    unserved_penalty_usd_per_mw_year: float | None = Field(None, ge=0)
    load_factor: float = Field(1.0, gt=0, le=1)
    cost_allocation: Literal["participant_funding", "socialized"] | float = "participant_funding"
    socialized_data_center_share: float = Field(0.0, ge=0, le=1)
    cost_perspective: Literal["developer", "system"] = "developer"
    carbon_price_usd_per_t: float = Field(0.0, ge=0)
    carbon_cap_t_per_year: float | None = Field(None, ge=0)
    salvage: Literal["straight_line"] | None = None
    solver: SolverSettings = SolverSettings()
    uncertainty: UncertaintySettings | None = None

    @field_validator("cost_allocation")
    @classmethod
    def _share_in_range(cls, value):
        if isinstance(value, float) and not 0 <= value <= 1:
            raise ValueError("a share must lie between 0 and 1")
        return value

    @property
    def upgrade_share(self) -> float:
        """Share of network-upgrade cost the data center pays under the cost-allocation regime."""
        if self.cost_allocation == "participant_funding":
            return 1.0
        if self.cost_allocation == "socialized":
            return self.socialized_data_center_share
        return float(self.cost_allocation)

    @model_validator(mode="after")
    def _horizon_in_order(self) -> ScenarioConfig:
        if self.first_year > self.last_year:
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        if self.last_year - self.first_year >= MAX_HORIZON_YEARS:
            raise ValueError(f"the horizon {self.first_year}-{self.last_year} is longer than {MAX_HORIZON_YEARS} years")
        if self.uncertainty and self.uncertainty.decide_now_years > len(self.years):
            raise ValueError(f"uncertainty.decide_now_years {self.uncertainty.decide_now_years} exceeds the horizon")
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
        ColumnSpec("pue", float, default=1.0, checks=(at_least(1),)),
        ColumnSpec("pool_id", str, blank_allowed=True),
        ColumnSpec("emission_kg_per_mwh", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("asset_life_years", float, blank_allowed=True, checks=(greater_than(0),)),
        ColumnSpec("wue_l_per_kwh", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("water_cost_usd_per_megalitre", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("basin_id", str, blank_allowed=True),
    ),
    key=("region_id",),
    required_rows=True,  # a scenario needs a region; demand.csv may be empty (nothing to plan)
)
PATH_KINDS = ("queue", "flexible", "onsite", "colocation")
INTERCONNECTION = TableSpec(
    "interconnection.csv",
    (
        ColumnSpec("region_id", str),
        ColumnSpec("path_id", str),
        ColumnSpec("kind", str, checks=(one_of(PATH_KINDS, "one of " + ", ".join(PATH_KINDS)),)),
        ColumnSpec("lead_time_years", float, checks=(at_least(0),)),
        ColumnSpec("max_mw", float, checks=(at_least(0),)),
        ColumnSpec("module_mw", float, blank_allowed=True, checks=(greater_than(0),)),
        ColumnSpec("capex_usd_per_mw", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("energy_price_usd_per_mwh", float, blank_allowed=True, checks=(at_least(0),)),
        ColumnSpec("emission_kg_per_mwh", float, blank_allowed=True, checks=(at_least(0),)),
        ColumnSpec("curtailment_share", float, default=0.0, checks=(between(0, 1, include_high=False),)),
        ColumnSpec("curtailment_cost_usd_per_mwh", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("firm_share", float, blank_allowed=True, checks=(between(0, 1),)),
        ColumnSpec("request_cost_usd_per_mw", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("releasable", float, blank_allowed=True, checks=(one_of((0.0, 1.0), "0 or 1"),)),
        ColumnSpec("opex_usd_per_mw_year", float, default=0.0, checks=(at_least(0),)),
    ),
    key=("region_id", "path_id"),
)
TARIFFS = TableSpec(
    "tariffs.csv",
    (
        ColumnSpec("region_id", str),
        ColumnSpec("energy_price_usd_per_mwh", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("demand_charge_usd_per_mw_month", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("capacity_price_usd_per_mw_day", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("min_take_share", float, default=0.0, checks=(between(0, 1),)),
        ColumnSpec("contract_years", int, default=0, checks=(at_least(0),)),
        ColumnSpec("ramp_years", int, default=0, checks=(at_least(0),)),
        ColumnSpec("upgrade_cost_usd_per_mw", float, default=0.0, checks=(at_least(0),)),
        ColumnSpec("data_center_upgrade_share", float, blank_allowed=True, checks=(between(0, 1),)),
    ),
    key=("region_id",),
)
LOCAL_LIMITS = TableSpec(
    "local_limits.csv",
    (ColumnSpec("pool_id", str), ColumnSpec("year", int), ColumnSpec("limit_mw", float, checks=(at_least(0),))),
    key=("pool_id", "year"),
)
WATER_LIMITS = TableSpec(
    "water_limits.csv",
    (
        ColumnSpec("basin_id", str, blank_allowed=True),
        ColumnSpec("region_id", str, blank_allowed=True),
        ColumnSpec("year", int),
        ColumnSpec("limit_megalitres", float, checks=(at_least(0),)),
    ),
    key=("basin_id", "region_id", "year"),
)
GPUS = TableSpec(
    "gpus.csv",
    (ColumnSpec("gpu_id", str), ColumnSpec("kw_per_gpu", float, checks=(greater_than(0),))),
    key=("gpu_id",),
)
ZONE_LIMITS = TableSpec(
    "zone_limits.csv",
    (ColumnSpec("zone_id", str), ColumnSpec("year", int), ColumnSpec("limit_mw", float, checks=(at_least(0),))),
    key=("zone_id", "year"),
)
DEMAND = TableSpec(
    "demand.csv",
    (
        ColumnSpec("demand_id", str),
        ColumnSpec("year", int),
        ColumnSpec("mw", float, blank_allowed=True, checks=(at_least(0),)),
        ColumnSpec("gpu_id", str, blank_allowed=True),
        ColumnSpec("gpus", float, blank_allowed=True, checks=(at_least(0),)),
    ),
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
    interconnection: pd.DataFrame | None = None
    tariffs: pd.DataFrame | None = None
    local_limits: pd.DataFrame | None = None
    gpus: pd.DataFrame | None = None
    water_limits: pd.DataFrame | None = None
    source: Path | None = None
    edits: tuple[str, ...] = ()  # edits applied to the files in `source` (see optimizer.inputs.variants)
    warnings: tuple[str, ...] = ()  # inputs that were ignored: unknown files and columns
    # The time limit as asked for, where a command's time budget has set the solve's own (with_time_left).
    asked_time_limit_s: tuple[float | None] | None = None

    @property
    def name(self) -> str:
        return self.config.name

    def input_hash(self) -> str:
        """SHA-256 of the validated inputs as asked for, independent of file formatting: the time limit
        a command's budget gives the solve (what is left of the command's own) is not an input."""
        digest = hashlib.sha256(self.as_asked().config.model_dump_json().encode())
        for label, table in self.tables().items():
            digest.update(label.encode())
            digest.update(table.to_csv(index=False).encode())
        return digest.hexdigest()

    @property
    def demand_mw(self) -> pd.DataFrame:
        """demand.csv with `mw` in IT MW on every row: GPUs * kW per GPU / 1000 where stated in GPUs."""
        if self.gpus is None:
            return self.demand
        kw = self.demand["gpu_id"].map(self.gpus.set_index("gpu_id")["kw_per_gpu"])
        return self.demand.assign(mw=self.demand["mw"].fillna(self.demand["gpus"] * kw / 1000.0))

    @property
    def solve_method(self) -> Literal["direct", "benders"]:
        """The method a solve uses: solver.method, or for `auto` the rule of method_for."""
        return self.method_for(sites_fixed=False)

    def method_for(self, *, sites_fixed: bool) -> Literal["direct", "benders"]:
        """solver.method, or for `auto` Benders where it applies (an unserved penalty, no paths) and
        either every site choice is fixed (`sites_fixed`: a plan carried out, whose Benders master holds
        the builds alone) in a model of SITES_FIXED_BENDERS_MIN_ARCS service arcs or more, or memory
        calls for it (memory_calls_for_benders); else the whole model."""
        method = self.config.solver.method
        if method != "auto":
            return method
        benders_applies = self.config.unserved_penalty_usd_per_mw_year is not None and self.interconnection is None
        large = self.service_arcs >= SITES_FIXED_BENDERS_MIN_ARCS
        return "benders" if benders_applies and ((sites_fixed and large) or self.memory_calls_for_benders) else "direct"

    @cached_property
    def service_arcs(self) -> int:
        """Allowed (demand centre, region) pairs times years: the size of the service part of the model."""
        return self.service_pairs * len(self.config.years)

    @property
    def every_pair(self) -> int:
        """Regions x demand centres: the service pairs without a latency radius."""
        return len(self.regions) * self.demand["demand_id"].nunique()

    @property
    def service_pairs(self) -> int:
        """Allowed (demand centre, region) pairs: service_costs.csv's rows, else every pair."""
        return self.every_pair if self.service_costs is None else len(self.service_costs)

    @cached_property
    def memory_calls_for_benders(self) -> bool:
        """Whether the whole model's estimated peak (WHOLE_MODEL_BYTES_PER_ARC per service arc) exceeds
        the memory available, where Benders needs less: with (nearly) every pair served. Read once, so
        that a run's build (formulations/tightening.py) and its solve see the same method."""
        if self.service_pairs < EVERY_PAIR_SHARE * self.every_pair:
            return False
        return WHOLE_MODEL_BYTES_PER_ARC * self.service_arcs > available_memory_bytes()

    @property
    def solver(self) -> SolverSettings:
        """The solver settings a run uses: scenario.yaml's, with `auto` resolved (solve_method)."""
        return self.solver_for(sites_fixed=False)

    def solver_for(self, *, sites_fixed: bool) -> SolverSettings:
        """The solver settings of a run whose site choices are all fixed (`sites_fixed`) or not (method_for)."""
        return self.config.solver.model_copy(update={"method": self.method_for(sites_fixed=sites_fixed)})

    def with_solver(self, **settings) -> Scenario:
        """A copy with some solver settings replaced (validated like scenario.yaml's `solver:`)."""
        try:
            solver = SolverSettings.model_validate(self.config.solver.model_dump() | settings)
        except ValidationError as err:
            raise ScenarioError("solver settings", [describe_validation_error(e) for e in err.errors()]) from None
        return replace(self, config=self.config.model_copy(update={"solver": solver}))

    def as_asked(self) -> Scenario:
        """The scenario with the time limit it was asked for, where a time budget set the solve's own:
        the inputs to save beside a result (they reload to its input hash)."""
        if self.asked_time_limit_s is None:
            return self
        return replace(self.with_solver(time_limit_s=self.asked_time_limit_s[0]), asked_time_limit_s=None)

    def with_time_left(self, seconds: float) -> Scenario:
        """A copy whose solve may take `seconds` (a command's time budget), its input hash unchanged."""
        asked = self.asked_time_limit_s or (self.config.solver.time_limit_s,)
        return replace(self.with_solver(time_limit_s=seconds), asked_time_limit_s=asked)

    def tables(self) -> dict[str, pd.DataFrame]:
        names = (
            "regions",
            "demand",
            "zone_limits",
            "service_costs",
            "interconnection",
            "tariffs",
            "local_limits",
            "gpus",
            "water_limits",
        )
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}

    def files(self) -> dict[str, str]:
        """The effective inputs as file name -> text, loadable with `load_scenario` or `read_scenario`."""
        return scenario_files(self.config.model_dump(mode="json"), self.tables())


def scenario_files(config: dict, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """scenario.yaml and one CSV per table (by file stem), as text."""
    texts = {CONFIG_FILE: yaml.safe_dump(config, sort_keys=False)}
    return texts | {f"{stem}.csv": frame.to_csv(index=False) for stem, frame in tables.items()}


def read_scenario(folder: Source, raw: dict) -> Scenario:
    """Validate a plain scenario (no `base:` or `overrides:`): `raw` is its scenario.yaml as read by
    `read_yaml`, the tables come from `folder` (a folder, or file name -> text); raise ScenarioError
    naming file, line and column. `optimizer.inputs.load.load_scenario` is the public entry point."""
    config = validate_config(raw)
    years = config.years
    horizon = one_of(years, f"a year from {years[0]} to {years[-1]} (the scenario horizon)")
    regions = _check_asset_lives(read_table(folder, REGIONS), config)
    known_region = one_of(set(regions["region_id"]), "a region_id listed in regions.csv")
    gpus = _optional(folder, GPUS, {})
    gpu_ids = set() if gpus is None else set(gpus["gpu_id"])
    demand = read_table(folder, DEMAND, {"year": horizon, "gpu_id": one_of(gpu_ids, "a gpu_id listed in gpus.csv")})
    _check_demand_units(demand)
    known_demand = one_of(set(demand["demand_id"]), "a demand_id listed in demand.csv")
    zone_limits = _optional(
        folder,
        ZONE_LIMITS,
        {"year": horizon, "zone_id": one_of(set(regions["zone_id"]), "a zone_id used in regions.csv")},
    )
    local_limits = _optional(
        folder,
        LOCAL_LIMITS,
        {"year": horizon, "pool_id": one_of(set(regions["pool_id"].dropna()), "a pool_id used in regions.csv")},
    )
    water_refs = {
        "year": horizon,
        "region_id": known_region,
        "basin_id": one_of(set(regions["basin_id"].dropna()), "a basin_id used in regions.csv"),
    }
    scenario = Scenario(
        config,
        regions,
        demand,
        zone_limits=zone_limits,
        service_costs=_optional(folder, SERVICE_COSTS, {"region_id": known_region, "demand_id": known_demand}),
        interconnection=_check_onsite_fuel(_optional(folder, INTERCONNECTION, {"region_id": known_region})),
        tariffs=_optional(folder, TARIFFS, {"region_id": known_region}),
        local_limits=local_limits,
        gpus=gpus,
        water_limits=_check_water_limits(_optional(folder, WATER_LIMITS, water_refs)),
        source=folder if isinstance(folder, Path) else None,  # text in memory has no folder
    )
    return replace(scenario, warnings=_ignored_inputs(folder, scenario))


TABLE_SPECS = {
    "regions": REGIONS,
    "demand": DEMAND,
    "zone_limits": ZONE_LIMITS,
    "service_costs": SERVICE_COSTS,
    "interconnection": INTERCONNECTION,
    "tariffs": TARIFFS,
    "local_limits": LOCAL_LIMITS,
    "gpus": GPUS,
    "water_limits": WATER_LIMITS,
}


def _ignored_inputs(folder: Path | Mapping[str, str], scenario: Scenario) -> tuple[str, ...]:
    """Warnings for CSV files and columns the contract does not know: a typo would otherwise be
    ignored silently and its default used. Close matches are suggested."""
    known_files = [spec.file for spec in TABLE_SPECS.values()]
    names = folder.keys() if isinstance(folder, Mapping) else (p.name for p in folder.iterdir())
    notes = [
        f"{name}: not a scenario table, ignored{_did_you_mean(name, known_files)}"
        for name in sorted(names)
        if name.endswith(".csv") and name not in known_files
    ]
    for stem, table in scenario.tables().items():
        columns = [c.name for c in TABLE_SPECS[stem].columns]
        notes += [
            f"{stem}.csv: unknown column '{c}' ignored{_did_you_mean(c, columns)}"
            for c in table.columns
            if c not in columns
        ]
    return tuple(notes)


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_demand_units(demand: pd.DataFrame) -> None:
    """Each demand row gives `mw` (IT MW) or `gpus` of a `gpu_id`, not both."""
    in_gpus = demand["gpus"].notna() | demand["gpu_id"].notna()
    problems = [
        f"line {i + 2}: expected either mw, or gpus with gpu_id, not "
        + ("both" if pd.notna(row.mw) else "neither" if not in_gpus[i] else "gpus without gpu_id or the reverse")
        for i, row in demand.iterrows()
        if pd.notna(row.mw) == bool(in_gpus[i]) or (in_gpus[i] and (pd.isna(row.gpus) or pd.isna(row.gpu_id)))
    ]
    if problems:
        raise ScenarioError(DEMAND.file, problems)


def _check_asset_lives(regions: pd.DataFrame, config: ScenarioConfig) -> pd.DataFrame:
    """With salvage, every region states the service life its capex is written off over."""
    if config.salvage is not None:
        blank = regions.index[regions["asset_life_years"].isna()]
        problems = [
            f"line {i + 2}, column asset_life_years: empty cell, expected the asset life in years "
            f"(salvage: {config.salvage})"
            for i in blank
        ]
        if problems:
            raise ScenarioError(REGIONS.file, problems)
    return regions


def _check_water_limits(limits: pd.DataFrame | None) -> pd.DataFrame | None:
    """Each water limit names a basin (all its regions) or a single region, not both."""
    if limits is None:
        return None
    named = limits["basin_id"].notna().astype(int) + limits["region_id"].notna()
    problems = [
        f"line {i + 2}: expected a basin_id or a region_id, not both or neither" for i in limits.index[named != 1]
    ]
    if problems:
        raise ScenarioError(WATER_LIMITS.file, problems)
    return limits


def _check_onsite_fuel(paths: pd.DataFrame | None) -> pd.DataFrame | None:
    """An onsite path states its fuel cost: a blank price means the tariff's only for utility paths."""
    if paths is None:
        return None
    blank = paths["kind"].eq("onsite") & paths["energy_price_usd_per_mwh"].isna()
    problems = [
        f"line {i + 2}, column energy_price_usd_per_mwh: empty cell, expected the onsite path's fuel cost "
        "in USD/MWh (0 if it has none)"
        for i in paths.index[blank]
    ]
    if problems:
        raise ScenarioError(INTERCONNECTION.file, problems)
    return paths


def _optional(folder: Source, spec: TableSpec, refs) -> pd.DataFrame | None:
    return read_table(folder, spec, refs) if has_file(folder, spec.file) else None


def read_yaml(folder: Source) -> dict:
    """scenario.yaml as a mapping (not yet validated)."""
    if not has_file(folder, CONFIG_FILE):
        raise ScenarioError(CONFIG_FILE, ["file not found in the scenario folder"])
    raw = load_yaml(file_text(folder, CONFIG_FILE), CONFIG_FILE)
    if not isinstance(raw, dict):
        raise ScenarioError(CONFIG_FILE, ["expected a mapping of keys such as name, first_year, last_year"])
    return raw


def validate_config(raw: dict) -> ScenarioConfig:
    try:
        return ScenarioConfig.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(CONFIG_FILE, [describe_validation_error(e) for e in err.errors()]) from None


def describe_validation_error(error: dict) -> str:
    key = ".".join(str(p) for p in error["loc"]) or "(top level)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return f"key {key}: missing, expected a value"
    if error["type"] == "extra_forbidden":
        return f"key {key}: unknown key"
    value = error.get("input")
    text = shown(json.dumps(value, default=str))
    if isinstance(value, bool):  # YAML 1.1 reads yes/no/on/off as booleans
        text += " (YAML reads yes, no, on, off, true and false as true or false)"
    return f"key {key}: {message}, got {text}"
