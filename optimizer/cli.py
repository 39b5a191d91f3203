"""The `gridsite` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from optimizer.errors import ScenarioError
from optimizer.scenario import Scenario, load_scenario
from optimizer.variants import apply_edits

EXIT_NO_SOLUTION = 3
EXIT_INVALID_INPUT = 2

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Site AI data-center capacity where grid power allows it: solve, validate and report on scenarios.",
)
out = Console()
err = Console(stderr=True)

Edits = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Edit the inputs (repeatable), e.g. --set 'regions[zone_id=PJM].lead_time_years += 2' "
        "--set discount_rate=0.05. See README, 'Variants and edits'.",
    ),
]
ScenarioDir = Annotated[Path, typer.Argument(help="Scenario folder (scenario.yaml, regions.csv, demand.csv, ...).")]


def _load(folder: Path, edits: list[str] | None = None, **solver_overrides) -> Scenario:
    try:
        scenario = apply_edits(load_scenario(folder), edits or [])
        overrides = {k: v for k, v in solver_overrides.items() if v is not None}
        return scenario.with_solver(**overrides) if overrides else scenario
    except ScenarioError as problem:
        err.print(f"[bold red]Invalid input[/] in {folder}:", highlight=False, soft_wrap=True)
        err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID_INPUT) from None


@app.command()
def validate(scenario_dir: ScenarioDir, edits: Edits = None) -> None:
    """Check a scenario folder (with any --set edits) without solving. Exit 0 when valid, 2 when not."""
    scenario = _load(scenario_dir, edits)
    config = scenario.config
    out.print(
        f"[green]valid[/] {config.name}: {len(scenario.regions)} regions in "
        f"{scenario.regions['zone_id'].nunique()} zones, {scenario.demand['demand_id'].nunique()} demand centres, "
        f"years {config.first_year}-{config.last_year}",
        highlight=False,
    )


@app.command()
def solve(
    scenario_dir: ScenarioDir,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the results (created if missing).")],
    time_limit_s: Annotated[
        float | None, typer.Option("--time-limit", help="Seconds for HiGHS; overrides scenario.yaml.")
    ] = None,
    mip_rel_gap: Annotated[float | None, typer.Option("--gap", help="Relative MIP gap; overrides scenario.yaml.")] = None,
    threads: Annotated[int | None, typer.Option(help="HiGHS threads; overrides scenario.yaml.")] = None,
    report: Annotated[bool, typer.Option(help="Also write report.md.")] = True,
    log: Annotated[bool, typer.Option("--log", help="Show the HiGHS log while solving.")] = False,
    edits: Edits = None,
) -> None:
    """Solve a scenario and write summary.json, capacity.csv, service.csv, unserved.csv, costs.csv,
    sites.geojson, solver.log, report.md and inputs/ (the effective inputs, after edits) into --out.

    Exit 0 when a solution was written, 3 when the model has no solution (summary.json says why),
    2 for invalid input (nothing is written).
    """
    from optimizer.outputs import write_results
    from optimizer.solve import solve as solve_scenario
    from reports import render_markdown

    scenario = _load(scenario_dir, edits, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, threads=threads)
    result = solve_scenario(scenario, tee=log)
    extra = {"report.md": render_markdown} if report else None
    write_results(result, out_dir, extra=extra, inputs=scenario.files())
    _print_summary(result.summary, out_dir)
    if not result.has_solution:
        raise typer.Exit(EXIT_NO_SOLUTION)


def _print_summary(summary: dict, out_dir: Path) -> None:
    table = Table(title=f"gridsite: {summary['scenario']}", show_header=False)
    gap = summary["mip_gap"]
    objective = summary["objective_usd"]
    rows = {
        "status": summary["status"],
        "message": summary["message"],
        "objective": "-" if objective is None else f"${objective:,.0f}",
        "MIP gap": "-" if gap is None else f"{gap:.4%}",
        "build / solve": f"{summary['build_seconds']:.2f} s / {summary['solve_seconds']:.2f} s",
        "results": str(out_dir),
    }
    for key, value in rows.items():
        table.add_row(key, value)
    out.print(table)


# What-if studies, batch runs and the results store; registered last, as they use the helpers above.
from optimizer.cli_studies import register  # noqa: E402

register(app)
