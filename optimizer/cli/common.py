"""What every `gridsite` command shares: consoles, exit codes, option types, loading a scenario
(exit 2 on bad input), the run summary, and writing report files from run folders."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.load import load_scenario
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.uncertainty import outcome_scenarios
from optimizer.inputs.variants import apply_edits

EXIT_NO_SOLUTION = 3
EXIT_INVALID_INPUT = 2

out = Console()
err = Console(stderr=True)
# When the `gridsite` process started (time.perf_counter()), set by the console script: a command's
# time limit counts its start-up too. None (e.g. commands invoked in tests): from the command's start.
process_started: float | None = None


def command_started() -> float:
    return time.perf_counter() if process_started is None else process_started


def process_start() -> float:
    """When this process started, as a time.perf_counter() value, from Linux's /proc; elsewhere now."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        age = float(Path("/proc/uptime").read_text().split()[0]) - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter()
    return time.perf_counter() - max(age, 0.0)


Edits = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Edit the inputs (repeatable), e.g. --set 'regions[zone_id=PJM].lead_time_years += 2' "
        "--set discount_rate=0.05. See docs/studies.md.",
    ),
]
Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write into a folder that holds files gridsite did not write; files named like its results are replaced.",
    ),
]
ScenarioDir = Annotated[Path, typer.Argument(help="Scenario folder (scenario.yaml, regions.csv, demand.csv, ...).")]
Workers = Annotated[int, typer.Option(min=1, help="Worker processes of a local Dask cluster (1: no cluster).")]
Scheduler = Annotated[
    str | None,
    typer.Option(help="Address of an existing Dask scheduler (instead of a local cluster); its workers need gridsite."),
]


def load(folder: Path, edits: list[str] | None = None, **solver_overrides) -> Scenario:
    try:
        scenario = apply_edits(load_scenario(folder), edits or [])
        overrides = {k: v for k, v in solver_overrides.items() if v is not None}
        scenario = scenario.with_solver(**overrides) if overrides else scenario
        if scenario.config.uncertainty is not None:
            outcome_scenarios(scenario)  # every outcome's edits are valid before anything is solved
    except ScenarioError as problem:
        err.print(f"[bold red]Invalid input[/] in {folder}:", highlight=False, soft_wrap=True)
        err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    for warning in scenario.warnings:
        err.print(f"warning: {warning}", style="yellow", highlight=False, markup=False, soft_wrap=True)
    return scenario


@contextmanager
def executor_for(workers: int, scheduler: str | None) -> Iterator[tuple[Executor | None, int]]:
    """An executor on Dask workers (a local cluster of `workers` processes, or the cluster at
    `scheduler`), or None to run everything in this process; and how many tasks run at once."""
    if workers == 1 and not scheduler:
        yield None, 1
        return
    from optimizer.studies.batch import dask_client

    with dask_client(workers, scheduler) as client:
        yield client.get_executor(), max(1, sum(client.nthreads().values()))


def fail(problem: object) -> NoReturn:
    """Print the problem and exit 2: input, a run folder or an output folder gridsite cannot use."""
    err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(EXIT_INVALID_INPUT)


def check_out(folder: Path, names: Collection[str], force: bool) -> None:
    """Exit 2 before any work when gridsite may not write `names` into `folder` (see check_out_dir)."""
    from optimizer.pipeline.outputs import OutputError, check_out_dir

    try:
        check_out_dir(folder, names, force)
    except OutputError as problem:
        fail(problem)


def write_from_runs(write: Callable[[], list[Path]]) -> None:
    """Run a report writer; a run folder it cannot use, or an output folder it may not write, exits 2
    with the reason."""
    from optimizer.pipeline.outputs import OutputError
    from reports.run import RunFolderError

    try:
        written = write()
    except (RunFolderError, OutputError) as problem:
        fail(problem)
    out.print("wrote " + ", ".join(str(p) for p in written), highlight=False, soft_wrap=True)


SOLVED_BY = {
    "benders": "Benders decomposition",
    "extensive_form": "HiGHS, extensive form of {outcomes} outcomes",
    "by_outcomes": "by outcomes ({outcomes}): Lagrangian bound, plans carried out in every outcome",
}


def print_summary(summary: dict, out_dir: Path) -> None:
    table = Table(title=f"gridsite: {summary['scenario']}", show_header=False)
    gap = summary["mip_gap"]
    objective = summary["objective_usd"]
    method = summary["solver"].get("method")
    rows = {
        "status": summary["status"],
        "message": summary["message"],
        "objective": "-" if objective is None else f"${objective:,.0f}",
        "MIP gap": "-" if gap is None else f"{gap:.4%}",
        "build / solve": f"{summary['build_seconds']:.2f} s / {summary['solve_seconds']:.2f} s",
        "solved by": SOLVED_BY.get(method, "HiGHS, whole model").format(outcomes=summary.get("outcomes")),
    }
    for key, label in (("evpi", "value of perfect information"), ("vss", "value of the stochastic plan")):
        if summary.get(f"{key}_usd") is not None:
            rows[label] = _with_range(summary[f"{key}_usd"], summary.get(f"{key}_range_usd"))
    if summary.get("analyses"):
        rows["what limits it"] = "; ".join(_analysis_text(entry) for entry in summary["analyses"])
    rows["results"] = str(out_dir)
    for key, value in rows.items():
        table.add_row(key, value)
    out.print(table)
    for name, problem in summary.get("report_errors", {}).items():
        err.print(f"warning: {name} not written: {problem}", style="yellow", highlight=False, markup=False)


def _analysis_text(entry: dict) -> str:
    """One analysis of summary.json's `analyses` in a few words: how it was valued, what was left out."""
    name = entry["analysis"].replace("_", " ")
    if "re_solved" not in entry:
        return f"{name}: {entry['method']}, {entry['status'].replace('_', ' ')}"
    text = f"{name}: {entry['re_solved']} re-solved"
    return text + (f", {entry['not_run']} not run (time limit)" if entry["not_run"] else "")


def _with_range(value: float, span: list[float] | None) -> str:
    """A difference of two solves, with the range their proven bounds allow (reports.tolerance)."""
    from reports.tolerance import Difference

    difference = Difference(value, *(span or (None, None)))
    return f"${value:,.0f} ({difference.range_text()}: {difference.verdict})"
