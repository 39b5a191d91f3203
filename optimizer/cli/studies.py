"""`gridsite whatif`, `gridsite batch` and `gridsite runs ...`: studies of many variants."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import duckdb
import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from optimizer.cli import common as cli
from optimizer.cli.progress import Quiet, shown
from optimizer.inputs.errors import ScenarioError
from optimizer.pipeline.deterministic import PENALTY
from optimizer.studies import store

runs_app = typer.Typer(no_args_is_help=True, help="Query the results store of batch runs.")
StoreOption = Annotated[Path, typer.Option("--store", help="The results store (DuckDB file).")]
DEFAULT_STORE = Path("runs.duckdb")
EXIT_INTERRUPTED = 130


def whatif(
    scenario_dir: cli.ScenarioDir,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for base/, <name>/ and the comparison.")],
    edits: cli.Edits = None,
    name: Annotated[str, typer.Option(help="Name of the variant (its folder under --out).")] = "variant",
    log: Annotated[bool, typer.Option("--log", help="Show the HiGHS logs while solving.")] = False,
    force: cli.Force = False,
    quiet: Quiet = False,
    time_limit_s: cli.TimeLimit = None,
) -> None:
    """Solve a base scenario and a variant of it (--set edits), and compare them: cost by component,
    regions opened or dropped, MW by region and year, MW (and GPUs) online vs. demand.

    The base's result in OUT/base is reused while its inputs are unchanged, and its plan is the
    variant's MIP start. While the difference of the two costs is within solver tolerance, both are
    solved again at a finer gap, as --time-limit allows. Writes each run's reports and comparison.html/.pdf/.md beside the
    variant. Exit 0 when the variant has a solution, 3 when not, 2 for invalid input or an output
    folder holding files gridsite did not write.
    """
    from optimizer.pipeline.outputs import OutputError
    from optimizer.studies.whatif import run_whatif
    from reports.deltas import whatif_files
    from reports.tolerance import Difference

    base = cli.load(scenario_dir, time_limit_s=time_limit_s)
    budget = cli.command_budget(base, folders=3)  # the base's and the variant's folders, and the comparison
    try:
        with shown(cli.err, quiet or log):
            study = run_whatif(
                base, edits or [], name, out_dir, tee=log, force=force, files=whatif_files, budget=budget
            )
    except (ScenarioError, OutputError) as problem:
        cli.fail(problem)
    base_summary = json.loads((out_dir / "base" / "summary.json").read_text())
    whence = "reused from" if study.base_reused else "solved into"
    cli.out.print(f"base: {whence} {out_dir / 'base'}: {cli.run_line(base_summary)}", highlight=False, soft_wrap=True)
    cli.print_summary(study.variant.summary, study.variant_dir)
    if not study.variant.has_solution:
        raise typer.Exit(cli.EXIT_NO_SOLUTION)
    if not study.compared:
        cli.out.print(f"no comparison: the base has no plan (see {out_dir / 'base' / 'summary.json'})", highlight=False)
        return
    cli.out.print(f"comparison: {study.variant_dir / 'comparison.html'} (and .pdf, .md)", highlight=False)
    total = pd.read_csv(study.variant_dir / "cost_delta.csv").set_index("component").loc["total"]
    difference = Difference(total["delta_usd"], total["delta_low_usd"], total["delta_high_usd"])
    cli.out.print(f"total discounted cost vs. base: {difference.describe()}", highlight=False)
    tightened = study.variant.summary.get("whatif")
    if tightened:
        cli.out.print(f"both runs {tightened['note']} ({_gaps(tightened)})", highlight=False)


def _gaps(tightened: dict) -> str:
    """The gap asked of the pair kept and the gaps its two solves proved (a time limit may stop them short)."""
    from reports.document import gap

    reached = tightened.get("reached_mip_gap") or {}
    proven = ", ".join(f"{run} {gap(reached.get(run), '-')}" for run in ("base", "variant"))
    return f"asked {gap(tightened['mip_rel_gap'], '-')}; proven: {proven}"


def batch(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep file (YAML): base, variants, grid, samples.")],
    workers: Annotated[int, typer.Option(min=1, help="Worker processes of the local Dask cluster.")] = 2,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Address of an existing Dask scheduler (instead of a local cluster); its workers need gridsite."
        ),
    ] = None,
    store_file: Annotated[
        Path | None,
        typer.Option("--store", help="Results store; default: the sweep's store: key, else runs.duckdb beside it."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Solve again runs whose inputs are already stored.")] = False,
    time_limit_s: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0,
            help="Wall-clock seconds for the whole batch; runs not finished by then are cancelled, not recorded.",
        ),
    ] = None,
) -> None:
    """Solve every run of a sweep in parallel on Dask (HiGHS threads=1 per solve) and record each,
    as it finishes, in the results store. Run it again after an interruption or a --time-limit to
    finish the rest: runs whose inputs are stored are skipped. Exit 0 when every run has a solution
    (stored ones included), 3 when some do not (they are recorded with their status and message) or
    were not finished by --time-limit, 2 for an invalid sweep or base."""
    from optimizer.studies.batch import run_batch
    from optimizer.studies.sweep import read_sweep

    try:
        sweep = read_sweep(sweep_file)
        if store_file is not None:
            sweep = dataclasses.replace(sweep, store=store_file)
        deadline = None if time_limit_s is None else cli.command_started() + time_limit_s
        tally = run_batch(
            sweep, workers=workers, scheduler=scheduler, force=force, console=cli.out, describe=cli.run_line,
            deadline=deadline,
        )  # fmt: skip
    except ScenarioError as problem:
        cli.err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(cli.EXIT_INVALID_INPUT) from None
    except KeyboardInterrupt:
        cli.err.print(f"interrupted: finished runs are in {sweep.store}; run the same command to finish the rest")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    cli.out.print(
        f"{sweep.name}: {tally.solved} solved, {tally.failed} without a solution, {tally.skipped} already stored, "
        f"{tally.reused} reused from runs with the same inputs; store {sweep.store}",
        highlight=False,
    )
    if tally.unfinished:
        cli.err.print(
            f"time limit: {tally.unfinished} runs not finished (not recorded); run the same command to finish them",
            highlight=False,
            soft_wrap=True,
        )
    if tally.failed or tally.unfinished:
        raise typer.Exit(cli.EXIT_NO_SOLUTION)


@runs_app.command("list")
def list_runs(store_file: StoreOption = DEFAULT_STORE) -> None:
    """One line per recorded run: status, objective with its spend and unserved penalty (a valuation)
    apart, its difference to the run named base (within solver tolerance when the range both runs'
    bounds allow contains 0), MIP gap, solve time, edits."""
    from reports.document import duration, gap

    runs = _read(store.read_table, store_file, "runs").sort_values(["recorded_at", "name"])
    base = runs[runs["name"] == "base"]
    table = Table("name", "status", "objective", "spend", cli.PENALTY_COLUMN, "vs base", "MIP gap",
                  "solve", "edits")  # fmt: skip
    for _, run in runs.iterrows():
        table.add_row(
            run["name"],
            run["status"],
            cli.usd(run["objective_usd"]),
            *cli.spend_and_penalty(json.loads(run["summary"])),
            _versus_base(run, base),
            gap(run["mip_gap"], "-"),
            duration(run["solve_seconds"], "-"),
            Text(run["edits"]),  # plain text: edits hold [...] that rich would read as markup
        )
    cli.out.print(table)


def _versus_base(run: pd.Series, base: pd.DataFrame) -> str:
    from reports.tolerance import objective_difference

    if base.empty or run["name"] == "base" or pd.isna(run["objective_usd"]) or pd.isna(base["objective_usd"].iloc[0]):
        return "-"
    summaries = [
        {k: None if pd.isna(r[k]) else r[k] for k in ("objective_usd", "best_bound_usd")} for r in (run, base.iloc[0])
    ]
    return objective_difference(*summaries).describe()


@runs_app.command("show")
def show_run(name: Annotated[str, typer.Argument(help="Run name.")], store_file: StoreOption = DEFAULT_STORE) -> None:
    """A run's record, discounted cost by component, and MW in service by region and year."""
    runs = _read(store.read_table, store_file, "runs", name)
    if runs.empty:
        cli.err.print(f"no run named '{name}' in {store_file}", highlight=False)
        raise typer.Exit(cli.EXIT_INVALID_INPUT)
    record = runs.iloc[0]
    fields = {key: _field_text(key, value) for key, value in record.drop("summary").items()}
    for key, value in (fields | cli.split_rows(json.loads(record["summary"]))).items():
        cli.out.print(f"{key}: {value}", highlight=False, markup=False)
    across = " (expected over the run's outcomes)" if _run_table(store_file, "outcomes", name) is not None else ""
    costs = _run_table(store_file, "costs", name)
    if costs is not None:
        text = _by_component(costs).to_markdown(floatfmt=",.0f")
        cli.out.print(f"\ndiscounted cost by component (USD){across}\n{text}", markup=False)
    capacity = _run_table(store_file, "capacity", name)
    if capacity is not None:
        built = capacity.pivot(index="region_id", columns="year", values="capacity_mw")
        built = built[built.max(axis=1) > 0]
        cli.out.print(f"\nMW in service by region and year{across}\n{built.to_markdown(floatfmt=',.0f')}", markup=False)


