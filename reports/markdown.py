"""A plain-text siting report (Markdown) from the files of a run folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from reports.run import read_csv


def render_markdown(run_dir: str | Path) -> str:
    """Render report.md from summary.json and the result CSVs in `run_dir`."""
    run = Path(run_dir)
    summary = json.loads((run / "summary.json").read_text())
    lines = [f"# Siting report: {summary['scenario']}", "", _provenance(summary), ""]
    if (run / "capacity.csv").exists():
        capacity = read_csv(run / "capacity.csv")
        unserved = read_csv(run / "unserved.csv")
        costs = read_csv(run / "costs.csv")
        lines += _plan(capacity) + _shortfall(unserved) + _costs(costs)
    else:
        lines += ["## No plan", "", summary["message"], ""]
    return "\n".join(lines)


def _provenance(summary: dict) -> str:
    gap = summary["mip_gap"]
    gap_text = "n/a" if gap is None else f"{gap:.4%}"
    objective = summary["objective_usd"]
    total = "n/a" if objective is None else f"${objective / 1e9:,.3f} bn"
    solver = summary["solver"]
    return (
        f"Status **{summary['status']}** ({summary['message']}). Total discounted cost {total}; "
        f"MIP gap {gap_text}; build {summary['build_seconds']:.2f} s, solve {summary['solve_seconds']:.2f} s; "
        f"HiGHS {solver['version']}; input hash `{summary['input_hash'][:12]}`."
    )


def _plan(capacity: pd.DataFrame) -> list[str]:
    built = capacity.groupby("region_id")["capacity_mw"].max()
    chosen = capacity[capacity["region_id"].isin(built[built > 0].index)]
    if chosen.empty:
        return ["## Build plan", "", "Nothing is built.", ""]
    table = chosen.pivot(index="region_id", columns="year", values="capacity_mw").round(0)
    return ["## Build plan (MW in service by year)", "", table.to_markdown(), ""]


def _shortfall(unserved: pd.DataFrame) -> list[str]:
    if unserved.empty:
        return ["## Shortfall", "", "All demand is served in every year.", ""]
    by_year = unserved.groupby("year")["mw"].sum().round(0)
    rows = ", ".join(f"{year}: {mw:,.0f} MW" for year, mw in by_year.items())
    return ["## Shortfall", "", f"Demand not served (paid at the unserved penalty): {rows}.", ""]


def _costs(costs: pd.DataFrame) -> list[str]:
    by_component = costs.groupby("component", sort=False)["discounted_usd"].sum()
    rows = [f"- {name}: ${usd / 1e6:,.1f} M" for name, usd in by_component.items()]
    return ["## Discounted cost by component", "", *rows, ""]
