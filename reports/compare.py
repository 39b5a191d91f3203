"""Side-by-side report of several run folders (what-ifs): cost, sites and MW by year per run.
Like the siting report, it reads only the runs' result files."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter

from reports.document import Figure, Report, Section, Table, usd
from reports.figures import OKABE_ITO, plain_text, to_png
from reports.run import Run


def run_labels(runs: list[Run]) -> list[str]:
    """Scenario names, with the folder name added where two runs share a scenario name."""
    names = [run.name for run in runs]
    return [name if names.count(name) == 1 else f"{name} ({run.folder.name})" for name, run in zip(names, runs)]


def cost_by_run(runs: list[Run], labels: list[str]) -> pd.DataFrame:
    """Discounted USD: one row per cost component, one column per run (0 where a run lacks it)."""
    columns = {
        label: run.costs.groupby("component", sort=False)["discounted_usd"].sum() for run, label in zip(runs, labels)
    }
    return pd.DataFrame(columns).fillna(0.0)


def mw_by_run(runs: list[Run], labels: list[str]) -> pd.DataFrame:
    """MW in service per year (rows) and run (columns)."""
    return pd.DataFrame({label: run.capacity_by_year.sum() for run, label in zip(runs, labels)})


def sites_by_run(runs: list[Run], labels: list[str]) -> pd.DataFrame:
    """MW in service in each run's last year, for regions any run uses."""
    final = pd.DataFrame({label: run.capacity_by_year[run.years[-1]] for run, label in zip(runs, labels)}).fillna(0.0)
    return final[final.max(axis=1) > 0].sort_values(labels[0], ascending=False)


def build_comparison(runs: list[Run]) -> Report:
    labels = run_labels(runs)
    costs, mw_year, sites = cost_by_run(runs, labels), mw_by_run(runs, labels), sites_by_run(runs, labels)
    totals = costs.sum()
    base = labels[0]
    summary = [
        f"{label}: total discounted cost {usd(totals[label])} ({_versus(totals[label], totals[base], base)}), "
        f"{int((sites[label] > 0).sum())} sites, {mw_year[label].iloc[-1]:,.0f} MW in service in "
        f"{mw_year.index[-1]}, {run.unserved_by_year.sum():,.0f} MW-years unserved."
        for run, label in zip(runs, labels)
    ]
    return Report(
        title="Scenario comparison",
        subtitle=", ".join(labels),
        sections=[
            Section("Summary", paragraphs=summary),
            Section(
                "Cost",
                items=[
                    Figure("Cost by run", _cost_figure(costs), "Discounted to each run's first year."),
                    _money_table("Discounted cost by component", costs),
                ],
            ),
            Section(
                "Capacity in service",
                items=[
                    Figure("MW by year", _mw_figure(mw_year, runs, labels), "Lines: MW in service; dashed: demand."),
                    _mw_table("MW in service by year", mw_year, "year"),
                ],
            ),
            Section("Sites", items=[_mw_table("MW in service in each run's last year", sites, "region")]),
            Section("How each run was obtained", items=[_provenance(runs, labels)]),
        ],
    )


def _versus(value: float, base_value: float, base: str) -> str:
    if value == base_value:
        return "the reference" if base_value else "no cost"
    return f"{usd(value - base_value)} versus {base}".replace("$-", "-$")


@plain_text
def _cost_figure(costs: pd.DataFrame) -> bytes:
    fig, ax = plt.subplots(figsize=(10, 0.8 * len(costs.columns) + 1.8))
    left = pd.Series(0.0, index=costs.columns)
    for colour, (component, row) in zip(_colours(len(costs)), costs.iterrows()):
        ax.barh(costs.columns, row / 1e9, left=left / 1e9, color=colour, label=component)
        left += row
    ax.set_xlabel("Discounted cost (billion USD)")
    ax.set_ylabel("Run")
    ax.set_title("Total discounted cost by component and run")
    ax.invert_yaxis()  # the reference run on top
    ax.legend(title="Component", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="x", alpha=0.3)
    return to_png(fig)


@plain_text
def _mw_figure(mw_year: pd.DataFrame, runs: list[Run], labels: list[str]) -> bytes:
    fig, ax = plt.subplots(figsize=(10, 5))
    for colour, run, label in zip(_colours(len(runs)), runs, labels):
        ax.plot(mw_year.index, mw_year[label], color=colour, marker="o", linewidth=2, label=f"{label}: in service")
        demand = run.demand_by_year
        ax.plot(demand.index, demand.values, color=colour, linestyle="--", linewidth=1, label=f"{label}: demand")
    ax.set_xlabel("Year")
    ax.set_ylabel("Capacity (MW)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title("Capacity in service and demand by run")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return to_png(fig)


def _colours(count: int) -> list[str]:
    return [OKABE_ITO[i % len(OKABE_ITO)] for i in range(count)]


def _money_table(title: str, frame: pd.DataFrame) -> Table:
    with_total = pd.concat([frame, frame.sum().rename("total").to_frame().T])
    text = with_total.map("{:,.0f}".format)
    text.columns = [f"{c} (USD)" for c in text.columns]
    return Table(title, text.rename_axis("component").reset_index())


def _mw_table(title: str, frame: pd.DataFrame, key: str) -> Table:
    text = frame.map("{:,.0f}".format)
    text.columns = [f"{c} (MW)" for c in text.columns]
    return Table(title, text.rename_axis(key).reset_index().astype({key: str}))


def _provenance(runs: list[Run], labels: list[str]) -> Table:
    rows = [
        (
            label,
            str(run.folder),
            run.summary["status"],
            "n/a" if run.summary["mip_gap"] is None else f"{run.summary['mip_gap']:.3%}",
            f"{run.summary['solve_seconds']:.2f}",
            run.summary["input_hash"][:12],
            run.summary.get("solved_at", "n/a"),
        )
        for run, label in zip(runs, labels)
    ]
    columns = ["run", "folder", "status", "MIP gap", "solve time (s)", "input hash", "solved at (UTC)"]
    return Table("Solver runs", pd.DataFrame(rows, columns=columns))
