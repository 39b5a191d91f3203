"""`gridsite validate`, `solve`, `report` and `compare`: one scenario, one run folder, or several."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import (
    EXIT_INVALID_INPUT,
    EXIT_NO_SOLUTION,
    Edits,
    Force,
    ScenarioDir,
    Scheduler,
    TimeLimit,
    Workers,
    check_out,
    command_budget,
    err,
    executor_for,
    fail,
    load,
    out,
    print_summary,
    write_from_runs,
)
from optimizer.cli.progress import Quiet, shown
from optimizer.inputs.machine import cores
from optimizer.inputs.scenario import Scenario


def validate(scenario_dir: ScenarioDir, edits: Edits = None) -> None:
    """Check a scenario folder (with any --set edits) without solving. Exit 0 when valid, 2 when not."""
    scenario = load(scenario_dir, edits)
    config = scenario.config
    out.print(
        f"[green]valid[/] {config.name}: {len(scenario.regions)} regions in "
        f"{scenario.regions['zone_id'].nunique()} zones, {scenario.demand['demand_id'].nunique()} demand centres, "
        f"years {config.first_year}-{config.last_year}",
        highlight=False,
    )


def solve(
    scenario_dir: ScenarioDir,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the results (created if missing).")],
    time_limit_s: TimeLimit = None,
    mip_rel_gap: Annotated[
        float | None, typer.Option("--gap", help="Relative MIP gap; overrides scenario.yaml.")
    ] = None,
    threads: Annotated[int | None, typer.Option(help="HiGHS threads; overrides scenario.yaml.")] = None,
    report: Annotated[bool, typer.Option(help="Also write report.md, report.html and report.pdf.")] = True,
    export: Annotated[bool, typer.Option(help="Also write results.xlsx and a Parquet file per table.")] = True,
    log: Annotated[bool, typer.Option("--log", help="Show the HiGHS log while solving.")] = False,
    limits: Annotated[
        bool,
        typer.Option(
            help="Also value zone limits (limits.csv) and lead times (lead_times.csv): one LP, then re-solves as time allows."
        ),
    ] = True,
    probe_region: Annotated[
        list[str] | None,
        typer.Option(
            help="Region id whose forcing out of (or into) the plan is costed by a re-solve (probes.csv). Repeatable."
        ),
    ] = None,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    edits: Edits = None,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """Solve a scenario and write summary.json, capacity.csv, service.csv, unserved.csv, costs.csv,
    power_limits.csv, capacity_by_path.csv, contracts.csv, upgrades.csv and emissions.csv (where the
    inputs call for them), sites.geojson, solver.log, inputs/ (the validated inputs), limits.csv and
    lead_times.csv, report.md/.html/.pdf, results.xlsx and <table>.parquet into --out.

    A scenario with an `uncertainty:` section is solved as one plan decided now across its outcomes
    (outcomes.csv, decisions_now.csv, every table per outcome); --workers or --scheduler runs the
    outcomes' independent solves on Dask.

    Exit 0 when a solution was written, 3 when the model has no solution (summary.json says why),
    2 for invalid input or an --out folder holding files gridsite did not write (nothing is written).
    """
    from optimizer.pipeline.outputs import RESULT_FILES, OutputError, write_results
    from optimizer.pipeline.solve import solve as solve_scenario

    scenario = load(scenario_dir, edits, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, threads=threads)
    budget = command_budget(scenario)
    probes = tuple(probe_region or ())
    _check_regions(scenario, probes)
    check_out(out_dir, RESULT_FILES, force)
    with executor_for(workers, scheduler) as (executor, parallel), shown(err, quiet or log):
        result = solve_scenario(budget.within(scenario), tee=log, executor=executor)
        _suggest_workers(result.summary, parallel)
        if result.has_solution and scenario.config.uncertainty is None and (limits or probes):
            _analyse(scenario, result, budget, limits=limits, probes=probes, executor=executor, parallel=parallel)
        elif result.has_solution and (limits or probes):
            result.summary["analysis_skipped"] = (
                "what limits a plan is valued for one assumed future, not across outcomes"
            )
    result.summary["time_budget"] = budget.account()
    try:
        write_results(result, out_dir, extra=_renderers(result, report, export), inputs=scenario.files(), force=force)
    except OutputError as problem:  # the folder changed while solving
        fail(problem)
    print_summary(result.summary, out_dir)
    if not result.has_solution:
        raise typer.Exit(EXIT_NO_SOLUTION)


def _suggest_workers(summary: dict, parallel: int) -> None:
    """By outcomes, the outcomes' solves are most of the time: say so where cores sat idle (as many
    workers as there are cores, or outcomes where fewer)."""
    useful = min(cores(), summary.get("outcomes", 1))
    if summary["solver"].get("method") == "by_outcomes" and parallel == 1 and useful > 1:
        err.print(
            f"note: the outcomes were solved one at a time; --workers {useful} solves {useful} at once "
            "on a local Dask cluster (--scheduler: on a cluster's workers)",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def _check_regions(scenario: Scenario, region_ids: tuple[str, ...]) -> None:
    unknown = sorted(set(region_ids) - set(scenario.regions["region_id"]))
    if unknown:
        err.print(
            f"--probe-region: unknown region id(s) {', '.join(unknown)}; expected a region_id of regions.csv",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_INVALID_INPUT)


def _analyse(scenario: Scenario, result, budget, **options) -> None:
    """What limits the plan, within what is left of the time limit; summary.json's `analyses` says
    what was computed and what was not, and why."""
    from optimizer.pipeline.marginals import explain_limits

    analysis = explain_limits(scenario, result, budget=budget, **options)
    result.analysis, result.summary["analyses"] = analysis.tables, analysis.account


def _renderers(result, report: bool, export: bool) -> dict:
    from optimizer.pipeline.outputs import EXPORTED_TABLES
    from reports import export_renderers, report_renderers

    if not result.has_solution:
        return {}
    produced = set(result.tables) | set(result.analysis) | {"sites"}
    tables = [t for t in EXPORTED_TABLES if t in produced]
    return (report_renderers() if report else {}) | (export_renderers(tables) if export else {})


def report(
    run_dir: Annotated[Path, typer.Argument(help="Output folder of `gridsite solve` (holds summary.json).")],
    export: Annotated[bool, typer.Option(help="Also write results.xlsx and a Parquet file per table.")] = True,
    force: Force = False,
) -> None:
    """(Re)write report.md, report.html (self-contained), report.pdf, results.xlsx and Parquet files
    from a run folder's result files; the model is neither rebuilt nor solved. Exit 2 when the folder
    holds no plan."""
    from optimizer.pipeline.outputs import write_rendered
    from reports import report_files

    write_from_runs(lambda: write_rendered(run_dir, report_files(run_dir, export), force))


def compare(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for compare.html and compare.pdf (created if missing).")
    ],
    run_dirs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Output folders of `gridsite solve` (with --run, stored runs follow); the first is the reference."
        ),
    ] = None,
    store_file: Annotated[Path | None, typer.Option("--store", help="A results store of batch runs.")] = None,
    runs: Annotated[
        list[str] | None, typer.Option("--run", help="A run of the --store to compare (repeatable), in order.")
    ] = None,
    force: Force = False,
) -> None:
    """Compare two or more runs side by side (what each changed, differences against the first within
    solver tolerance, cost by component, sites, MW by year, how each was solved) in compare.html and
    compare.pdf, from the runs' result files. Stored runs (--store F --run A --run B) are written as
    run folders under OUT/runs/ first, without solving. Exit 2 when a run holds no plan, fewer than
    two runs are given, or OUT holds files gridsite did not write (unless --force)."""
    from optimizer.cli.studies import stored_run_folder
    from optimizer.pipeline.outputs import record_written, write_rendered, written_files
    from reports import comparison_files

    if runs and store_file is None:
        fail("--run needs --store, the results store the runs are in")
    folders = list(run_dirs or []) + [
        stored_run_folder(store_file, name, out_dir / "runs" / re.sub(r"[^A-Za-z0-9._=-]+", "_", name), force)
        for name in runs or []
    ]
    if len(folders) < 2:
        fail("compare needs two or more runs: run folders, or --store F --run A --run B")
    if runs:  # the stored runs' folders are gridsite's own
        record_written(out_dir, (written_files(out_dir) or set()) | {"runs"})
    write_from_runs(lambda: write_rendered(out_dir, comparison_files(folders), force))
    _print_differences(folders)


def _print_differences(folders: list[Path]) -> None:
    """Each run's total discounted cost against the first's, with the range their bounds allow."""
    from reports.tolerance import objective_difference

    summaries = [json.loads((folder / "summary.json").read_text()) for folder in folders]
    for folder, summary in zip(folders[1:], summaries[1:]):
        difference = objective_difference(summary, summaries[0])
        out.print(f"{folder.name} vs {folders[0].name}: {difference.describe()}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    for command in (validate, solve, report, compare):
        app.command()(command)
