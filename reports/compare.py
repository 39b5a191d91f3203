"""Side-by-side report of several run folders (what-ifs): what each run changed, how its spend, shortfall
and objective differ from the first run (the reference) within the solvers' proven bounds, cost by
component, MW by year and the sites that change. Like the siting report, it reads only result files."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter

from reports.document import Figure, Report, Section, Table, gap, number, seconds, signed_usd, usd
from reports.figures import MARKERS, PENALTY_COLOUR, TOL_MUTED, category_styles, plain_text, to_png
from reports.run import HARD_DEMAND, PENALTY, Run
from reports.tolerance import objective_difference, tolerance_usd

MW_CAPTION = "Solid lines: IT MW in service per run; dashed: demand (one line where runs share it)."


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


def edits_text(run: Run) -> str:
    """A run's edits (summary.json), one after another; 'none' for the scenario as it stands."""
    return "; ".join(run.summary.get("edits") or []) or "none"


def build_comparison(runs: list[Run]) -> Report:
    labels = run_labels(runs)
    costs, mw_year, sites = cost_by_run(runs, labels), mw_by_run(runs, labels), sites_by_run(runs, labels)
    return Report(
        title="Scenario comparison",
        subtitle=f"{', '.join(labels)}; differences against {labels[0]}, the reference",
        sections=[
            Section(
                "Runs and what they change", paragraphs=_summaries(runs, labels), items=[_runs_table(runs, labels)]
            ),
            Section(
                "Differences against the reference",
                paragraphs=[_tolerance_note()],
                items=[_differences_table(runs, labels, sites)],
            ),
            Section(
                "Cost",
                items=[
                    Figure("Cost by run", _cost_figure(costs), _cost_caption()),
                    _money_table("Discounted cost by component", costs),
                ],
            ),
            Section(
                "Capacity in service",
                items=[
                    Figure("MW by year", _mw_figure(mw_year, runs, labels), MW_CAPTION),
                    _mw_table("MW in service by year", mw_year, "year"),
                ],
            ),
            Section("Sites", items=[_sites_table(sites, labels)]),
            Section("How each run was obtained", items=[_provenance(runs, labels)]),
        ],
    )


def _summaries(runs: list[Run], labels: list[str]) -> list[str]:
    reference = runs[0]
    return [
        f"{label}: spends {usd(run.spend_usd)}; {_shortfall_words(run)}; "
        + ("the reference" if i == 0 else objective_difference(run.summary, reference.summary).compared(labels[0]))
        + f"; {number(run.capacity_by_year[run.years[-1]].sum())} IT MW in service in {run.years[-1]}."
        for i, (run, label) in enumerate(zip(runs, labels))
    ]


def _shortfall_words(run: Run) -> str:
    """The shortfall and its valuation, or that demand is a hard constraint (no penalty to value it)."""
    if run.demand_is_hard:
        return HARD_DEMAND[0].lower() + HARD_DEMAND[1:].rstrip(".")  # within a sentence
    return (
        f"{number(run.shortfall_mw_years)} MW-years of demand not online "
        f"(unserved penalty {usd(run.penalty_usd)}, a valuation)"
    )


def _runs_table(runs: list[Run], labels: list[str]) -> Table:
    frame = pd.DataFrame(
        {"run": labels, "edits": [edits_text(run) for run in runs], "folder": [str(run.folder) for run in runs]}
    )
    return Table("Runs", frame, "Edits: the changes to the scenario's inputs (docs/studies.md).", ("edits", "folder"))


def _tolerance_note() -> str:
    return (
        "Each solve stops at a MIP gap, so its true optimum lies between its best bound and its objective; a "
        "difference of objectives is known only within the range the two runs' bounds allow. Where that range "
        "contains 0 the difference is within solver tolerance: the solves do not show which plan costs more. "
        "Spend, penalty and shortfall are the plans' own figures (no bound applies to them)."
    )


def _differences_table(runs: list[Run], labels: list[str], sites: pd.DataFrame) -> Table:
    reference, rows = runs[0], []
    for run, label in zip(runs[1:], labels[1:]):
        difference = objective_difference(run.summary, reference.summary)
        used, used_before = sites[label] > 0, sites[labels[0]] > 0
        rows.append(
            {
                "run": label,
                "objective": difference.verdict if difference.within_tolerance else signed_usd(difference.value),
                "range (proven bounds)": difference.range_text(),
                "spend": signed_usd(run.spend_usd - reference.spend_usd),
                "unserved penalty": signed_usd(run.penalty_usd - reference.penalty_usd),
                "shortfall (MW-years)": _signed(run.shortfall_mw_years - reference.shortfall_mw_years),
                "sites opened": ", ".join(sites.index[used & ~used_before]) or "none",
                "sites dropped": ", ".join(sites.index[~used & used_before]) or "none",
            }
        )
    columns = ["run", "objective", "range (proven bounds)", "spend", "unserved penalty", "shortfall (MW-years)"]
    frame = pd.DataFrame(rows, columns=[*columns, "sites opened", "sites dropped"])
    note = "Each run minus the reference: + costs or lacks more, - less."
    return Table("Differences", frame, note, ("sites opened", "sites dropped"))


