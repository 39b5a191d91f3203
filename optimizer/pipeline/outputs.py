"""Result tables -> files in OUT_DIR, written atomically (temp folder, then rename), never over
files gridsite did not write (a marker file lists what it wrote in each folder)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Mapping
from pathlib import Path, PurePosixPath

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
NEGLIGIBLE = 1e-6  # USD or MW: below a millionth of a dollar or of a MW (1 W), a value is the solver's round-off
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

MARKER = "gridsite-files.json"  # in every folder gridsite writes: the files it wrote there
STAGING_PREFIX = ".gridsite-"
NAME_BYTES = 255  # the longest file name most file systems take


class OutputError(ValueError):
    """An output folder gridsite will not write into, or a name that cannot be one; the message says why."""


def check_name(name: str, what: str) -> None:
    """Raise OutputError unless `name` can be one folder name (e.g. a what-if variant's)."""
    if not name or name in (".", "..") or any(c in name for c in "/\\\0") or len(name.encode()) > NAME_BYTES:
        raise OutputError(f"{what}: expected a plain folder name (no / or \\, not . or ..), got {name!r}")


def check_out_dir(folder: str | Path, names: Collection[str], force: bool = False) -> None:
    """Raise OutputError unless gridsite may write files called `names` (a folder name covers what is
    in it) into `folder`: it is absent, empty, or a folder gridsite wrote whose files of those names
    are all its own. With `force` any folder will do, and files of those names are replaced."""
    folder = Path(folder)
    try:
        problem = _out_dir_problem(folder, names, force)
    except (OSError, ValueError) as err:  # ValueError: a path with a NUL character
        problem = f"cannot be used for results ({getattr(err, 'strerror', None) or err})"
    if problem:
        raise OutputError(f"{folder}: {problem}")


def _out_dir_problem(folder: Path, names: Collection[str], force: bool) -> str | None:
    ancestor = next(p for p in (folder, *folder.parents) if p.exists())
    if not ancestor.is_dir():
        return "is a file, expected a folder" if ancestor == folder else f"cannot be created: {ancestor} is a file"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"no permission to write in {ancestor}"
    if ancestor != folder or force:
        return None
    listed = written_files(folder)
    if listed is None and _entries(folder):
        return (
            f"holds files gridsite did not write ({_some(_entries(folder))}); choose a new or empty folder, "
            "or --force to write into it (files named like gridsite's are then replaced)"
        )
    owned = {path.split("/")[0] for path in listed or ()}
    foreign = set(names) & set(_entries(folder)) - owned
    return f"{_some(foreign)} not written by gridsite; move them away, or --force" if foreign else None


def _entries(folder: Path) -> list[str]:
    """Names in `folder` but the marker and staging folders."""
    return [p.name for p in folder.iterdir() if p.name != MARKER and not p.name.startswith(STAGING_PREFIX)]


def _files_under(folder: Path, names: Collection[str]) -> set[str]:
    """Paths, relative to `folder`, of the files called `names` in it or in its folders of those names."""
    found = set()
    for name in set(names) & set(_entries(folder)):
        path = folder / name
        inside = path.rglob("*") if path.is_dir() and not path.is_symlink() else [path]
        found |= {p.relative_to(folder).as_posix() for p in inside if not p.is_dir() or p.is_symlink()}
    return found


def _some(paths: Collection[str]) -> str:
    shown = sorted(paths)[:5]
    return ", ".join(shown) + (f" and {len(paths) - len(shown)} more" if len(paths) > len(shown) else "")


def written_files(folder: str | Path) -> set[str] | None:
    """The files gridsite wrote into `folder` (paths relative to it, none leading out of it), or None
    when it wrote none there."""
    try:
        listed = json.loads((Path(folder) / MARKER).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {p for p in listed if isinstance(p, str) and _relative(p)}


def _relative(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return bool(parts) and not PurePosixPath(path).is_absolute() and ".." not in parts and "\0" not in path


def _escapes(out: Path, path: str) -> bool:
    """Whether the folder `path` is in leads out of `out` (a folder replaced by a symbolic link)."""
    inside = Path(os.path.realpath(out)).joinpath(*PurePosixPath(path).parent.parts)
    return Path(os.path.realpath((out / path).parent)) != inside


def record_written(folder: str | Path, files: Collection[str]) -> None:
    """Write the marker listing `files` (relative paths) as gridsite's own, atomically."""
    text = json.dumps({"written_by": "gridsite", "files": sorted(files)}, indent=1) + "\n"
    handle, temp = tempfile.mkstemp(prefix=STAGING_PREFIX, dir=folder)
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.replace(temp, Path(folder) / MARKER)


def write_results(
    result: SolveResult,
    out_dir: str | Path,
    extra: dict[str, Renderer] | None = None,
    inputs: Mapping[str, str] | None = None,
    force: bool = False,
) -> Path:
    """Write all result files for `result` into `out_dir`.

    Every file is written to a temporary folder beside the results first and moved into place
    only when all are complete; `summary.json` moves last, so its presence marks a complete set.
    Files of an earlier run that this run does not produce are removed, so nothing stale remains;
    only files gridsite wrote are ever removed or replaced (the marker lists them, see
    `check_out_dir`; OutputError otherwise). `extra` maps a file name to a function that renders it
    (text or bytes) from the finished temporary folder; a renderer that fails leaves its file out and
    its error in the summary's `report_errors`, so a report never costs the plan. `inputs` (file
    name -> text, see `Scenario.files`) are the effective inputs, saved in `inputs/` so reports can
    read them without the scenario folder.
    """
    out = Path(out_dir)
    check_out_dir(out, RESULT_FILES, force)
    out.mkdir(parents=True, exist_ok=True)
    earlier = written_files(out) or set()
    holder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    staging = holder / (out.resolve().name or "run")  # named as the run folder: reports name a run by its folder
    staging.mkdir()
    try:
        _write_tables(result, staging, inputs)
        _render(result, staging, extra or {})
        produced = _files_under(staging, _entries(staging))
        if force:
            earlier |= _files_under(out, (*RESULT_FILES, *_entries(staging)))
        clash = _files_under(out, _entries(staging)) & produced - earlier  # the folder changed since the check
        clash |= {path for path in produced if _escapes(out, path)}
        if clash:
            raise OutputError(f"{out}: {_some(clash)} not written by gridsite; move them away, or --force")
        record_written(out, earlier | produced)  # while files move, the marker covers old and new
        # The old summary and files this run does not produce go first, so no reader ever sees a
        # summary beside result files of another run; the new summary moves in last.
        stale = sorted(earlier - produced)
        for name in [*(["summary.json"] if "summary.json" in earlier else []), *stale]:
            if not _escapes(out, name):
                with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                    (out / name).unlink()
        _prune_empty_folders(out, stale)
        for name in sorted(produced - {"summary.json"}) + ["summary.json"]:
            (out / name).parent.mkdir(exist_ok=True)
            os.replace(staging / name, out / name)
        record_written(out, produced)
    finally:
        shutil.rmtree(holder, ignore_errors=True)
    return out


def write_rendered(folder: Path, renderers: dict[str, Callable[[], str | bytes]], force: bool) -> list[Path]:
    """Render each file and write it atomically into `folder`, which must be one gridsite may write
    these files into (OutputError, see check_out_dir); the marker then lists them. A file that fails
    to render is left out and named, with its error, in an OutputError once the others are written."""
    check_out_dir(folder, renderers, force)
    folder.mkdir(parents=True, exist_ok=True)
    written, errors = [], []
    for name, render in renderers.items():
        try:
            written.append(_write_atomically(folder / name, render()))
        except Exception as err:  # noqa: BLE001 - one failed report must not cost the others
            errors.append(f"{name} not written ({type(err).__name__}: {err})")
    record_written(folder, (written_files(folder) or set()) | {path.name for path in written})
    if errors:
        raise OutputError(f"{folder}: " + "; ".join(errors))
    return written


def _write_atomically(path: Path, data: str | bytes) -> Path:
    """Write `path` through a temporary file in its folder, then rename: never half-written."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(handle, "wb") as file:
        file.write(data.encode() if isinstance(data, str) else data)
    os.replace(temp, path)
    return path


def _write_tables(result: SolveResult, staging: Path, inputs: Mapping[str, str] | None) -> None:
    _write_json(staging / "summary.json", result.summary)
    (staging / "solver.log").write_text(result.solver_log)
    for name, table in result.tables.items():
        tidy(table).to_csv(staging / f"{name}.csv", index=False)
    if result.has_solution:
        (staging / "sites.geojson").write_text(sites_geojson(result.regions, result.capacity))
        for name, table in result.analysis.items():
            tidy(table).to_csv(staging / f"{name}.csv", index=False)
    if inputs is not None:
        (staging / "inputs").mkdir()
        for name, text in inputs.items():
            (staging / "inputs" / name).write_text(text)


def tidy(table: pd.DataFrame) -> pd.DataFrame:
    """A result table as written: money and power below NEGLIGIBLE (the solver's round-off, -0.0
    included) as 0, and years as whole numbers where some rows have none (e.g. opening a region)."""
    table = table.copy()
    for column in table.select_dtypes("float").columns:
        values = table[column]
        if column == "year" and (values.dropna() % 1 == 0).all():
            table[column] = values.astype("Int64")
        elif _is_amount(column):
            table[column] = values.mask(values.abs() < NEGLIGIBLE, 0.0)
    return table


def _is_amount(column: str) -> bool:
    """USD or MW by its name (units live in column names): mw, usd, used_mw, cost_usd, saving_low_usd."""
    return column in ("mw", "usd") or column.endswith(("_mw", "_usd"))


def _render(result: SolveResult, staging: Path, extra: dict[str, Callable[[Path], str | bytes]]) -> None:
    """Render the extra files; one that fails is named in the summary with its error, not raised."""
    errors = {}
    for name, render in extra.items():
        try:
            rendered = render(staging)
        except Exception as err:  # noqa: BLE001 - a report must never cost the solved plan beside it
            errors[name] = f"{type(err).__name__}: {err}"
            continue
        (staging / name).write_bytes(rendered.encode() if isinstance(rendered, str) else rendered)
    if errors:
        result.summary["report_errors"] = errors
        _write_json(staging / "summary.json", result.summary)


def _prune_empty_folders(out: Path, removed: Collection[str]) -> None:
    for folder in sorted({(out / p).parent for p in removed} - {out}, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty: it holds files gridsite did not write
            folder.rmdir()


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
