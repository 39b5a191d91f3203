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

import pandas as pd
import typer
from rich.console import Console, ConsoleDimensions
from rich.table import Table

from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.load import load_scenario
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.uncertainty import outcome_scenarios
from optimizer.inputs.variants import apply_edits
from optimizer.pipeline.budget import Budget, outputs_reserve_s

EXIT_NO_SOLUTION = 3
EXIT_INVALID_INPUT = 2

UNCUT_WIDTH = 100_000  # columns of the output when it is no terminal


class _Output(Console):
    """A console that, written to a pipe or a file, cuts or wraps no line: tables and text keep their
    natural width there, so they stay whole and machine-readable (a terminal's width otherwise)."""

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(UNCUT_WIDTH, size.height)


out = _Output()
err = _Output(stderr=True)
# When the `gridsite` process started (time.perf_counter()), set by the console script: a command's
# time limit counts its start-up too. None (e.g. commands invoked in tests): from the command's start.
process_started: float | None = None


def command_started() -> float:
    return time.perf_counter() if process_started is None else process_started


def command_budget(scenario: Scenario, folders: int = 1) -> Budget:
    """The command's time budget: the scenario's time limit (--time-limit applied) from the command's
    start, with the seconds for writing `folders` run folders (and their reports) held back."""
    return Budget.start(scenario.config.solver.time_limit_s, folders * outputs_reserve_s(scenario), command_started())


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
TimeLimit = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        help="Wall-clock seconds for the whole command (solves, analyses, writing the results and reports); "
        "overrides scenario.yaml's solver.time_limit_s.",
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


PENALTY_COLUMN = "unserved penalty (valuation)"  # a terminal table's column of the penalty: no money paid

SOLVED_BY = {
    "benders": "Benders decomposition",
    "extensive_form": "HiGHS, extensive form of {outcomes} outcomes",
    "by_outcomes": "by outcomes ({outcomes}): Lagrangian bound, plans carried out in every outcome",
}


def print_summary(summary: dict, out_dir: Path) -> None:
    from reports.document import duration, gap

    table = Table(title=f"gridsite: {summary['scenario']}", show_header=False)
    method = summary["solver"].get("method")
    split = split_rows(summary)
    rows = {
        "status": summary["status"],
        "message": summary["message"],
        "objective": usd(summary["objective_usd"]) + (f" ({_objective_parts(summary)})" if split else ""),
        **split,
        "MIP gap": gap(summary["mip_gap"], missing="-"),
        "build / solve": f"{duration(summary['build_seconds'], '-')} / {duration(summary['solve_seconds'], '-')}",
        "solved by": SOLVED_BY.get(method, "HiGHS, whole model").format(outcomes=summary.get("outcomes")),
    }
    for key, label in (("evpi", "value of perfect information"), ("vss", "value of the stochastic plan")):
        if summary.get(f"{key}_usd") is not None:
            rows[label] = _with_range(summary[f"{key}_usd"], summary.get(f"{key}_range_usd"))
        elif summary.get(f"{key}_not_computed"):
            rows[label] = f"not computed: {summary[f'{key}_not_computed']}"
    if summary.get("analyses"):
        rows["what limits it"] = "; ".join(_analysis_text(entry) for entry in summary["analyses"])
    rows["results"] = str(out_dir)
    for key, value in rows.items():
        table.add_row(key, value)
    out.print(table)
    for name, problem in summary.get("report_errors", {}).items():
        err.print(f"warning: {name} not written: {problem}", style="yellow", highlight=False, markup=False)


def usd(value: float | None) -> str:
    """An amount in USD as every terminal table and line shows it, objectives, differences and their
    ranges alike (reports.document.usd: $160, $1.2 M, $3.40 bn); '-' when there is none."""
    from reports.document import usd

    return "-" if value is None or pd.isna(value) else usd(value)


def _demand_is_hard(summary: dict) -> bool:
    """summary.json's `demand_is_hard` (the scenario sets no unserved penalty); False for runs
    recorded before it was kept, which then read as before."""
    return bool(summary.get("demand_is_hard"))


def _objective_parts(summary: dict) -> str:
    return "spend" if _demand_is_hard(summary) else "spend + unserved penalty"


def spend_and_penalty(summary: dict) -> tuple[str, str]:
    """The objective's two parts as text: the spend actually paid and the unserved penalty (a valuation
    of demand not online); '-' for a run without them (no plan, or recorded before they were kept) and
    a penalty of 'none' where demand is a hard constraint."""
    spend, penalty = (usd(summary.get(key)) for key in ("spend_usd", "penalty_usd"))
    return spend, "none" if _demand_is_hard(summary) else penalty


def split_rows(summary: dict) -> dict[str, str]:
    """Rows of a run's table: its spend and its unserved penalty, labelled as a valuation (expected
    values for a plan across outcomes), or that demand is a hard constraint; none for a run without a plan."""
    from reports.run import HARD_DEMAND

    if pd.isna(summary.get("spend_usd")):
        return {}
    spend, penalty = spend_and_penalty(summary)
    expected = "expected " if summary.get("outcomes") else ""
    rows = {f"{expected}spend": f"{spend} (discounted): what the plan pays"}
    if _demand_is_hard(summary):
        return rows | {"demand": HARD_DEMAND}
    shortfall = summary.get("shortfall_mw_years")
    valued = "" if pd.isna(shortfall) else f" of {shortfall:,.0f} MW-years of demand not online"
    return rows | {f"{expected}unserved penalty": f"{penalty}: a valuation{valued}, not money paid"}


def run_line(summary: dict) -> str:
    """A run in one line: its status; with a plan, the objective with spend and penalty apart (or that
    demand is a hard constraint), the proven gap and the times; without one, why."""
    from reports.document import duration, gap

    if pd.isna(summary.get("objective_usd")):
        return f"{summary['status']} ({summary['message']})"
    spend, penalty = spend_and_penalty(summary)
    parts = (
        f"spend {spend}; demand is a hard constraint"
        if _demand_is_hard(summary)
        else f"spend {spend}, unserved penalty {penalty}: a valuation"
    )
    return (
        f"{summary['status']}, {usd(summary['objective_usd'])} ({parts}), gap {gap(summary['mip_gap'], '-')}, "
        f"build {duration(summary['build_seconds'], '-')}, solve {duration(summary['solve_seconds'], '-')}"
    )


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
    return f"{usd(value)} ({difference.range_text()}: {difference.verdict})"
