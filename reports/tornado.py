"""Tornado chart of a sweep: one bar per factor, from its low to its high run, around the base run.

Read from a batch results store's runs table, never from a model. The rule, in order:
- A factor is a grid axis (runs named `grid:axis=label,...`; factor `grid:axis`) or a variant prefix:
  the variant name up to its last `_` (`pjm_low` and `pjm_high` form factor `pjm`; a name without `_`
  is a factor of its own). Samples (`sample:`) and studies (`alternatives:`, `pareto:`) are no factors.
- A run whose edits set `discount_rate` is left out of every bar and listed apart: a new rate
  re-discounts every cost, which is no effect of the factor.
- A variant factor's values are its runs' objective changes against the base. A grid axis's value
  for a label is the mean change of the grid runs with that label (over the other axes' labels): its
  main effect. The bar spans the lowest to the highest value (a factor of one run: from 0 to it), and
  factors are ranked by its length.
- Each value carries the range the runs' proven bounds allow (a mean's range is the mean of the
  ranges); a value whose range contains 0 is within solver tolerance.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from reports.document import Figure, Report, Section, Table, signed_usd, usd, usd_unit
from reports.figures import OKABE_ITO, plain_text, to_png
from reports.html import render_html
from reports.pdf import render_pdf
from reports.run import RunFolderError
from reports.tolerance import Difference, objective_difference

NOT_FACTORS = ("sample:", "alternatives:", "pareto:")
RATE_KEY = "discount_rate"


@dataclass(frozen=True)
class End:
    """One end of a factor's bar: its label and the change against the base."""

    label: str
    change: Difference


def run_changes(runs: pd.DataFrame, base: str = "base") -> pd.DataFrame:
    """Each run with a plan but the base: its edits as text, its objective change against the base and
    the range both runs' bounds allow, and whether it re-discounts (sets discount_rate)."""
    if base not in set(runs["name"]):
        raise RunFolderError(f"no run named '{base}' in the store; expected the sweep's base run")
    reference = _summary(runs.set_index("name").loc[base])
    solved = runs[(runs["name"] != base) & runs["objective_usd"].notna()]
    rows = []
    for _, run in solved.iterrows():
        edits = _edits(run["edits"])
        change = objective_difference(_summary(run), reference)
        rows.append(
            {
                "name": run["name"],
                "edits": "; ".join(edits) or "none",
                "objective_usd": run["objective_usd"],
                "change_usd": change.value,
                "change_low_usd": change.low,
                "change_high_usd": change.high,
                "within_tolerance": change.within_tolerance,
                "rediscounted": any(edit.split("=")[0].strip().startswith(RATE_KEY) for edit in edits),
            }
        )
    columns = ["name", "edits", "objective_usd", "change_usd", "change_low_usd", "change_high_usd"]
    return pd.DataFrame(rows, columns=[*columns, "within_tolerance", "rediscounted"])


def _summary(row: pd.Series) -> dict:
    bound = row.get("best_bound_usd")
    return {"objective_usd": row["objective_usd"], "best_bound_usd": None if pd.isna(bound) else bound}


def _edits(text) -> list[str]:
    """The runs table stores edits as a JSON list."""
    return json.loads(text) if isinstance(text, str) and text.startswith("[") else []


def factors(changes: pd.DataFrame) -> dict[str, tuple[str, list[End]]]:
    """factor name -> (kind, its values) by the module's rule; re-discounting runs left out."""
    kept = changes[~changes["rediscounted"]]
    found: dict[str, tuple[str, list[End]]] = {}
    grid = kept[kept["name"].str.startswith("grid:")]
    labels = pd.DataFrame([_grid_labels(name) for name in grid["name"]], index=grid.index)
    for axis in labels.columns:
        ends = [End(label, _mean(grid.loc[group.index])) for label, group in labels.groupby(axis)]
        found[f"grid:{axis}"] = ("grid axis", ends)
    variants = kept[~kept["name"].str.startswith(("grid:", *NOT_FACTORS))]
    for name, group in variants.groupby(variants["name"].map(_prefix), sort=False):
        found[name] = ("variant", [End(row["name"], _difference(row)) for _, row in group.iterrows()])
    return found


