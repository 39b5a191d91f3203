"""Reports of the trade-off studies, from their folders: `gridsite alternatives` (alternatives.csv,
sites_range.csv and a run folder per plan) and `gridsite pareto` (pareto.csv and a run folder per point).
Written as alternatives.html/.pdf and pareto.html/.pdf beside the study's tables."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from reports.document import Figure, Report, Section, Table, duration, gap, number, signed_usd, usd, usd_unit
from reports.figures import OKABE_ITO, plain_text, plan_maps, to_png
from reports.html import render_html
from reports.pdf import render_pdf
from reports.run import Run, RunFolderError, read_run
from reports.tolerance import Difference

ROLE_WORDS = {"must_have": "must-have", "never": "never used", "interchangeable": "interchangeable"}
GOAL_WORDS = {
    "time_to_power_mw_years": "shortfall (MW-years of demand not online)",
    "carbon_t": "emissions (t)",
    "ratepayer_cost_usd": "other ratepayers' upgrade cost (USD, discounted)",
}


def alternatives_files(out_dir: str | Path) -> dict[str, Callable[[], bytes | str]]:
    """alternatives.html and .pdf of an alternatives study's --out folder, by name."""
    return _files("alternatives", build_alternatives(Path(out_dir)))


def pareto_files(out_dir: str | Path) -> dict[str, Callable[[], bytes | str]]:
    """pareto.html and .pdf of a Pareto study's --out folder, by name."""
    return _files("pareto", build_pareto(Path(out_dir)))


def _files(stem: str, report: Report) -> dict[str, Callable[[], bytes | str]]:
    return {f"{stem}.html": partial(render_html, report), f"{stem}.pdf": partial(render_pdf, report)}


