"""Write small scenario folders for tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

REGION_DEFAULTS = {"zone_id": "Z", "lat": 40.0, "lon": -90.0, "max_mw": 1000.0}
# Contract defaults, written out when some rows set a column and others do not (blank cells are errors).
OPTIONAL_DEFAULTS = {"fixed_cost_usd": 0.0, "capex_usd_per_mw": 0.0, "opex_usd_per_mw_year": 0.0, "lead_time_years": 0.0}


def write_scenario(
    folder: Path,
    regions: list[dict],
    demand: list[tuple[str, int, float]],
    zone_limits: list[tuple[str, int, float]] | None = None,
    service_costs: list[tuple[str, str, float]] | None = None,
    **config,
) -> Path:
    """A scenario folder; `config` goes to scenario.yaml (first_year/last_year default to 2026)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"name": folder.name, "first_year": 2026, "last_year": 2026, "solver": {"mip_rel_gap": 0.0}} | config
    (folder / "scenario.yaml").write_text(yaml.safe_dump(settings))
    table = pd.DataFrame([REGION_DEFAULTS | r for r in regions])
    table = table.fillna({k: v for k, v in OPTIONAL_DEFAULTS.items() if k in table})
    table.to_csv(folder / "regions.csv", index=False)
    pd.DataFrame(demand, columns=["demand_id", "year", "mw"]).to_csv(folder / "demand.csv", index=False)
    if zone_limits is not None:
        pd.DataFrame(zone_limits, columns=["zone_id", "year", "limit_mw"]).to_csv(folder / "zone_limits.csv", index=False)
    if service_costs is not None:
        frame = pd.DataFrame(service_costs, columns=["demand_id", "region_id", "usd_per_mw_year"])
        frame.to_csv(folder / "service_costs.csv", index=False)
    return folder
