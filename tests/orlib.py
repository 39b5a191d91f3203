"""Convert Beasley's OR-Library capacitated warehouse location instances into scenario folders.

The contract expresses the multi-source capacitated facility location problem exactly: one year,
warehouses as regions (max_mw = capacity, fixed_cost_usd = fixed cost), customers as demand
centres, and a per-MW service cost equal to the cost of serving all of a customer's demand
divided by that demand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml


def read_cap(
    path: Path, capacity: float | None = None
) -> tuple[list[tuple[float, float]], list[tuple[float, list[float]]]]:
    """Warehouses as (capacity, fixed cost) and customers as (demand, cost of serving all of it per
    warehouse). capa/b/c write the word 'capacity' instead of a number: pass `capacity` for them."""
    tokens = path.read_text().split()
    m, n = int(tokens[0]), int(tokens[1])
    pos = 2
    warehouses = []
    for _ in range(m):
        size = capacity if tokens[pos] == "capacity" else float(tokens[pos])
        warehouses.append((size, float(tokens[pos + 1])))
        pos += 2
    customers = []
    for _ in range(n):
        demand = float(tokens[pos])
        customers.append((demand, [float(t) for t in tokens[pos + 1 : pos + 1 + m]]))
        pos += 1 + m
    return warehouses, customers


def write_cap_scenario(path: Path, folder: Path, capacity: float | None = None) -> Path:
    warehouses, customers = read_cap(path, capacity)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"name": folder.name, "first_year": 2026, "last_year": 2026, "solver": {"mip_rel_gap": 1e-9}}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(config))
    regions = pd.DataFrame(
        [(f"w{i}", "Z", 0.0, 0.0, size, fixed) for i, (size, fixed) in enumerate(warehouses, 1)],
        columns=["region_id", "zone_id", "lat", "lon", "max_mw", "fixed_cost_usd"],
    )
    regions.to_csv(folder / "regions.csv", index=False)
    served = [(f"c{j}", demand, costs) for j, (demand, costs) in enumerate(customers, 1) if demand > 0]
    pd.DataFrame([(c, 2026, d) for c, d, _ in served], columns=["demand_id", "year", "mw"]).to_csv(
        folder / "demand.csv", index=False
    )
    pairs = [(c, f"w{i}", cost / d) for c, d, costs in served for i, cost in enumerate(costs, 1)]
    pd.DataFrame(pairs, columns=["demand_id", "region_id", "usd_per_mw_year"]).to_csv(
        folder / "service_costs.csv", index=False, float_format="%.17g"
    )
    return folder
