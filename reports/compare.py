"""What-if comparison of two run folders (base and variant), from their files only.

Tables (each also written as CSV by `gridsite whatif`):
- cost_delta: discounted USD by cost component (and `total`), base, variant, delta
- regions_changed: regions the variant opens that the base does not, and the reverse
- capacity_delta: MW in service by region and year where base and variant differ
- online_vs_demand: MW online by year in each plan vs. the MW the variant demands (its
  inputs/demand.csv); when capacity.csv carries a `gpus` column, GPUs online are compared too
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

TOTAL = "total"


def compare_runs(base_dir: str | Path, variant_dir: str | Path) -> dict[str, pd.DataFrame]:
    base, variant = Path(base_dir), Path(variant_dir)
    capacity = _capacity(base).merge(
        _capacity(variant), on=["region_id", "year"], how="outer", suffixes=("_base", "_variant")
    )
    capacity = capacity.fillna(0.0)
    return {
        "cost_delta": _cost_delta(base, variant),
        "regions_changed": _regions_changed(capacity),
        "capacity_delta": _capacity_delta(capacity),
        "online_vs_demand": _online_vs_demand(capacity, variant),
    }


def render_comparison(base_dir: str | Path, variant_dir: str | Path) -> str:
    """comparison.md: provenance of both runs, then every table of `compare_runs`."""
    lines = ["# What-if comparison", ""]
    for label, folder in (("Base", Path(base_dir)), ("Variant", Path(variant_dir))):
        summary = json.loads((folder / "summary.json").read_text())
        gap = "n/a" if summary["mip_gap"] is None else f"{summary['mip_gap']:.4%}"
        edits = "; ".join(summary.get("edits") or []) or "none"
        lines.append(
            f"- {label} ({summary['scenario']}): status **{summary['status']}**, MIP gap {gap}, "
            f"solve {summary['solve_seconds']:.2f} s, input hash `{summary['input_hash'][:12]}`, edits: {edits}"
        )
    lines.append("")
    for name, table in compare_runs(base_dir, variant_dir).items():
        body = "(none)" if table.empty else table.to_markdown(index=False, floatfmt=",.1f")
        lines += [f"## {name.replace('_', ' ').capitalize()}", "", body, ""]
    return "\n".join(lines)


def _capacity(run: Path) -> pd.DataFrame:
    path = run / "capacity.csv"
    columns = ["region_id", "year", "capacity_mw"]
    if not path.exists():  # a run without a solution builds nothing
        return pd.DataFrame(columns=columns)
    capacity = pd.read_csv(path)
    return capacity[columns + (["gpus"] if "gpus" in capacity else [])]


def _cost_delta(base: Path, variant: Path) -> pd.DataFrame:
    costs = {label: _costs_by_component(run) for label, run in (("base", base), ("variant", variant))}
    table = pd.DataFrame({f"{label}_usd": series for label, series in costs.items()}).fillna(0.0)
    table.loc[TOTAL] = table.sum()
    table["delta_usd"] = table["variant_usd"] - table["base_usd"]
    return table.rename_axis("component").reset_index()


def _costs_by_component(run: Path) -> pd.Series:
    path = run / "costs.csv"
    if not path.exists():
        return pd.Series(dtype=float)
    return pd.read_csv(path).groupby("component", sort=False)["discounted_usd"].sum()


def _regions_changed(capacity: pd.DataFrame) -> pd.DataFrame:
    built = capacity.groupby("region_id")[["capacity_mw_base", "capacity_mw_variant"]].max() > 0
    opened = built.index[~built["capacity_mw_base"] & built["capacity_mw_variant"]]
    dropped = built.index[built["capacity_mw_base"] & ~built["capacity_mw_variant"]]
    rows = [(r, "opened") for r in opened] + [(r, "dropped") for r in dropped]
    return pd.DataFrame(rows, columns=["region_id", "change"])


def _capacity_delta(capacity: pd.DataFrame) -> pd.DataFrame:
    table = capacity[["region_id", "year", "capacity_mw_base", "capacity_mw_variant"]].copy()
    table["delta_mw"] = table["capacity_mw_variant"] - table["capacity_mw_base"]
    return table[table["delta_mw"].abs() > 1e-6].sort_values(["region_id", "year"]).reset_index(drop=True)


def _online_vs_demand(capacity: pd.DataFrame, variant: Path) -> pd.DataFrame:
    online = capacity.drop(columns="region_id").groupby("year").sum()
    online.columns = [c.replace("capacity_mw", "online_mw").replace("gpus", "online_gpus") for c in online.columns]
    demand = pd.read_csv(variant / "inputs" / "demand.csv").groupby("year")["mw"].sum().rename("demand_mw")
    table = online.join(demand, how="outer").fillna(0.0)
    return table.rename_axis("year").reset_index()
