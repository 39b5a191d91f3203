"""Write small scenario folders for tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from optimizer.inputs.scenario import GPUS, INTERCONNECTION, LOCAL_LIMITS, REGIONS, TARIFFS, WATER_LIMITS

REGION_DEFAULTS = {"zone_id": "Z", "lat": 40.0, "lon": -90.0, "max_mw": 1000.0}
SPECS = {spec.file: spec for spec in (REGIONS, INTERCONNECTION, TARIFFS, LOCAL_LIMITS, GPUS, WATER_LIMITS)}


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
        pd.DataFrame(zone_limits, columns=["zone_id", "year", "limit_mw"]).to_csv(
            folder / "zone_limits.csv", index=False
        )
    if service_costs is not None:
        frame = pd.DataFrame(service_costs, columns=["demand_id", "region_id", "usd_per_mw_year"])
        frame.to_csv(folder / "service_costs.csv", index=False)
    for name, rows in (tables or {}).items():
        _frame(f"{name}.csv", rows).to_csv(folder / f"{name}.csv", index=False)
    return folder


def write_random_scenario(folder: Path, regions: int, demands: int, years: int, seed: int) -> Path:
    """A seeded random scenario with fixed costs, modules, lead times, zone limits and service costs:
    a MIP that takes HiGHS measurable time (for batch tests and bench/), always feasible (a penalty
    prices unserved demand)."""
    rng = np.random.default_rng(seed)
    zones = ["PJM", "ERCOT", "MISO", "SPP"]
    rows = [
        {
            "region_id": f"r{i:03d}",
            "zone_id": zones[i % len(zones)],
            "lat": float(rng.uniform(30, 45)),
            "lon": float(rng.uniform(-120, -75)),
            "max_mw": float(rng.integers(4, 20) * 50),
            "fixed_cost_usd": float(rng.integers(5, 30) * 1e8),
            "capex_usd_per_mw": float(rng.uniform(8, 14) * 1e6),
            "opex_usd_per_mw_year": float(rng.uniform(0.3, 0.8) * 1e6),
            "lead_time_years": float(rng.integers(0, 4)),
            "module_mw": 50.0,
        }
        for i in range(regions)
    ]
    last_year = 2026 + years - 1
    # Demand grows to 40 % of all sites' room by the last year, so siting is a real choice.
    room = sum(r["max_mw"] for r in rows)
    demand = [
        (f"d{d}", 2026 + t, round(0.4 * room / demands * (t + 1) / years)) for d in range(demands) for t in range(years)
    ]
    service = [(f"d{d}", r["region_id"], float(rng.uniform(0, 2e6))) for d in range(demands) for r in rows]
    limits = [(z, last_year, float(regions * 150)) for z in zones]
    return write_scenario(
        folder,
        regions=rows,
        demand=demand,
        zone_limits=limits,
        service_costs=service,
        last_year=last_year,
        discount_rate=0.07,
        unserved_penalty_usd_per_mw_year=5e7,
    )
