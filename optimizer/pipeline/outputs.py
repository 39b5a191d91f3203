"""Result tables -> files in OUT_DIR, written atomically (temp folder, then rename)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from formulations import RESULT_TABLES
from formulations.lead_times import first_build_year
from optimizer.pipeline.solve import ANALYSIS_TABLES, SolveResult
from optimizer.pipeline.stochastic import PLAN_TABLES

# The model's result tables, the cost terms, and a plan across outcomes' own (optimizer.pipeline.stochastic).
TABLES = (*RESULT_TABLES, "costs", *PLAN_TABLES)
EXPORTED_TABLES = (*TABLES, "sites", *ANALYSIS_TABLES)  # exported to results.xlsx and <name>.parquet
# What-if files beside a variant's results (optimizer.studies.whatif, reports.deltas): removed with the
# rest when stale.
START_FILE = "mip_start.json"
COMPARISON_TABLES = ("cost_delta", "regions_changed", "capacity_delta", "online_vs_demand")
RESULT_FILES = (
    *(f"{name}.csv" for name in TABLES),
    "sites.geojson",
    "solver.log",
    "report.md",
    "summary.json",
    "inputs",
    *(f"{name}.csv" for name in ANALYSIS_TABLES),
    "report.html",
    "report.pdf",
    "results.xlsx",
    *(f"{name}.parquet" for name in EXPORTED_TABLES),
    START_FILE,
    "comparison.md",
    "comparison.html",
    "comparison.pdf",
    *(f"{name}.csv" for name in COMPARISON_TABLES),
)


Renderer = Callable[[Path], str | bytes]  # renders one file from a finished run folder


def write_results(
    result: SolveResult,
    out_dir: str | Path,
    extra: dict[str, Renderer] | None = None,
    inputs: Mapping[str, str] | None = None,
) -> Path:
    """Write all result files for `result` into `out_dir`.

    Every file is written to a temporary folder beside the results first and moved into place
    only when all are complete; `summary.json` moves last, so its presence marks a complete set.
    Files of an earlier run that this run does not produce are removed, so nothing stale remains.
    `extra` maps a file name to a function that renders it (text or bytes) from the finished
    temporary folder. `inputs` (file name -> text, see `Scenario.files`) are the effective inputs,
    saved in `inputs/` so reports can read them without the scenario folder.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".gridsite-", dir=out))
    try:
        _write_json(staging / "summary.json", result.summary)
        (staging / "solver.log").write_text(result.solver_log)
        for name, table in result.tables.items():
            table.to_csv(staging / f"{name}.csv", index=False)
        if result.has_solution:
            (staging / "sites.geojson").write_text(sites_geojson(result.regions, result.capacity))
            for name, table in result.analysis.items():
                table.to_csv(staging / f"{name}.csv", index=False)
        if inputs is not None:
            (staging / "inputs").mkdir()
            for name, text in inputs.items():
                (staging / "inputs" / name).write_text(text)
        for name, render in (extra or {}).items():
            rendered = render(staging)
            (staging / name).write_bytes(rendered.encode() if isinstance(rendered, str) else rendered)
        produced = {p.name for p in staging.iterdir()}
        # The old summary and files this run does not produce go first, so no reader ever sees a
        # summary beside result files of another run; the new summary moves in last.
        for name in ["summary.json", *sorted(set(RESULT_FILES) - produced)]:
            _remove(out / name)
        for name in sorted(produced - {"summary.json"}) + ["summary.json"]:
            if (staging / name).is_dir():
                _remove(out / name)  # os.replace moves a folder only where none is
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def write_text(path: Path, text: str) -> Path:
    """Write a file through a temporary file in its folder, then rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.replace(temp, path)
    return path


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def sites_geojson(regions: pd.DataFrame, capacity: pd.DataFrame) -> str:
    """Candidate regions as points, with the first year each can add capacity (its construction lead
    time), capacity_mw_<year> properties and whether each is built. For a plan across outcomes
    (an `outcome` column), capacity_mw_<year> is the most MW in service in any outcome."""
    by_year = capacity.pivot_table(index="region_id", columns="year", values="capacity_mw", aggfunc="max")
    first_year = int(by_year.columns.min())
    by_year.columns = [f"capacity_mw_{year}" for year in by_year.columns]
    sites = regions[["region_id", "zone_id", "lat", "lon", "max_mw"]].assign(
        first_build_year=[first_build_year(first_year, lead) for lead in regions["lead_time_years"]]
    )
    sites = sites.merge(by_year, left_on="region_id", right_index=True, how="left")
    sites["built"] = by_year.max(axis=1).reindex(sites["region_id"]).fillna(0).to_numpy() > 0
    frame = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326")
    return frame.to_json(drop_id=True)