def _grid_labels(name: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in name.removeprefix("grid:").split(","))


def _prefix(name: str) -> str:
    return name.rsplit("_", 1)[0] if "_" in name else name


def _difference(row: pd.Series) -> Difference:
    return Difference(row["change_usd"], row["change_low_usd"], row["change_high_usd"])


def _mean(rows: pd.DataFrame) -> Difference:
    """The mean change of several runs; its range is the mean of their ranges (none if one lacks it)."""
    return Difference(rows["change_usd"].mean(), rows["change_low_usd"].mean(), rows["change_high_usd"].mean())


def tornado_table(found: dict[str, tuple[str, list[End]]]) -> pd.DataFrame:
    """tornado.csv: one row per factor with its low and high end, widest bar first."""
    rows = []
    for factor, (kind, ends) in found.items():
        ordered = sorted(ends, key=lambda e: e.change.value)  # stable: tied ends stay two runs
        low, high = ordered[0], ordered[-1]
        rows.append(
            {"factor": factor, "kind": kind, "values": len(ends)}
            | _end("low", low)
            | _end("high", high)
            | {"span_usd": abs(low.change.value) if len(ends) == 1 else high.change.value - low.change.value}
        )
    if not rows:  # no factor (e.g. every run re-discounts): the columns still, for a readable file
        return pd.DataFrame(columns=TORNADO_COLUMNS)
    return pd.DataFrame(rows).sort_values("span_usd", ascending=False, ignore_index=True)


END_FIELDS = ("label", "change_usd", "range_low_usd", "range_high_usd", "within_tolerance")
TORNADO_COLUMNS = [
    "factor", "kind", "values", *(f"{side}_{f}" for side in ("low", "high") for f in END_FIELDS), "span_usd"
]  # fmt: skip


def _end(side: str, end: End) -> dict:
    change = end.change
    return {
        f"{side}_label": end.label,
        f"{side}_change_usd": change.value,
        f"{side}_range_low_usd": change.low,
        f"{side}_range_high_usd": change.high,
        f"{side}_within_tolerance": change.within_tolerance,
    }


@plain_text
def tornado_png(table: pd.DataFrame, base_objective: float) -> bytes:
    """A bar per factor from its low to its high value against the base (in billion, million or plain
    USD); the part below 0 blue, above 0 vermillion; hatched where both ends are within solver tolerance."""
    shown = table.iloc[::-1]  # widest at the top
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(shown) + 2.0))
    largest = shown[["low_change_usd", "high_change_usd"]].abs().to_numpy().max()
    unit, name = usd_unit(largest)
    for y, row in enumerate(shown.itertuples()):
        _bar(ax, y, row, unit)
    ax.use_sticky_edges = False  # leave room beside the bars for their labels
    ax.set_yticks(range(len(shown)), shown["factor"])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.margins(x=0.35)
    ax.set_xlabel(f"Change in total discounted cost vs. base ({name}; base {usd(base_objective)})")
    ax.set_ylabel("Factor")
    ax.set_title("Sensitivity (tornado): blue costs less, vermillion more, hatched within solver tolerance")
    ax.grid(axis="x", alpha=0.3)
    return to_png(fig)


