"""`gridsite alternatives` and `gridsite pareto`: what else is almost as good, and what other goals cost."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from optimizer.cli import common as cli
from optimizer.inputs.errors import ScenarioError

OutDir = Annotated[Path, typer.Option("--out", help="Folder for the study's tables and one run folder per plan.")]
Report = Annotated[
    bool, typer.Option(help="Also write the study's report and each plan's report.md, report.html and report.pdf.")
]
Force = Annotated[
    bool, typer.Option(help="Write into a folder gridsite did not write (files named like its own are replaced).")
]


def alternatives(
    scenario_dir: cli.ScenarioDir,
    out_dir: OutDir,
    slack: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Cost budget above the optimum's proven bound.")
    ] = 0.02,
    count: Annotated[int, typer.Option(min=1, max=50, help="Alternatives to look for.")] = 8,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the random directions tried when a search stalls.")] = 0,
    report: Report = True,
    force: Force = False,
    edits: cli.Edits = None,
    time_limit_s: cli.TimeLimit = None,
) -> None:
    """Solve a scenario, then look for up to COUNT plans within SLACK of the optimum's proven bound
    that put capacity in other regions (OUT/opt, OUT/alt_01, ...). alternatives.csv compares them;
    sites_range.csv gives each region's least and most MW across all plans: must-have regions, never-
    used ones, and interchangeable ones. --time-limit bounds the whole command: after the seconds
    held back for writing, each search gets its share of the time left. Exit 0 with a plan, 3
    without, 2 for invalid input."""
    from optimizer.studies.alternatives import find_alternatives

    scenario = _load(scenario_dir, edits, time_limit_s, plans=count + 1, report=report)
    cli.check_out(out_dir, STUDY_FILES, force)
    found = find_alternatives(scenario, slack=slack, count=count, seed=seed)
    from reports.tradeoffs import alternatives_files

    tables = {"alternatives.csv": found.table, "sites_range.csv": found.ranges}
    _written(out_dir, found.plans, tables, alternatives_files if report else None, scenario, force)
    for note in found.notes:
        cli.out.print(f"note: {note}", highlight=False, markup=False)
    if found.table.empty:
        raise typer.Exit(cli.EXIT_NO_SOLUTION)
    _print(_alternatives_shown(found.table, found.plans))


def pareto(
    scenario_dir: cli.ScenarioDir,
    out_dir: OutDir,
    objectives: Annotated[
        str, typer.Option(help="cost and one or two goals: time_to_power, carbon, ratepayer_cost (comma-separated).")
    ] = "cost,time_to_power",
    points: Annotated[int, typer.Option(min=2, max=30, help="Grid values per goal.")] = 8,
    report: Report = True,
    force: Force = False,
    edits: cli.Edits = None,
    time_limit_s: cli.TimeLimit = None,
) -> None:
    """The trade-off between cost and other goals by the augmented epsilon-constraint method: the
    cheapest plan, the plan best at each goal, and plans on a grid between (OUT/point_01, ...).
    pareto.csv lists every non-dominated point with each objective's value. --time-limit bounds the
    whole command: after the seconds held back for writing, each solve gets an equal share of the
    time left. Exit 0 with points, 3 without, 2 for invalid input."""
    from optimizer.studies.pareto import pareto_front

    names = [name.strip() for name in objectives.split(",")]
    scenario = _load(scenario_dir, edits, time_limit_s, plans=points ** (len(names) - 1), report=report)
    cli.check_out(out_dir, STUDY_FILES, force)
    try:
        front = pareto_front(scenario, names, points)
    except ScenarioError as problem:
        cli.err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(cli.EXIT_INVALID_INPUT) from None
    from reports.tradeoffs import pareto_files

    _written(out_dir, front.points, {"pareto.csv": front.table}, pareto_files if report else None, scenario, force)
    for note in front.notes:
        cli.out.print(f"note: {note}", highlight=False, markup=False)
    if front.table.empty:
        raise typer.Exit(cli.EXIT_NO_SOLUTION)
    _print(_pareto_shown(front.table, front.points))


STUDY_FILES = ("alternatives.csv", "sites_range.csv", "pareto.csv")


def _load(scenario_dir: Path, edits: list[str] | None, time_limit_s: float | None, plans: int, report: bool):
    """The scenario, its time limit (--time-limit, else scenario.yaml's) counted from the command's
    start, with seconds held back for writing the plans' folders (and each plan's reports)."""
    scenario = cli.load(scenario_dir, edits, time_limit_s=time_limit_s)
    return cli.command_budget(scenario, folders=plans if report else 1).within(scenario)


def _alternatives_shown(table: pd.DataFrame, plans: dict) -> pd.DataFrame:
    """alternatives.csv for the terminal: costs with spend and penalty apart, the difference from the
    optimum with the range the bounds allow, and how each plan was solved."""
    from reports.document import duration, gap
    from reports.tolerance import Difference

    differences = [
        Difference(row.cost_vs_optimum_usd, row.cost_vs_optimum_low_usd, row.cost_vs_optimum_high_usd)
        for row in table.itertuples()
    ]
    return pd.DataFrame(
        {
            "plan": table["alternative"],
            "objective": table["objective_usd"].map(cli.usd),
            **_split(plans, table["alternative"]),
            "vs optimum": [
                "the optimum" if name == "opt" else f"{share:+.2%}: {difference.describe()}"
                for name, share, difference in zip(table["alternative"], table["cost_vs_optimum"], differences)
            ],
            "status": table["status"],
            "gap (opt: cost; alt: score)": table["solve_gap"].map(partial(gap, missing="-")),
            "solve": table["solve_seconds"].map(partial(duration, missing="-")),
            "regions used": table["regions_opened"],
            "regions differing": table["regions_differing_from_optimum"],
            "MW moved": table["mw_moved"],
        }
    )


def _pareto_shown(table: pd.DataFrame, points: dict) -> pd.DataFrame:
    """pareto.csv for the terminal: cost with spend and penalty apart, each goal, and how each point
    was solved."""
    from reports.document import duration, gap

    goals = [column for column in table.columns if column not in ("point", "cost_usd", "status", "mip_gap")]
    return pd.DataFrame(
        {
            "point": table["point"],
            "cost": table["cost_usd"].map(cli.usd),
            **_split(points, table["point"]),
            **table[goals],
            "status": table["status"],
            "gap": table["mip_gap"].map(partial(gap, missing="-")),
            "solve": [duration(points[name].summary["solve_seconds"], "-") for name in table["point"]],
        }
    )


def _split(plans: dict, names: pd.Series) -> dict[str, list[str]]:
    """The spend and penalty columns of the named plans."""
    spend, penalty = zip(*(cli.spend_and_penalty(plans[name].summary) for name in names))
    return {"spend": list(spend), cli.PENALTY_COLUMN: list(penalty)}


def _print(frame: pd.DataFrame) -> None:
    text = frame.to_markdown(index=False, floatfmt=",.2f", intfmt=",")
    cli.out.print(text, markup=False, highlight=False, soft_wrap=True)


def _written(out_dir: Path, plans: dict, tables: dict[str, pd.DataFrame], report, scenario, force: bool) -> None:
    """Write the study (see _write); an output folder gridsite may not write exits 2."""
    from optimizer.pipeline.outputs import OutputError

    try:
        _write(out_dir, plans, tables, report, scenario, force)
    except OutputError as problem:
        cli.fail(problem)


def _write(out_dir: Path, plans: dict, tables: dict[str, pd.DataFrame], report, scenario, force: bool) -> None:
    """The study's tables, each plan's run folder (with its reports when `report`, the function that
    gives the study's own report files from its folder, is set), then the study's report; each
    written atomically and listed in the study folder's marker (OutputError where gridsite may not)."""
    from optimizer.pipeline.outputs import record_written, tidy, write_rendered, write_results, written_files
    from reports import report_renderers

    write_rendered(out_dir, {file: partial(tidy(table).to_csv, index=False) for file, table in tables.items()}, force)
    for name, result in plans.items():
        write_results(result, out_dir / name, extra=report_renderers() if report and result.has_solution else {},
                      inputs=scenario.as_asked().files(), force=force)  # fmt: skip
        record_written(out_dir, (written_files(out_dir) or set()) | {name})
    if report and all(not table.empty for table in tables.values()):
        write_rendered(out_dir, report(out_dir), force)


def register(app: typer.Typer) -> None:
    app.command()(alternatives)
    app.command()(pareto)
