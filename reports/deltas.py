"""What-if deltas between a base run folder and a variant run folder, from their files only.

Tables (each also written as CSV by `gridsite whatif`):
- cost_delta: discounted USD by cost component, `spend` (all but the unserved penalty) and `total`
  (the objective): base, variant, delta; the total's delta_low_usd and delta_high_usd (the range the
  two runs' proven bounds allow) and within_tolerance (the range contains 0)
- regions_changed: regions the variant uses that the base does not ("opened"), and the reverse
- capacity_delta: MW in service by region and year where base and variant differ
- online_vs_demand: MW in service by year in each plan vs. the MW the variant demands; where demand
  is stated in GPUs, also GPUs served in each plan vs. the GPUs demanded
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from reports.compare import cost_by_run, mw_by_run
from reports.document import duration, gap, number
from reports.render import comparison_renderers, report_renderers
from reports.run import PENALTY, Run, read_run
from reports.tolerance import objective_difference

LABELS = ["base", "variant"]
TABLES = ("cost_delta", "regions_changed", "capacity_delta", "online_vs_demand")


def whatif_files(base_dir: Path | None) -> dict[str, Callable[[Path], str | bytes]]:
    """The files of a what-if run folder, by name: the siting reports and, given the base's run folder,
    the comparison with it (comparison.md, comparison.html, comparison.pdf and one CSV per table of
    `compare_runs`)."""
    files = report_renderers()
    if base_dir is not None:
        files["comparison.md"] = partial(render_comparison, base_dir)
        files |= comparison_renderers(base_dir, "comparison")
        files |= {f"{table}.csv": partial(_comparison_csv, base_dir, table) for table in TABLES}
    return files


def _comparison_csv(base_dir: Path, table: str, variant_dir: Path) -> str:
    return compare_runs(base_dir, variant_dir)[table].to_csv(index=False)


def compare_runs(base_dir: str | Path, variant_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Both folders must hold a plan (reports.run.RunFolderError otherwise)."""
    runs = [read_run(base_dir), read_run(variant_dir)]
    capacity = pd.DataFrame({label: run.capacity_by_year.stack() for run, label in zip(runs, LABELS)}).fillna(0.0)
    return {
        "cost_delta": _cost_delta(runs),
        "regions_changed": _regions_changed(capacity),
        "capacity_delta": _capacity_delta(capacity),
        "online_vs_demand": _online_vs_demand(runs),
    }


def render_comparison(base_dir: str | Path, variant_dir: str | Path) -> str:
    """comparison.md: how each run was obtained, then every table of `compare_runs`."""
    lines = ["# What-if comparison", ""]
    for label, run in zip(LABELS, (read_run(base_dir), read_run(variant_dir))):
        summary = run.summary
        edits = "; ".join(summary.get("edits") or []) or "none"
        lines.append(
            f"- {label.capitalize()} ({run.name}): status **{summary['status']}**, MIP gap {gap(summary['mip_gap'])}, "
            f"solve {duration(summary['solve_seconds'])}, input hash `{summary['input_hash'][:12]}`, edits: {edits}"
        )
    total = objective_difference(read_run(variant_dir).summary, read_run(base_dir).summary)
    lines += ["", f"Total discounted cost (the objective), variant minus base: {total.describe()}.", ""]
    for name, table in compare_runs(base_dir, variant_dir).items():
        body = "(none)" if table.empty else markdown_table(table)
        lines += [f"## {name.replace('_', ' ').capitalize()}", "", body, "", *NOTES.get(name, ())]
    return "\n".join(lines)


NOTES = {
    "cost_delta": (
        "Only the total, the objective, has a range (delta_low_usd to delta_high_usd, from both runs' proven "
        "bounds); spend and each component are the plans' own figures, to which no bound applies.",
        "",
    )
}


def markdown_table(table: pd.DataFrame) -> str:
    """A comparison table as Markdown: years and counts as integers, USD and GPUs whole, MW to one
    decimal, flags as yes/no and missing cells blank."""
    text = table.apply(_cells)
    align = ["right" if pd.api.types.is_numeric_dtype(table[c]) else "left" for c in table.columns]
    return text.to_markdown(index=False, disable_numparse=True, colalign=align)


def _cells(column: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(column) or column.map(lambda v: isinstance(v, bool | np.bool_)).any():
        return column.map(lambda v: "" if pd.isna(v) else "yes" if v else "no")
    if pd.api.types.is_integer_dtype(column):
        return column.map(str)
    if pd.api.types.is_float_dtype(column):
        decimals = 0 if column.name.endswith("_usd") or "gpus" in column.name else 1
        return column.map(lambda v: "" if pd.isna(v) else number(v, decimals))
    return column.fillna("").astype(str)


def _cost_delta(runs: list[Run]) -> pd.DataFrame:
    table = cost_by_run(runs, LABELS)
    table.loc["spend"] = table.drop(index=[PENALTY], errors="ignore").sum()
    table.loc["total"] = table.drop(index=["spend"]).sum()
    table.columns = [f"{label}_usd" for label in LABELS]
    table["delta_usd"] = table["variant_usd"] - table["base_usd"]
    total = objective_difference(runs[1].summary, runs[0].summary)
    table.loc["total", ["delta_low_usd", "delta_high_usd"]] = [total.low, total.high]
    table["within_tolerance"] = pd.Series({"total": total.within_tolerance}, dtype=object)
    return table.rename_axis("component").reset_index()


def _regions_changed(capacity: pd.DataFrame) -> pd.DataFrame:
    used = capacity.groupby(level="region_id").max() > 0
    change = pd.Series("opened", index=used.index).where(used["variant"] & ~used["base"])
    change = change.fillna(pd.Series("dropped", index=used.index).where(used["base"] & ~used["variant"]))
    return change.dropna().rename("change").rename_axis("region_id").reset_index()


def _capacity_delta(capacity: pd.DataFrame) -> pd.DataFrame:
    table = capacity.rename(columns={label: f"capacity_mw_{label}" for label in LABELS})
    table["delta_mw"] = table["capacity_mw_variant"] - table["capacity_mw_base"]
    table = table[table["delta_mw"].abs() > 1e-6].sort_index()
    return table.rename_axis(["region_id", "year"]).reset_index()


def _online_vs_demand(runs: list[Run]) -> pd.DataFrame:
    table = mw_by_run(runs, LABELS).fillna(0.0).add_prefix("online_mw_")
    table["demand_mw"] = runs[1].demand_by_year
    gpus = [run.gpus_by_year for run in runs]
    if all(g is not None for g in gpus):
        for g, label in zip(gpus, LABELS):
            table[f"gpus_served_{label}"] = g["served"]
        table["gpus_demanded"] = gpus[1]["demanded"]
    return table.fillna(0.0).rename_axis("year").reset_index()