def _bar(ax, y: int, row, unit: float) -> None:
    """A factor's bar (a single run's from 0 to its value) and its ends' labels, outside the bar."""
    if row.values == 1:
        value = row.high_change_usd
        low, high, ends = min(value, 0.0), max(value, 0.0), [(row.high_label, value, value >= 0)]
    else:
        low, high = row.low_change_usd, row.high_change_usd
        ends = [(row.low_label, low, False), (row.high_label, high, True)]
    hatch = "//" if row.low_within_tolerance and row.high_within_tolerance else ""
    for left, right, colour in ((low, min(high, 0.0), OKABE_ITO[4]), (max(low, 0.0), high, OKABE_ITO[5])):
        if right > left:
            ax.barh(y, (right - left) / unit, left=left / unit, color=colour, hatch=hatch, edgecolor="white")
    for label, value, outward_right in ends:
        ax.annotate(f"{label}: {signed_usd(value)}", (value / unit, y), xytext=(4 if outward_right else -4, 0),
                    textcoords="offset points", ha="left" if outward_right else "right", va="center", fontsize=7)  # fmt: skip


def tornado_files(
    runs: pd.DataFrame, store_file: str | Path, base: str = "base", top: int = 20
) -> dict[str, Callable[[], str | bytes]]:
    """tornado.csv (every factor), tornado_runs.csv (every run's change), tornado.html and tornado.pdf
    (the `top` widest factors), by name, to render. `runs` is the store's runs table (name, edits,
    status, objective_usd, best_bound_usd); `store_file` names where it came from."""
    changes = run_changes(runs, base)
    table = tornado_table(factors(changes))
    base_objective = runs.set_index("name").at[base, "objective_usd"]
    report = _report(table.head(top), changes, base_objective, len(runs), store_file, base)
    return {
        "tornado.csv": partial(table.to_csv, index=False),
        "tornado_runs.csv": partial(changes.to_csv, index=False),
        "tornado.html": partial(render_html, report),
        "tornado.pdf": partial(render_pdf, report),
    }


def _report(table, changes: pd.DataFrame, base_objective: float, recorded: int, store_file, base: str) -> Report:
    shown = (
        f"the {len(table)} widest are shown."
        if len(table)
        else "no run is left to form a factor (runs that change the discount rate are listed apart below)."
    )
    summary = (
        f"{recorded} runs recorded in {store_file}; base '{base}' costs {usd(base_objective)}. Each bar is a factor "
        f"(a grid axis or a variant prefix) from its lowest to its highest change against the base; {shown}"
    )
    items = []
    if not table.empty:
        items = [
            Figure("Tornado", tornado_png(table, base_objective), RULE_CAPTION),
            Table("Factors", _factor_text(table), text_columns=("kind", "low", "high")),
        ]
    sections = [Section("Sensitivity by factor", [summary], items)]
    rediscounted = changes[changes["rediscounted"]]
    if not rediscounted.empty:
        note = (
            "These runs change the discount rate: every cost is discounted anew, so their change is a change "
            "of accounting, not an effect of a factor. They are left out of the bars."
        )
        sections.append(
            Section("Discount-rate runs", [note], [_runs_text("Runs with another discount rate", rediscounted)])
        )
    sections.append(
        Section("Every run", items=[_runs_text("Changes against the base", changes[~changes["rediscounted"]])])
    )
    return Report("Sweep sensitivity", str(store_file), sections)


RULE_CAPTION = (
    "A variant factor's values are its runs' changes; a grid axis's value for a label is the mean change of "
    "the grid runs with that label (its main effect). Runs that change the discount rate are listed apart."
)


def _factor_text(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "factor": table["factor"],
            "kind": table["kind"],
            "low": [_end_text(row, "low") for _, row in table.iterrows()],
            "high": [_end_text(row, "high") for _, row in table.iterrows()],
            "span": table["span_usd"].map(usd),
        }
    )


def _end_text(row: pd.Series, side: str) -> str:
    change = Difference(row[f"{side}_change_usd"], row[f"{side}_range_low_usd"], row[f"{side}_range_high_usd"])
    return f"{row[f'{side}_label']}: {change.describe()}"


def _runs_text(title: str, changes: pd.DataFrame) -> Table:
    frame = pd.DataFrame(
        {
            "run": changes["name"],
            "edits": changes["edits"],
            "change": [_difference(row).describe() for _, row in changes.iterrows()],
        }
    )
    return Table(title, frame.reset_index(drop=True), text_columns=("edits", "change"))
