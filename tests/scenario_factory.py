"""Write small scenario folders for tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from optimizer.scenario import GPUS, INTERCONNECTION, LOCAL_LIMITS, REGIONS, TARIFFS

REGION_DEFAULTS = {"zone_id": "Z", "lat": 40.0, "lon": -90.0, "max_mw": 1000.0}
SPECS = {spec.file: spec for spec in (REGIONS, INTERCONNECTION, TARIFFS, LOCAL_LIMITS, GPUS)}


def _frame(file: str, rows: list[dict]) -> pd.DataFrame:
    """Rows as a table; where some rows leave out an optional column, write its contract default
    (blank cells in a present column are errors)."""
    table = pd.DataFrame(rows)
    spec = SPECS.get(file)
    if spec is not None:
        table = table.fillna({c.name: c.default for c in spec.columns if c.default is not None and c.name in table})
    return table


def write_scenario(
    folder: Path,
    regions: list[dict],
    demand: list[tuple[str, int, float]],
    zone_limits: list[tuple[str, int, float]] | None = None,
    service_costs: list[tuple[str, str, float]] | None = None,
    tables: dict[str, list[dict]] | None = None,
    **config,
) -> Path:
    """A scenario folder; `tables` adds optional tables by file stem (rows as dicts), and `config`
    goes to scenario.yaml (first_year/last_year default to 2026)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"name": folder.name, "first_year": 2026, "last_year": 2026, "solver": {"mip_rel_gap": 0.0}} | config
    (folder / "scenario.yaml").write_text(yaml.safe_dump(settings))
    _frame("regions.csv", [REGION_DEFAULTS | r for r in regions]).to_csv(folder / "regions.csv", index=False)
    pd.DataFrame(demand, columns=["demand_id", "year", "mw"]).to_csv(folder / "demand.csv", index=False)
    if zone_limits is not None:
        pd.DataFrame(zone_limits, columns=["zone_id", "year", "limit_mw"]).to_csv(folder / "zone_limits.csv", index=False)
    if service_costs is not None:
        frame = pd.DataFrame(service_costs, columns=["demand_id", "region_id", "usd_per_mw_year"])
        frame.to_csv(folder / "service_costs.csv", index=False)
    for name, rows in (tables or {}).items():
        _frame(f"{name}.csv", rows).to_csv(folder / f"{name}.csv", index=False)
    return folder