def _field_text(key: str, value: object) -> object:
    """A field of a stored run's record as the other tables give it: USD, gap and times formatted."""
    from reports.document import duration, gap

    if key.endswith("_usd"):
        return cli.usd(value)
    if key == "mip_gap":
        return gap(value, "-")
    return duration(value, "-") if key.endswith("_seconds") else value


def _by_component(costs: pd.DataFrame) -> pd.DataFrame:
    """Discounted cost by component: what is paid, its subtotal (spend), then the unserved penalty,
    a valuation, and the objective that adds them."""
    by_component = costs.groupby("component", sort=False)["discounted_usd"].sum()
    paid = by_component.drop(PENALTY, errors="ignore")
    rows = paid.to_dict() | {"spend (paid)": paid.sum()}
    if PENALTY in by_component:
        rows |= {f"{PENALTY} (penalty: a valuation, not paid)": by_component[PENALTY]}
    rows["objective"] = by_component.sum()
    return pd.Series(rows, name="discounted_usd").rename_axis("component").to_frame()


def _run_table(store_file: Path, table: str, name: str) -> pd.DataFrame | None:
    """A run's rows of a stored table (None when the store has no such table or rows); a table of a
    plan across outcomes as its probability-weighted expected values."""
    from reports.run import expected

    if not store.has_table(store_file, table):
        return None
    rows = store.read_table(store_file, table, name).drop(columns="run")
    if rows.empty:
        return None
    if "outcome" in rows and table != "outcomes":
        rows = expected(rows, store.read_table(store_file, "outcomes", name))
    return rows


