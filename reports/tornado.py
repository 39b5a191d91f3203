"""Tornado chart of a sweep: how much each run's objective moves from the base run, largest first.

Read from a batch results store's runs table, never from a model. Each bar is one run's
discounted-cost change against the base; a change no larger than the two runs' MIP gaps allow
(|change| <= gap_base * objective_base + gap_run * objective_run) is marked as within solver tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from reports.document import Figure, Report, Section, Table, usd
from reports.figures import OKABE_ITO, plain_text, to_png
from reports.html import render_html
from reports.pdf import render_pdf
from reports.run import RunFolderError

COLUMNS = ["name", "edits", "status", "objective_usd", "change_usd", "within_gap"]


def sensitivity(runs: pd.DataFrame, base: str = "base") -> pd.DataFrame:
    """Runs with a plan, with their objective change against `base`, largest |change| first."""
    if base not in set(runs["name"]):
        raise RunFolderError(f"no run named '{base}' in the store; expected the sweep's base run")
    reference = runs.set_index("name").loc[base]
    solved = runs[(runs["name"] != base) & runs["objective_usd"].notna()].copy()
    solved["change_usd"] = solved["objective_usd"] - reference["objective_usd"]
    tolerance = reference["mip_gap"] * reference["objective_usd"] + solved["mip_gap"] * solved["objective_usd"]
    solved["within_gap"] = solved["change_usd"].abs() <= tolerance
    order = solved["change_usd"].abs().sort_values(ascending=False).index
    return solved.loc[order, COLUMNS].reset_index(drop=True)


@plain_text
def tornado_png(table: pd.DataFrame, base_objective: float) -> bytes:
    shown = table.iloc[::-1]  # largest at the top
    colours = [OKABE_ITO[5] if change > 0 else OKABE_ITO[4] for change in shown["change_usd"]]
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(shown) + 1.8))
    ax.barh(
        shown["name"], shown["change_usd"] / 1e9, color=colours, hatch=["//" if w else "" for w in shown["within_gap"]]
    )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"Change in total discounted cost vs. base (billion USD; base {base_objective / 1e9:,.2f})")
    ax.set_ylabel("Run")
    ax.set_title("Objective sensitivity (tornado): orange costs more, blue less, hatched within MIP gap")
    ax.grid(axis="x", alpha=0.3)
    return to_png(fig)


def tornado_files(
    runs: pd.DataFrame, store_file: str | Path, base: str = "base", top: int = 20
) -> dict[str, Callable[[], str | bytes]]:
    """tornado.csv (every run), tornado.html and tornado.pdf (the `top` largest changes), by name, to
    render. `runs` is the store's runs table (one row per run: name, edits, status, objective_usd,
    mip_gap); `store_file` names where it came from."""
    table = sensitivity(runs, base)
    base_objective = runs.set_index("name").at[base, "objective_usd"]
    report = _report(table.head(top), base_objective, len(runs), store_file, base)
    return {
        "tornado.csv": partial(table.to_csv, index=False),
        "tornado.html": partial(render_html, report),
        "tornado.pdf": partial(render_pdf, report),
    }


def _report(table: pd.DataFrame, base_objective: float, recorded: int, store_file, base: str) -> Report:
    shown = pd.DataFrame(
        {
            "run": table["name"],
            "edits": table["edits"],
            "change (USD)": table["change_usd"].map(usd),
            "within MIP gap": table["within_gap"].map({True: "yes", False: "no"}),
        }
    )
    summary = (
        f"{recorded} runs recorded in {store_file}; base '{base}' costs {usd(base_objective)}. "
        f"Shown: the {len(table)} largest changes among runs with a plan (all in tornado.csv)."
    )
    items = (
        [
            Figure("Tornado", tornado_png(table, base_objective), "Each bar: one run's objective minus the base's."),
            Table("Changes against the base", shown),
        ]
        if not table.empty
        else []
    )
    return Report("Sweep sensitivity", str(store_file), [Section("Objective sensitivity", [summary], items)])