def _table(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        raise RunFolderError(f"{folder}: {name} not found; expected the --out folder of the study")
    return pd.read_csv(path)


def _plans(folder: Path, names: list[str]) -> dict[str, Run]:
    return {name: read_run(folder / name) for name in names}


def build_alternatives(folder: Path) -> Report:
    table, ranges = _table(folder, "alternatives.csv"), _table(folder, "sites_range.csv")
    plans = _plans(folder, list(table["alternative"]))
    optimum = plans["opt"].summary
    slack = next((run.summary["alternative"]["slack"] for run in plans.values() if "alternative" in run.summary), None)
    lead = (
        f"{len(plans) - 1} alternative plan(s) besides the optimum, each within "
        f"{'the slack' if slack is None else f'{slack:.1%}'} of the optimum's proven bound "
        f"({usd(optimum['best_bound_usd'] or optimum['objective_usd'])}), so each is provably that close to the "
        "best possible plan. Each was pushed away from where the plans before it built; they show which sites "
        "are needed in every near-optimal plan and which can be swapped."
    )
    return Report(
        "Near-optimal alternatives",
        f"{plans['opt'].name}: {len(plans)} plans",
        [
            Section("Plans", paragraphs=[lead], items=[_alternatives_table(table, plans)]),
            Section(
                "Where each plan builds",
                items=[Figure("Plans", plan_maps(list(plans.values()), list(plans)), _maps_caption(plans))],
            ),
            Section("Sites across the plans", paragraphs=[_roles_sentence(ranges)], items=[_roles_table(ranges)]),
        ],
    )


def _alternatives_table(table: pd.DataFrame, plans: dict[str, Run]) -> Table:
    # As alternatives.csv states them: each plan's cost minus the optimum's, the range its bound allows.
    above = [
        Difference(row.cost_vs_optimum_usd, row.cost_vs_optimum_low_usd, row.cost_vs_optimum_high_usd)
        for row in table.itertuples()
    ]
    frame = pd.DataFrame(
        {
            "plan": table["alternative"],
            "status": [_status(plans[name].summary) for name in table["alternative"]],
            "objective": table["objective_usd"].map(usd),
            "vs optimum": [
                "the optimum" if name == "opt" else f"{share:+.2%} ({signed_usd(difference.value)})"
                for name, share, difference in zip(table["alternative"], table["cost_vs_optimum"], above)
            ],
            "above the best possible": [
                _above(name, difference, within)
                for name, difference, within in zip(table["alternative"], above, table["within_tolerance"])
            ],
            "spend": [usd(plans[name].spend_usd) for name in table["alternative"]],
            "shortfall (MW-years)": [number(plans[name].shortfall_mw_years) for name in table["alternative"]],
            "regions used": table["regions_opened"].astype(str),
            "regions differing": table["regions_differing_from_optimum"].astype(str),
            "MW moved": table["mw_moved"].map(number),
        }
    )
    note = (
        "vs optimum: the plan's objective against the optimum's (spend plus unserved penalty). Above the "
        "best possible: the range the optimum's proven bound allows (within solver tolerance where it "
        "contains 0). Status: how each solve ended, with the gap of what it minimised (the optimum: cost; an "
        "alternative: its distance from the plans before it, the score). Regions differing: used in one of "
        "the two plans only; MW moved: half the sum of last-year MW differences."
    )
    return Table("Plans within the cost budget", frame, note, text_columns=("status",))


def _above(name: str, difference: Difference, within: object) -> str:
    """The range a plan's cost lies above the best possible, within solver tolerance where
    alternatives.csv's `within_tolerance` says so; the optimum's is its own MIP gap in USD."""
    if name == "opt" and pd.notna(difference.high):
        return f"at most {usd(difference.high)} (its MIP gap)"
    if not difference.has_range:
        return difference.range_text()
    return difference.range_text() + (" (within solver tolerance)" if within is True else "")


def _status(summary: dict) -> str:
    """'optimal, gap 0.114%, 0.86 s' (an alternative: its score's gap)."""
    alternative = summary.get("alternative")
    value, words = (summary["mip_gap"], "gap") if alternative is None else (alternative["score_gap"], "score gap")
    gap_text = "" if value is None else f", {words} {gap(value)}"
    return f"{summary['status']}{gap_text}, {duration(summary['solve_seconds'])}"


def _maps_caption(plans: dict[str, Run]) -> str:
    last = next(iter(plans.values())).years[-1]
    return f"One map per plan: chosen sites as discs sized by IT MW in service in {last}, coloured by grid zone."


def _roles_sentence(ranges: pd.DataFrame) -> str:
    last = _last_year(ranges)
    counts = last["role"].value_counts()
    return (
        f"In {int(last['year'].iloc[0])}: {counts.get('must_have', 0)} region(s) hold MW in every plan (must-have), "
        f"{counts.get('interchangeable', 0)} in some plans only (interchangeable: swap them for each other at "
        f"little cost) and {counts.get('never', 0)} in none."
    )


def _last_year(ranges: pd.DataFrame) -> pd.DataFrame:
    return ranges[ranges["year"] == ranges["year"].max()]


def _roles_table(ranges: pd.DataFrame) -> Table:
    """Per region: its role in the last year, its MW range then, and the years it is a must-have."""
    last = _last_year(ranges).set_index("region_id")
    must = ranges[ranges["role"] == "must_have"].groupby("region_id")["year"].agg(lambda y: _years(sorted(y)))
    order = last.assign(rank=last["role"].map({"must_have": 0, "interchangeable": 1, "never": 2}))
    order = order.sort_values(["rank", "max_mw"], ascending=[True, False])
    frame = pd.DataFrame(
        {
            "region": order.index,
            "role": order["role"].map(ROLE_WORDS).fillna(order["role"]).to_numpy(),
            "IT MW, least to most": [f"{number(a)} to {number(b)}" for a, b in zip(order["min_mw"], order["max_mw"])],
            "must-have in": must.reindex(order.index).fillna("").to_numpy(),
        }
    )
    note = "From sites_range.csv: each region's least and most IT MW in service across the plans, in the last year."
    return Table("Regions by role", frame, note, text_columns=("role", "must-have in"))


def _years(years: list[int]) -> str:
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(map(str, years))


def build_pareto(folder: Path) -> Report:
    table = _table(folder, "pareto.csv")
    goals = [c for c in table.columns if c not in ("point", "cost_usd", "status", "mip_gap")]
    plans = _plans(folder, list(table["point"]))
    first = next(iter(plans.values()))
    lead = (
        f"{len(table)} non-dominated plans trading cost against {', '.join(GOAL_WORDS.get(g, g) for g in goals)}: "
        "no plan is better in one without being worse in another. Spend is what each plan pays; its objective adds "
        "the unserved penalty (a valuation of the shortfall)."
    )
    items = [
        Figure("Pareto front", pareto_png(table, goals, plans), _pareto_caption(goals)),
        _points_table(table, goals, plans),
    ]
    return Report(
        "Trade-offs (Pareto front)", f"{first.name}: cost against {', '.join(goals)}", [Section("Front", [lead], items)]
    )


@plain_text
def pareto_png(table: pd.DataFrame, goals: list[str], plans: dict[str, Run]) -> bytes:
    """Spend against the first goal, every point labelled; a second goal colours the points."""
    goal = goals[0]
    x = table[goal].to_numpy(float)
    spend = np.array([plans[name].spend_usd for name in table["point"]])
    unit, unit_name = usd_unit(np.abs(spend).max())
    spend = spend / unit
    fig, ax = plt.subplots(figsize=(10, 5.5))
    order = np.argsort(x)
    ax.plot(x[order], spend[order], color="#999999", linewidth=1, zorder=1)
    style = {"c": table[goals[1]].to_numpy(float), "cmap": "viridis"} if len(goals) > 1 else {"c": OKABE_ITO[4]}
    points = ax.scatter(x, spend, s=60, edgecolors="black", linewidths=0.6, zorder=2, **style)
    if len(goals) > 1:
        fig.colorbar(points, ax=ax, label=GOAL_WORDS.get(goals[1], goals[1]))
    for i, name in enumerate(table["point"]):
        ax.annotate(name, (x[i], spend[i]), xytext=(6, 6 if i % 2 else -10), textcoords="offset points", fontsize=8)
    ax.set_xlabel(GOAL_WORDS.get(goal, goal))
    ax.set_ylabel(f"Spend ({unit_name}, discounted)")
    ax.margins(0.08)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title("Pareto front: spend against the other goal, each point a plan")
    ax.grid(alpha=0.3)
    return to_png(fig)


def _pareto_caption(goals: list[str]) -> str:
    colour = f"; colour: {GOAL_WORDS.get(goals[1], goals[1])}" if len(goals) > 1 else ""
    return f"Each point is a plan (its run folder has the same name), labelled{colour}."


def _points_table(table: pd.DataFrame, goals: list[str], plans: dict[str, Run]) -> Table:
    frame = pd.DataFrame(
        {
            "point": table["point"],
            "objective": table["cost_usd"].map(usd),
            "spend": [usd(plans[name].spend_usd) for name in table["point"]],
            "unserved penalty": [usd(plans[name].penalty_usd) for name in table["point"]],
            **{GOAL_WORDS.get(goal, goal): table[goal].map(number) for goal in goals},
            "status, gap": [f"{s}, {gap(g)}" if pd.notna(g) else s for s, g in zip(table["status"], table["mip_gap"])],
        }
    )
    return Table("Points on the front", frame, "From pareto.csv and each point's run folder.")
