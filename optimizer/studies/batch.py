"""Batch runs: solve a sweep's runs in parallel on Dask and record each in the results store.

The coordinator (this process) applies each run's edits to the base, which validates them and
gives the input hash; it never builds a model. Workers receive the effective inputs as text
(`Scenario.files()`) and a MIP start, and return a `SolveResult` of plain tables: no Pyomo object
crosses a process boundary, so a remote cluster needs gridsite installed, not the scenario folder.
HiGHS runs with threads=1 per solve: its branch-and-bound is serial, so throughput comes from
parallel solves. The base is solved first and its integer decisions warm-start every variant.

Each finished run is recorded in one transaction as soon as it arrives, so killing the batch
loses only unfinished work; running it again skips every run whose inputs are already stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.load import load_scenario
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.variants import apply_edits
from optimizer.pipeline.solve import SOLUTION_STATUSES, SolveResult, solve
from optimizer.studies import store
from optimizer.studies.alternatives import find_alternatives
from optimizer.studies.pareto import pareto_front
from optimizer.studies.sweep import Run, SweepFile, expand


@dataclass
class Tally:
    solved: int = 0
    failed: int = 0
    skipped: int = 0
    reused: int = 0
    unfinished: int = 0  # runs not finished by the batch's time limit (not recorded)
    recorded: int = 0  # runs this invocation solved or found invalid and recorded, each with its line
    recorded_failed: int = 0  # of those, runs without a solution


def solve_inputs(files: dict[str, str], start: dict[str, float] | None) -> SolveResult:
    """The worker task: validate the inputs, solve, return the result tables. Never raises, so
    one failing run is recorded as such and cannot stop the batch or the runs that wait on it."""
    try:
        return solve(load_scenario(files), start=start or None)
    except Exception as err:  # noqa: BLE001 - any failure is this run's outcome, reported with its message
        return failed_result("error", f"{type(err).__name__}: {err}")


def study_inputs(kind: str, files: dict[str, str], settings: dict) -> dict[str, SolveResult]:
    """The worker task of a study of the base (`alternatives` or `pareto`): each plan's result by
    name, the study's own tables (alternatives.csv, sites_range.csv or pareto.csv) with the first.
    Never raises: a failure is one result named `failed`."""
    try:
        scenario = load_scenario(files)
        if kind == "alternatives":
            found = find_alternatives(scenario, **settings)
            plans, tables = found.plans, {"alternatives": found.table, "sites_range": found.ranges}
        else:
            front = pareto_front(scenario, **settings)
            plans, tables = front.points, {"pareto": front.table}
    except Exception as err:  # noqa: BLE001 - any failure is this study's outcome, reported with its message
        return {"failed": failed_result("error", f"{type(err).__name__}: {err}")}
    if plans:
        first = next(iter(plans.values()))
        first.tables = first.tables | {name: table for name, table in tables.items() if not table.empty}
    return plans


def integer_values_of(result: SolveResult) -> dict[str, float]:
    return result.integer_values


def failed_result(status: str, message: str, input_hash: str | None = None) -> SolveResult:
    return SolveResult(summary={"status": status, "message": message, "input_hash": input_hash})


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator:
    """A client of the cluster at `scheduler`, or of a new local cluster of worker processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_batch(
    sweep: SweepFile,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    force: bool = False,
    console: Console,
    describe: Callable[[dict], str] = lambda summary: summary["status"],
    deadline: float | None = None,
) -> Tally:
    """Solve every run of `sweep` not yet in its store and record each as it finishes, printing a line
    per run on `console` (`describe` gives a run's summary in words); at `deadline`
    (time.perf_counter()) the unfinished runs are cancelled, unrecorded, for a re-run to finish."""
    store.check_store(sweep.store)
    base = sweep.load_base().with_solver(threads=1)
    stored = {} if force else store.stored_runs(sweep.store)  # name -> (input hash, status)
    tally = Tally()
    groups: dict[str, list[Run]] = {}  # input hash -> runs with those inputs, solved once
    scenarios: dict[str, Scenario] = {}
    for run in expand(sweep.sweep, base):
        try:
            scenario = apply_edits(base, run.edits)
        except ScenarioError as err:
            _record(sweep, [run], failed_result("invalid_input", str(err)), tally, console, describe)
            continue
        digest = scenario.input_hash()
        same = [name for name, (stored_hash, _) in stored.items() if stored_hash == digest]
        if same:
            tally.failed += stored[same[0]][1] not in SOLUTION_STATUSES  # no solution then, none now
        if run.name in same:
            tally.skipped += 1
        elif same:
            store.copy_run(sweep.store, same[0], run.name, sweep.name, list(run.edits))
            tally.reused += 1
        else:
            groups.setdefault(digest, []).append(run)
            scenarios[digest] = scenario
    studies = _studies(sweep, base, stored, tally)
    if groups or studies:
        with dask_client(workers, scheduler) as client:
            _solve_groups(client, sweep, base, groups, scenarios, stored, studies, tally, console, describe, deadline)
    return tally