def _signed(value: float) -> str:
    text = number(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def _cost_caption() -> str:
    return (
        "Discounted to each run's first year; the unserved penalty (grey, hatched) is a valuation of the "
        "shortfall, not spend."
    )


@plain_text
def _cost_figure(costs: pd.DataFrame) -> bytes:
    spend = costs.drop(index=[PENALTY], errors="ignore")
    fig, ax = plt.subplots(figsize=(10, 0.8 * len(costs.columns) + 2.4))
    styles = dict(zip(spend.index, category_styles(len(spend)))) | {PENALTY: (PENALTY_COLOUR, "//")}
    for sign in (1, -1):  # credits (salvage) stack to the left of 0, costs to the right
        left = pd.Series(0.0, index=costs.columns)
        for component, row in costs.iterrows():
            part = row.where(row * sign > 0, 0.0)
            if not part.any():
                continue
            colour, hatch = styles[component]
            label = f"{component} (penalty)" if component == PENALTY else component
            ax.barh(costs.columns, part / 1e9, left=left / 1e9, color=colour, hatch=hatch, edgecolor="white",
                    label=label if sign == 1 or not (row > 0).any() else None)  # fmt: skip
            left += part
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("Discounted cost (billion USD)")
    ax.set_title("Discounted cost by component and run")
    ax.invert_yaxis()  # the reference run on top
    ax.legend(title="Component", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="x", alpha=0.3)
    return to_png(fig)


@plain_text
def _mw_figure(mw_year: pd.DataFrame, runs: list[Run], labels: list[str]) -> bytes:
    """One line per run (colour and marker), and demand once per distinct demand (grey, dashed)."""
    fig, ax = plt.subplots(figsize=(10, 5))
    for i, label in enumerate(labels):
        ax.plot(mw_year.index, mw_year[label], color=TOL_MUTED[i % len(TOL_MUTED)], linewidth=2,
                marker=MARKERS[i // len(TOL_MUTED) % len(MARKERS)], label=f"{label}: in service")  # fmt: skip
    for demand, names in _demands(runs, labels):
        ax.plot(demand.index, demand.values, color="#555555", linestyle="--", linewidth=1.5, label=f"demand: {names}")
    ax.set_xlabel("Year")
    ax.set_ylabel("IT capacity (MW)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title("IT MW in service by run, against demand")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return to_png(fig)


def _demands(runs: list[Run], labels: list[str]) -> list[tuple[pd.Series, str]]:
    """Distinct demand series, each with the runs that share it ('every run' when all do)."""
    groups: list[tuple[pd.Series, list[str]]] = []
    for run, label in zip(runs, labels):
        demand = run.demand_by_year
        match = next((names for series, names in groups if series.round(3).equals(demand.round(3))), None)
        if match is None:
            groups.append((demand, [label]))
        else:
            match.append(label)
    return [(series, "every run" if len(groups) == 1 else ", ".join(names)) for series, names in groups]


def _money_table(title: str, frame: pd.DataFrame) -> Table:
    spend = frame.drop(index=[PENALTY], errors="ignore").sum().rename("spend (paid)")
    with_total = pd.concat([frame, spend.to_frame().T, frame.sum().rename("total").to_frame().T])
    text = with_total.map(number)
    text.columns = [f"{c} (USD)" for c in text.columns]
    note = "Total: the objective, spend plus the unserved penalty (a valuation of demand not online)."
    return Table(title, text.rename_axis("component").reset_index(), note)


def _mw_table(title: str, frame: pd.DataFrame, key: str) -> Table:
    text = frame.map(number)
    text.columns = [f"{c} (MW)" for c in text.columns]
    return Table(title, text.rename_axis(key).reset_index().astype({key: str}))


def _sites_table(sites: pd.DataFrame, labels: list[str]) -> Table:
    """IT MW per site in each run's last year; rows where some run differs from the reference are
    highlighted and say how."""
    reference = sites[labels[0]]
    changes = [_site_change(sites.loc[region], labels) for region in sites.index]
    text = sites.map(number)
    text.columns = [f"{c} (MW)" for c in text.columns]
    frame = text.rename_axis("region").reset_index().assign(change=changes)
    changed = tuple(i for i, change in enumerate(changes) if change)
    note = (
        f"Highlighted: {len(changed)} site(s) where a run differs from {labels[0]} (opened: the reference does "
        f"not use it; dropped: the run does not). {int((reference > 0).sum())} sites in the reference."
    )
    return Table("MW in service in each run's last year", frame, note, ("change",), highlight=changed)


def _site_change(row: pd.Series, labels: list[str]) -> str:
    reference = row[labels[0]]
    parts = []
    for label in labels[1:]:
        value = row[label]
        if abs(value - reference) < 0.5:
            continue
        word = "opened" if reference <= 0 else "dropped" if value <= 0 else _signed(value - reference) + " MW"
        parts.append(f"{label}: {word}")
    return "; ".join(parts)


def _provenance(runs: list[Run], labels: list[str]) -> Table:
    rows = [
        (
            label,
            run.summary["status"],
            gap(run.summary["mip_gap"]),
            "n/a" if tolerance_usd(run.summary) is None else usd(tolerance_usd(run.summary)),
            seconds(run.summary["build_seconds"]),
            seconds(run.summary["solve_seconds"]),
            run.summary["input_hash"][:12],
            run.summary.get("solved_at", "n/a"),
        )
        for run, label in zip(runs, labels)
    ]
    columns = [
        "run",
        "status",
        "MIP gap",
        "objective above bound",
        "build time (s)",
        "solve time (s)",
        "input hash",
        "solved at (UTC)",
    ]
    return Table("Solver runs", pd.DataFrame(rows, columns=columns))
