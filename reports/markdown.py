"""A plain-text siting report (Markdown) from the files of a run folder."""

from __future__ import annotations

import json
from pathlib import Path

from reports.document import Table, duration, gap, number, usd
from reports.run import HARD_DEMAND, PENALTY, Run, has_plan, read_run
from reports.uncertainty import decisions_table, expected_words, outcome_paragraphs, outcomes_title


def render_markdown(run_dir: str | Path) -> str:
    """Render report.md from summary.json and the result CSVs in `run_dir`."""
    run = Path(run_dir)
    summary = json.loads((run / "summary.json").read_text())
    plan = read_run(run) if has_plan(run) else None  # expected values for a plan across outcomes
    lines = [f"# Siting report: {summary['scenario']}", "", _provenance(summary, plan), ""]
    if plan is None:
        return "\n".join([*lines, "## No plan", "", summary["message"], ""])
    return "\n".join(lines + _money(plan) + _outcomes(plan) + _plan(plan) + _shortfall(plan) + _costs(plan))


def _provenance(summary: dict, plan: Run | None) -> str:
    objective = summary["objective_usd"]
    parts = "spend" if plan is not None and plan.demand_is_hard else "spend + unserved penalty"
    solver = summary["solver"]
    return (
        f"Status **{summary['status']}** ({summary['message']}). Objective ({parts}) "
        f"{'n/a' if objective is None else usd(objective)}; MIP gap {gap(summary['mip_gap'])}; build "
        f"{duration(summary['build_seconds'])}, solve {duration(summary['solve_seconds'])}; "
        f"HiGHS {solver['version']}; input hash `{summary['input_hash'][:12]}`."
    )


def _expected(run: Run, form: str) -> str:
    """`form` around 'expected across N outcomes' for a plan across outcomes, whose tables are
    probability-weighted means and no outcome's own MW or cost; "" for one assumed future."""
    words = expected_words(run)
    return form.format(words) if words else ""


def _money(run: Run) -> list[str]:
    """Spend and the valued shortfall apart: the penalty is no one's bill."""
    spend = f"{_expected(run, '{} (probability-weighted): ')}spend {usd(run.spend_usd)} (discounted to {run.years[0]})"
    spend = spend[0].upper() + spend[1:]
    if run.demand_is_hard:
        return [f"{spend}. {HARD_DEMAND}", ""]
    return [
        f"{spend}; shortfall {number(run.shortfall_mw_years)} MW-years of demand not online, valued at "
        f"{usd(run.penalty_usd)} by the unserved penalty (a valuation, not money paid).",
        "",
    ]


def _outcomes(run: Run) -> list[str]:
    """The plan across outcomes: the paragraphs and the decisions-now table of the HTML report."""
    if run.outcomes is None:
        return []
    paragraphs = [line for paragraph in outcome_paragraphs(run) for line in (paragraph, "")]
    return [f"## {outcomes_title(run)}", "", *paragraphs, *_table(decisions_table(run))]


def _table(table: Table) -> list[str]:
    return [f"### {table.title}", "", table.frame.to_markdown(index=False), "", table.note, ""]


def _plan(run: Run) -> list[str]:
    capacity = run.capacity
    built = capacity.groupby("region_id")["capacity_mw"].max()
    chosen = capacity[capacity["region_id"].isin(built[built > 0].index)]
    if chosen.empty:
        return ["## Build plan", "", "Nothing is built.", ""]
    table = chosen.pivot(index="region_id", columns="year", values="capacity_mw").round(0)
    return [f"## Build plan (IT MW in service by year{_expected(run, ', {}')})", "", table.to_markdown(), ""]


def _shortfall(run: Run) -> list[str]:
    short = run.unserved_by_year[run.unserved_by_year > 0.5]  # as the HTML report: MW that round to 0 are none
    if short.empty:
        return ["## Shortfall", "", "All demand is served in every year.", ""]
    rows = ", ".join(f"{year}: {mw:,.0f} MW" for year, mw in short.items())
    return [
        "## Shortfall",
        "",
        f"Demand not served{_expected(run, ' ({})')}, valued at the unserved penalty: {rows}.",
        "",
    ]


def _costs(run: Run) -> list[str]:
    by_component = run.costs.groupby("component", sort=False)["discounted_usd"].sum()
    rows = [
        f"- {name}{' (penalty: a valuation)' if name == PENALTY else ''}: {usd(value)}"
        for name, value in by_component.items()
    ]
    return [f"## Discounted cost by component{_expected(run, ' ({})')}", "", *rows, ""]