def _studies(sweep: SweepFile, base: Scenario, stored: dict, tally: Tally) -> dict[str, dict]:
    """The sweep's studies of its base (kind -> settings) not yet stored for the base's inputs."""
    wanted = {kind: getattr(sweep.sweep, kind) for kind in ("alternatives", "pareto")}
    studies = {}
    for kind, study in wanted.items():
        if study is None:
            continue
        if any(name.startswith(f"{kind}:") and digest == base.input_hash() for name, (digest, _) in stored.items()):
            tally.skipped += 1
        else:
            studies[kind] = study.model_dump()
    return studies


def _solve_groups(client, sweep, base, groups, scenarios, stored, studies, tally, console, describe, deadline) -> None:
    from distributed import wait

    base_hash = base.input_hash()
    futures, files_of = {}, {}  # future -> its runs (or study kind), and their input files
    for kind, settings in studies.items():  # a study's plans are recorded as runs named <kind>:<plan>
        future = client.submit(study_inputs, kind, base.files(), settings, key=f"{kind}-{base_hash}")
        futures[future], files_of[future] = kind, base.files()
    start = next((store.start_of(sweep.store, n) for n, (h, _) in stored.items() if h == base_hash), None)
    if base_hash in groups:  # solve the base first; its plan starts every variant
        files = scenarios[base_hash].files()
        base_future = client.submit(solve_inputs, files, None, key=f"solve-{base_hash}")
        futures[base_future], files_of[base_future] = groups.pop(base_hash), files
        start = client.submit(integer_values_of, base_future, key=f"start-{base_hash}")
    for digest, runs in groups.items():
        files = scenarios[digest].files()
        future = client.submit(solve_inputs, files, start, key=f"solve-{digest}")
        futures[future], files_of[future] = runs, files

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("running {task.fields[running]} · failed {task.fields[failed]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    # Progress counts runs: those recorded before any solve (invalid edits) and those the futures will
    # record; a study counts as one until its plans are known.
    total = tally.recorded + sum(_runs_in(entry) for entry in futures.values())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task(
            sweep.name, total=total, completed=tally.recorded, running=0, failed=tally.recorded_failed
        )
        pending = set(futures)
        while pending:
            try:
                finished, pending = wait(pending, timeout=1, return_when="FIRST_COMPLETED")
            except TimeoutError:
                finished = set()
            for future in finished:
                if isinstance(futures[future], str):
                    outcome = _outcome(future)  # the worker's plans, or one failed result
                    plans = outcome if isinstance(outcome, dict) else {"failed": outcome}
                    total += len(plans) - 1
                    for plan, result in plans.items():
                        run = Run(f"{futures[future]}:{plan}", ())
                        _record(sweep, [run], result, tally, progress.console, describe, files_of[future])
                else:
                    outcome = _outcome(future)
                    _record(sweep, futures[future], outcome, tally, progress.console, describe, files_of[future])
            running = sum(len(keys) for keys in client.processing().values())
            progress.update(bar, total=total, completed=tally.recorded, running=running, failed=tally.recorded_failed)
            if pending and deadline is not None and time.perf_counter() >= deadline:
                client.cancel(list(pending))  # a whole run or none is recorded: a re-run solves these
                tally.unfinished = sum(_runs_in(futures[f]) for f in pending)
                break


def _runs_in(entry: list[Run] | str) -> int:
    """Runs a future records: its runs, or one for a study (a kind) until its plans are known."""
    return 1 if isinstance(entry, str) else len(entry)


def _outcome(future) -> SolveResult:
    try:
        return future.result()
    except Exception as err:  # noqa: BLE001 - e.g. the worker process died repeatedly (KilledWorker)
        return failed_result("error", f"the worker failed: {type(err).__name__}: {err}")


def _record(
    sweep: SweepFile,
    runs: list[Run],
    result: SolveResult,
    tally: Tally,
    console: Console,
    describe: Callable[[dict], str],
    files: dict[str, str] | None = None,
) -> None:
    """Record each run (they share inputs `files` and `result`, solved once: the first's) and print a
    line for it."""
    summary = result.summary
    solved = summary["status"] in SOLUTION_STATUSES
    start = f" ({'warm' if summary.get('warm_start') else 'cold'} start)" if solved else ""
    for i, run in enumerate(runs):
        summary["edits"] = list(run.edits)
        store.record(sweep.store, run.name, sweep.name, list(run.edits), result, files)
        how = start if i == 0 else f" (the inputs of {runs[0].name}: its result, not solved again)"
        console.print(f"recorded {run.name}: {describe(summary)}{how}", highlight=False, markup=False, soft_wrap=True)
    tally.recorded += len(runs)
    if solved:
        tally.solved += 1
        tally.reused += len(runs) - 1
    else:
        tally.failed += len(runs)
        tally.recorded_failed += len(runs)
