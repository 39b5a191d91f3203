"""Seeded instances of the public scenario contract, for benchmarks and scale tests.

    python -m bench.generate OUT --sites 200 --years 10 --demands 20 [--radius-km 600] [--seed 1]

Sites and demand centres are scattered over the contiguous US; sites fall into grid zones by
longitude band, and each zone's yearly limit is a share of what its sites could hold. Service
costs are proportional to great-circle distance; with a radius only the pairs within it are
written (a latency budget), without one every pair is. Demand grows each year. Numbers are
plausible orders of magnitude, not sourced facts: the point is a realistic structure.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

FIRST_YEAR = 2026
LAT_RANGE, LON_RANGE = (30.0, 47.0), (-120.0, -75.0)
EARTH_RADIUS_KM = 6371.0
SERVICE_USD_PER_MW_YEAR_PER_KM = 400.0


@dataclass(frozen=True)
class InstanceSpec:
    sites: int
    years: int
    demands: int
    radius_km: float | None = None
    seed: int = 1
    zones: int = 8
    modular_share: float = 0.5
    penalty_usd_per_mw_year: float | None = 12_000_000.0
    mip_rel_gap: float = 0.001
    time_limit_s: float | None = None

    @property
    def name(self) -> str:
        radius = "all" if self.radius_km is None else f"r{self.radius_km:g}"
        return f"s{self.sites}_t{self.years}_d{self.demands}_{radius}_seed{self.seed}"


def distance_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle (haversine) distance between every point 1 (rows) and point 2 (columns)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2))
    dlat = p2[None, :] - p1[:, None]
    dlon = l2[None, :] - l1[:, None]
    h = np.sin(dlat / 2) ** 2 + np.cos(p1)[:, None] * np.cos(p2)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def write_instance(spec: InstanceSpec, folder: Path) -> Path:
    """Write the scenario folder for `spec` (same spec, same files)."""
    rng = np.random.default_rng([spec.seed, spec.sites, spec.years, spec.demands])
    folder.mkdir(parents=True, exist_ok=True)
    regions = _regions(spec, rng)
    demand_sites = _demand_centres(spec, rng)
    distance = distance_km(demand_sites["lat"], demand_sites["lon"], regions["lat"], regions["lon"])
    within = distance <= (spec.radius_km if spec.radius_km is not None else np.inf)
    demand = _demand(spec, rng, demand_sites, regions, within)
    d_idx, r_idx = np.nonzero(within)
    service = pd.DataFrame(
        {
            "demand_id": demand_sites["demand_id"].to_numpy()[d_idx],
            "region_id": regions["region_id"].to_numpy()[r_idx],
            "usd_per_mw_year": np.round(SERVICE_USD_PER_MW_YEAR_PER_KM * distance[d_idx, r_idx], 2),
        }
    )
    regions.to_csv(folder / "regions.csv", index=False)
    demand.to_csv(folder / "demand.csv", index=False)
    service.to_csv(folder / "service_costs.csv", index=False)
    _zone_limits(spec, regions, demand, within).to_csv(folder / "zone_limits.csv", index=False)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(_config(spec), sort_keys=False))
    return folder


def _regions(spec: InstanceSpec, rng: np.random.Generator) -> pd.DataFrame:
    n = spec.sites
    lon = rng.uniform(*LON_RANGE, n)
    band = np.minimum(((lon - LON_RANGE[0]) / (LON_RANGE[1] - LON_RANGE[0]) * spec.zones).astype(int), spec.zones - 1)
    modular = rng.random(n) < spec.modular_share
    return pd.DataFrame(
        {
            "region_id": [f"site{i:05d}" for i in range(n)],
            "zone_id": [f"Z{b}" for b in band],
            "lat": np.round(rng.uniform(*LAT_RANGE, n), 4),
            "lon": np.round(lon, 4),
            "max_mw": rng.choice([100.0, 200.0, 300.0, 500.0], n),
            "fixed_cost_usd": np.round(rng.uniform(20e6, 120e6, n), -3),
            "capex_usd_per_mw": np.round(rng.uniform(7e6, 11e6, n), -3),
            "opex_usd_per_mw_year": np.round(rng.uniform(300e3, 800e3, n), -3),
            "lead_time_years": rng.choice([0, 0, 1, 2, 3, 4, 5, 7], n).astype(float),
            "module_mw": np.where(modular, rng.choice([25.0, 50.0], n), np.nan),
        }
    )


def _demand_centres(spec: InstanceSpec, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "demand_id": [f"dc{i:03d}" for i in range(spec.demands)],
            "lat": rng.uniform(*LAT_RANGE, spec.demands),
            "lon": rng.uniform(*LON_RANGE, spec.demands),
        }
    )


def _demand(spec, rng, centres: pd.DataFrame, regions: pd.DataFrame, within: np.ndarray) -> pd.DataFrame:
    """Demand grows from 10% to 100% of a final level, a random share (15-35%) of the MW of the
    centre's reachable sites (each site's MW split among the centres sharing it). Each year's
    demand is also kept under half of that share among sites whose lead time allows building by
    then, so a scenario without an unserved penalty is feasible (see `_zone_limits`)."""
    share_mw = regions["max_mw"].to_numpy() / np.maximum(within.sum(axis=0), 1)
    final = (within @ share_mw) * rng.uniform(0.15, 0.35, spec.demands)
    ramp = np.linspace(0.1, 1.0, spec.years)
    rows = []
    for k in range(spec.years):
        mw = np.minimum(final * ramp[k], 0.5 * _ready(within, regions, k) @ share_mw)
        rows += [(d, FIRST_YEAR + k, round(float(v), 1)) for d, v in zip(centres["demand_id"], mw)]
    return pd.DataFrame(rows, columns=["demand_id", "year", "mw"])


def _ready(within: np.ndarray, regions: pd.DataFrame, k: int) -> np.ndarray:
    """within, restricted to sites whose lead time lets them build by year index k."""
    return within * (np.ceil(regions["lead_time_years"].to_numpy() - 1e-9) <= k)


def _zone_limits(spec, regions: pd.DataFrame, demand: pd.DataFrame, within: np.ndarray) -> pd.DataFrame:
    """Each zone may absorb 1.3x its MW-proportional share of the year's total demand, and never
    less than a known feasible plan needs: every centre served from its ready sites in proportion
    to their share, capacity the running maximum of that load, in whole modules."""
    share_mw = regions["max_mw"].to_numpy() / np.maximum(within.sum(axis=0), 1)
    need = demand.pivot(index="year", columns="demand_id", values="mw").to_numpy()
    module = regions["module_mw"].fillna(1e-9).to_numpy()
    load = np.zeros(len(regions))
    zone_mw = regions.groupby("zone_id")["max_mw"].sum()
    rows = []
    for k, t in enumerate(sorted(demand["year"].unique())):
        ready = _ready(within, regions, k)
        fraction = need[k] / np.maximum(ready @ share_mw, 1e-9)
        load = np.maximum(load, np.ceil((fraction @ ready) * share_mw / module - 1e-9) * module)
        planned = pd.Series(load).groupby(regions["zone_id"].to_numpy()).sum()
        total = need[k].sum()
        for z in zone_mw.index:
            limit = max(1.3 * zone_mw[z] / zone_mw.sum() * total, planned.get(z, 0.0))
            rows.append((z, int(t), math.ceil(limit * 10) / 10))
    return pd.DataFrame(rows, columns=["zone_id", "year", "limit_mw"])


def _config(spec: InstanceSpec) -> dict:
    config = {
        "name": spec.name,
        "first_year": FIRST_YEAR,
        "last_year": FIRST_YEAR + spec.years - 1,
        "discount_rate": 0.08,
    }
    if spec.penalty_usd_per_mw_year is not None:
        config["unserved_penalty_usd_per_mw_year"] = spec.penalty_usd_per_mw_year
    solver = {"mip_rel_gap": spec.mip_rel_gap}
    if spec.time_limit_s is not None:
        solver["time_limit_s"] = spec.time_limit_s
    return config | {"solver": solver}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sites", type=int, required=True)
    parser.add_argument("--years", type=int, required=True)
    parser.add_argument("--demands", type=int, required=True)
    parser.add_argument("--radius-km", type=float)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-penalty", action="store_true", help="demand is a hard constraint")
    args = parser.parse_args()
    spec = InstanceSpec(
        args.sites,
        args.years,
        args.demands,
        args.radius_km,
        args.seed,
        penalty_usd_per_mw_year=None if args.no_penalty else InstanceSpec.penalty_usd_per_mw_year,
    )
    print(write_instance(spec, args.out))


if __name__ == "__main__":
    main()
