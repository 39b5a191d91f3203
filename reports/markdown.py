"""A plain-text siting report (Markdown) from the files of a run folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from reports.document import number, usd
from reports.run import PENALTY, Run, has_plan, read_run


def render_markdown(run_dir: str | Path) -> str:
    """Render report.md from summary.json and the result CSVs in `run_dir`."""
    run = Path(run_dir)
    summary = json.loads((run / "summary.json").read_text())
    lines = [f"# Siting report: {summary['scenario']}", "", _provenance(summary), ""]
    if has_plan(run):
        plan = read_run(run)  # expected values for a plan across outcomes
        lines += _money(plan) + _plan(plan.capacity) + _shortfall(plan.unserved) + _costs(plan.costs)
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
        f"Status **{summary['status']}** ({summary['message']}). Objective (spend + unserved penalty) {total}; "
        f"MIP gap {gap_text}; build {summary['build_seconds']:.2f} s, solve {summary['solve_seconds']:.2f} s; "
        f"HiGHS {solver['version']}; input hash `{summary['input_hash'][:12]}`."
    )


def _money(run: Run) -> list[str]:
    """Spend and the valued shortfall apart: the penalty is no one's bill."""
    return [
        f"Spend {usd(run.spend_usd)} (discounted to {run.years[0]}); shortfall "
        f"{number(run.shortfall_mw_years)} MW-years of demand not online, valued at {usd(run.penalty_usd)} by the "
        "unserved penalty (a valuation, not money paid).",
        "",
    ]


def _plan(capacity: pd.DataFrame) -> list[str]:
    built = capacity.groupby("region_id")["capacity_mw"].max()
    chosen = capacity[capacity["region_id"].isin(built[built > 0].index)]
    if chosen.empty:
        return ["## Build plan", "", "Nothing is built.", ""]
    table = chosen.pivot(index="region_id", columns="year", values="capacity_mw").round(0)
    return ["## Build plan (IT MW in service by year)", "", table.to_markdown(), ""]


def _shortfall(unserved: pd.DataFrame) -> list[str]:
    if unserved.empty:
        return ["## Shortfall", "", "All demand is served in every year.", ""]
    by_year = unserved.groupby("year")["mw"].sum().round(0)
    rows = ", ".join(f"{year}: {mw:,.0f} MW" for year, mw in by_year.items())
    return ["## Shortfall", "", f"Demand not served (valued at the unserved penalty): {rows}.", ""]


def _costs(costs: pd.DataFrame) -> list[str]:
    by_component = costs.groupby("component", sort=False)["discounted_usd"].sum()
    rows = [
        f"- {name}{' (penalty: a valuation)' if name == PENALTY else ''}: {usd(value)}"
        for name, value in by_component.items()
    ]
    return ["## Discounted cost by component", "", *rows, ""]
