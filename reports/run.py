"""A run folder read back for reporting: the result files `gridsite solve` wrote, never the model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

# Result tables a run folder may hold (per outcome for a plan across outcomes, then reported as expected values).
PENALTY = "unserved"  # the cost component that values demand not served
HARD_DEMAND = "Demand is a hard constraint (the scenario sets no unserved penalty): every MW is served."
OPTIONAL_RESULTS = ("power_limits", "capacity_by_path", "upgrades", "emissions", "water")


class RunFolderError(ValueError):
    """A run folder that cannot be reported on; the message names the folder and file."""


@dataclass(frozen=True)
class Run:
    """Result tables of one run. Optional tables are None when their file is absent."""

    folder: Path
    summary: dict
    capacity: pd.DataFrame
    costs: pd.DataFrame
    service: pd.DataFrame
    unserved: pd.DataFrame
    sites: pd.DataFrame  # sites.geojson properties: region_id, zone_id, lat, lon, max_mw, ...
    config: dict | None = None  # inputs/scenario.yaml
    regions: pd.DataFrame | None = None  # inputs/regions.csv
    power_limits: pd.DataFrame | None = None  # power_limits.csv (firm grid MW held against each limit)
    limits: pd.DataFrame | None = None  # limits.csv (binding zone limits and their marginal value)
    lead_times: pd.DataFrame | None = None  # lead_times.csv (value of earlier interconnection)
    probes: pd.DataFrame | None = None  # probes.csv (cost of forcing regions in or out)
    capacity_by_path: pd.DataFrame | None = None  # capacity_by_path.csv (grid MW per power path)
    upgrades: pd.DataFrame | None = None  # upgrades.csv (network upgrades and who pays them)
    emissions: pd.DataFrame | None = None  # emissions.csv
    water: pd.DataFrame | None = None  # water.csv
    interconnection: pd.DataFrame | None = None  # inputs/interconnection.csv (power paths and their lead times)
    tariffs: pd.DataFrame | None = None  # inputs/tariffs.csv
    # A plan across uncertain outcomes: the tables above hold probability-weighted expected values;
    # these hold outcomes.csv, decisions_now.csv and each table per outcome (with its outcome column).
    outcomes: pd.DataFrame | None = None
    decisions_now: pd.DataFrame | None = None
    by_outcome: dict[str, pd.DataFrame] | None = None

    @property
    def name(self) -> str:
        return self.summary["scenario"]

    @property
    def years(self) -> list[int]:
        return sorted(self.capacity["year"].unique())

    @property
    def capacity_by_year(self) -> pd.DataFrame:
        """MW in service: one row per region, one column per year."""
        return self.capacity.pivot(index="region_id", columns="year", values="capacity_mw")

    @property
    def demand_by_year(self) -> pd.Series:
        """Required MW per year. Demand rows are equalities (served + unserved = demand), so the
        result tables give demand exactly without the inputs."""
        return self._demanded_by_year("mw")

    @property
    def gpus_by_year(self) -> pd.DataFrame | None:
        """GPUs served and demanded per year, counting demand centres stated in GPUs (None if none is)."""
        if "gpus" not in self.service:
            return None
        served = self.service.groupby("year")["gpus"].sum().reindex(self.years, fill_value=0.0)
        return pd.DataFrame({"served": served, "demanded": self._demanded_by_year("gpus")})

    def _demanded_by_year(self, column: str) -> pd.Series:
        """Served plus unserved `column` (mw or gpus) per year: what the demand rows require."""
        met = pd.concat([self.service[["year", column]], self.unserved.reindex(columns=["year", column])])
        return met.groupby("year")[column].sum().reindex(self.years, fill_value=0.0)

    @property
    def unserved_by_year(self) -> pd.Series:
        return self.unserved.groupby("year")["mw"].sum().reindex(self.years, fill_value=0.0)

    @property
    def grid_mw_by_year(self) -> pd.Series:
        """Grid MW in service per year (IT MW times PUE; IT MW where capacity.csv has no grid_mw)."""
        column = "grid_mw" if "grid_mw" in self.capacity else "capacity_mw"
        return self.capacity.groupby("year")[column].sum().reindex(self.years, fill_value=0.0)

    @property
    def total_cost_usd(self) -> float:
        """The objective: every discounted cost term, the unserved penalty included."""
        return float(self.costs["discounted_usd"].sum())

    @property
    def penalty_usd(self) -> float:
        """The unserved penalty: a valuation of demand not online, not money anyone pays. summary.json
        gives it; run folders written before it did have it in costs.csv."""
        if "penalty_usd" in self.summary:
            return float(self.summary["penalty_usd"])
        return float(self.costs.loc[self.costs["component"] == PENALTY, "discounted_usd"].sum())

    @property
    def spend_usd(self) -> float:
        """Discounted cost actually paid: the objective without the unserved penalty."""
        return float(self.summary.get("spend_usd", self.total_cost_usd - self.penalty_usd))

    @property
    def demand_is_hard(self) -> bool:
        """Whether demand is a hard constraint: the scenario sets no unserved penalty, so nothing is
        short and nothing is valued. summary.json's `demand_is_hard` says so; for folders written
        before it did, inputs/scenario.yaml (False where the folder has no inputs/)."""
        if "demand_is_hard" in self.summary:
            return bool(self.summary["demand_is_hard"])
        return self.config is not None and self.config.get("unserved_penalty_usd_per_mw_year") is None

    @property
    def shortfall_mw_years(self) -> float:
        """MW-years of demand not online (expected over outcomes for a plan across outcomes)."""
        return float(self.summary.get("shortfall_mw_years", self.unserved_by_year.sum()))


def has_plan(folder: str | Path) -> bool:
    """Whether the run folder holds a solution (the solve writes capacity.csv only then)."""
    return (Path(folder) / "capacity.csv").is_file()


def read_run(folder: str | Path) -> Run:
    """Read a finished run folder that holds a plan; raise RunFolderError when it is incomplete."""
    folder = Path(folder)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise RunFolderError(f"{folder}: summary.json not found; expected the output folder of `gridsite solve`")
    summary = json.loads(summary_path.read_text())
    if not has_plan(folder):
        raise RunFolderError(f"{folder}: no plan to report (status {summary['status']}: {summary['message']})")
    inputs = folder / "inputs"
    tables = {name: _csv(folder, f"{name}.csv") for name in ("capacity", "costs", "service", "unserved")}
    tables |= {name: _optional_csv(folder / f"{name}.csv") for name in OPTIONAL_RESULTS}
    outcomes = _optional_csv(folder / "outcomes.csv")
    by_outcome = None
    if outcomes is not None:  # one table per outcome: report the expected plan, keep the rest
        by_outcome = tables | {"requests": _optional_csv(folder / "requests.csv")}
        tables = {name: None if table is None else expected(table, outcomes) for name, table in tables.items()}
    return Run(
        folder=folder,
        summary=summary,
        **tables,
        sites=_sites(folder / "sites.geojson"),
        config=yaml.safe_load((inputs / "scenario.yaml").read_text()) if (inputs / "scenario.yaml").is_file() else None,
        regions=_optional_csv(inputs / "regions.csv"),
        interconnection=_optional_csv(inputs / "interconnection.csv"),
        tariffs=_optional_csv(inputs / "tariffs.csv"),
        limits=_optional_csv(folder / "limits.csv"),
        lead_times=_optional_csv(folder / "lead_times.csv"),
        probes=_optional_csv(folder / "probes.csv"),
        outcomes=outcomes,
        decisions_now=_optional_csv(folder / "decisions_now.csv"),
        by_outcome=by_outcome,
    )


def read_csv(path: Path) -> pd.DataFrame:
    """A result table as gridsite wrote it: only an empty cell is missing, so ids such as NA or null
    stay ids (the inputs' blank rule, docs/contract.md)."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def expected(table: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """A per-outcome table (leading `outcome` column) as probability-weighted expected values: each
    number summed over outcomes times their probability, per key (the text columns and the year)."""
    probability = table["outcome"].map(outcomes.set_index("outcome")["probability"])
    keys = [c for c in table.columns if c != "outcome" and (c == "year" or not pd.api.types.is_numeric_dtype(table[c]))]
    values = [c for c in table.columns if c not in keys and c != "outcome"]
    weighted = table[values].mul(probability, axis=0).assign(**{k: table[k] for k in keys})
    return weighted.groupby(keys, sort=False, as_index=False, dropna=False)[values].sum()[keys + values]


def _csv(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        raise RunFolderError(f"{folder}: {name} not found; the run folder is incomplete")
    return read_csv(path)


def _optional_csv(path: Path) -> pd.DataFrame | None:
    return read_csv(path) if path.is_file() else None


def _sites(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise RunFolderError(f"{path.parent}: sites.geojson not found; the run folder is incomplete")
    features = json.loads(path.read_text())["features"]
    return pd.DataFrame([f["properties"] for f in features])