@runs_app.command("export")
def export(
    table: Annotated[
        str, typer.Argument(help="runs, mip_start or a result table: capacity, costs, service, unserved, ...")
    ],
    out_file: Annotated[Path, typer.Argument(help="Output file: .csv or .parquet.")],
    store_file: StoreOption = DEFAULT_STORE,
    run: Annotated[str | None, typer.Option(help="Only this run's rows.")] = None,
) -> None:
    """Export a table of the store (all runs, or one) to CSV or Parquet, written atomically."""
    if out_file.suffix not in store.EXPORT_FORMATS:
        cli.err.print(f"{out_file}: expected a .csv or .parquet file name", highlight=False)
        raise typer.Exit(cli.EXIT_INVALID_INPUT)
    rows = _read(store.export_table, store_file, table, out_file, run)
    cli.out.print(f"{rows} rows of {table} -> {out_file}", highlight=False)


@runs_app.command("tornado")
def tornado(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for tornado.csv, tornado_runs.csv, tornado.html and tornado.pdf.")
    ],
    store_file: StoreOption = DEFAULT_STORE,
    base: Annotated[str, typer.Option(help="The run every other run is compared with.")] = "base",
    top: Annotated[int, typer.Option(help="Widest factors shown in the chart.", min=1)] = 20,
    force: cli.Force = False,
) -> None:
    """Tornado chart of a sweep: one bar per factor (a grid axis or a variant prefix) from its lowest to
    its highest discounted-cost change against the base run, each with the range the proven bounds
    allow; runs that change the discount rate are listed apart (docs/reports.md)."""
    from optimizer.pipeline.outputs import write_rendered
    from reports.tornado import tornado_files

    runs = _read(store.read_table, store_file, "runs")
    cli.write_from_runs(lambda: write_rendered(out_dir, tornado_files(runs, store_file, base, top), force))


@runs_app.command("report")
def report_run(
    name: Annotated[str, typer.Argument(help="Run name.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the run folder and its reports.")],
    store_file: StoreOption = DEFAULT_STORE,
    export: Annotated[bool, typer.Option(help="Also write results.xlsx and a Parquet file per table.")] = True,
    force: cli.Force = False,
) -> None:
    """Write a stored run as a run folder (summary.json, result tables, sites.geojson, inputs/) with its
    report.md, report.html and report.pdf, without solving again. Exit 2 when the run or its inputs
    are not in the store, or when OUT holds files gridsite did not write (unless --force)."""
    from optimizer.pipeline.outputs import write_rendered
    from reports import report_files

    folder = stored_run_folder(store_file, name, out_dir, force)
    cli.write_from_runs(lambda: write_rendered(folder, report_files(folder, export), force))


def stored_run_folder(store_file: Path, name: str, out_dir: Path, force: bool) -> Path:
    """A stored run written as a run folder; exit 2 when the store lacks the run or its inputs, or
    when gridsite may not write into `out_dir`."""
    from optimizer.pipeline.outputs import RESULT_FILES, OutputError, check_out_dir

    try:
        check_out_dir(out_dir, RESULT_FILES, force)
    except OutputError as problem:
        cli.fail(problem)
    return _read(store.write_run_folder, store_file, name, out_dir, force)


def _read(reader, store_file: Path, *args):
    """Call a store reader, turning a missing store or table into a clear message and exit 2."""
    if not store_file.exists():
        cli.err.print(f"{store_file}: no results store here (see gridsite batch --store)", highlight=False)
        raise typer.Exit(cli.EXIT_INVALID_INPUT)
    try:
        return reader(store_file, *args)
    except KeyError as problem:
        cli.err.print(problem.args[0], highlight=False)
        raise typer.Exit(cli.EXIT_INVALID_INPUT) from None
    except duckdb.Error as problem:
        cli.fail(f"{store_file}: not a readable results store ({problem})")


def register(app: typer.Typer) -> None:
    app.command()(whatif)
    app.command()(batch)
    app.add_typer(runs_app, name="runs")
