"""Fuzz gridsite's input handling: mutated inputs (bench/mutations.py) through the `gridsite`
command, in worker processes under a memory cap and a per-input time limit; prints the figures.

    python -m bench.fuzz --n 5000 [--seed 1] [--jobs 2] [--timeout 60] [--memory-gb 4]
        [--solve-every 1] [--report-every 25] [--cli 30] [--only INDEX]

Every input is validated (`gridsite validate`, or for sweep files what `gridsite batch` reads
before solving); every `--solve-every`-th is also solved with `gridsite solve` (reports on every
`--report-every`-th solve), and `--cli` of them run the installed `gridsite` script in a process of
their own. An input counts as clean when the command exits 0, 2 or 3 without a traceback, its verdict
matches the expected one (exit 2 for invalid input, naming the file, key or edit), nothing is
written on exit 2 and no file outside --out changes. The other outcomes are counted by kind.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from bench.mutations import INVALID, SWEEP, VALID, Case, Folder, Link, draw_case

OUTCOMES = (
    "clean",
    "traceback",
    "hang",
    "wrongly accepted",
    "wrongly rejected",
    "rejected without naming the file",
    "wrote on exit 2",
    "touched outside --out",
    "valid input, solver error",
)


@dataclass
class Outcome:
    kind: str
    exit_code: int | None = None
    detail: str = ""


def case_of(seed: int, index: int) -> Case:
    """Input `index` of a run with `seed`: the same on every machine, whatever --n is."""
    return draw_case(random.Random(seed * 1_000_003 + index))


def materialize(case: Case, root: Path) -> None:
    for name, entry in case.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, Link):
            path.symlink_to(entry.target)
        elif isinstance(entry, Folder):
            path.mkdir()
        else:
            path.write_bytes(entry)


def snapshot(root: Path, skip: Path) -> dict[str, bytes | str]:
    """Every file and link below `root` (but in `skip`) with its content."""
    found: dict[str, bytes | str] = {}
    for path in root.rglob("*"):
        if path == skip or skip in path.parents:
            continue
        if path.is_symlink():
            found[str(path)] = os.readlink(path)
        elif path.is_file():
            found[str(path)] = path.read_bytes()
    return found


def command(case: Case, root: Path, solve: bool, report: bool) -> tuple[list[str], Path]:
    """The gridsite arguments for a case, and its --out folder."""
    args = list(case.args)
    out = root / "out"
    if "--out" in args:  # an option case names its own --out, relative to the root
        at = args.index("--out") + 1
        out = root / args[at]
        args[at] = str(out)
    if not solve:
        return ["validate", str(root / case.target), *args], out
    flags = ["--no-limits"] + ([] if report else ["--no-report", "--no-export"])
    return ["solve", str(root / case.target), "--out", str(out), *flags, *args], out


def run_case(case: Case, root: Path, *, solve: bool = False, report: bool = False, process: bool = False) -> Outcome:
    """Run one case in `root` (an empty folder) and judge the outcome."""
    materialize(case, root)
    solve = solve or case.args[:1] != ["--set"] and bool(case.args)  # option cases need a solve
    argv, out = command(case, root, solve, report)
    existed = out.exists()
    skip = root / "out" if out.is_file() else out  # an --out that names a file must stay as it is
    before = snapshot(root, skip)
    if case.target == SWEEP:
        code, output = _sweep(root / SWEEP)
    elif process and not any("\0" in arg for arg in argv):  # an argument cannot hold NUL
        code, output = _in_process_of_its_own(argv)
    else:
        code, output = _invoke(argv)
    if code is None:
        return Outcome("traceback", None, output[-2000:])
    outcome = _judge(case, code, output, wrote=not existed and out.exists())
    if outcome.kind == "clean" and snapshot(root, skip) != before:
        return Outcome("touched outside --out", code, output[-500:])
    if outcome.kind == "clean" and code in (0, 3) and solve and case.target != SWEEP:
        status = _status(out)
        if status == "error":
            return Outcome("valid input, solver error", code, output[-500:])
    return outcome


def _judge(case: Case, code: int, output: str, wrote: bool) -> Outcome:
    if code not in (0, 2, 3) or "Traceback" in output:
        return Outcome("traceback", code, output[-2000:])
    if code == 2:
        if case.expect == VALID:
            return Outcome("wrongly rejected", code, output[-500:])
        if not any(name in output for name in case.names):
            return Outcome("rejected without naming the file", code, output[-500:])
        if wrote:
            return Outcome("wrote on exit 2", code, output[-500:])
    elif case.expect == INVALID:
        return Outcome("wrongly accepted", code, output[-500:])
    return Outcome("clean", code)


def _invoke(argv: list[str]) -> tuple[int | None, str]:
    from typer.testing import CliRunner

    from optimizer.cli import app

    result = CliRunner().invoke(app, argv)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(result.exception))
        return None, f"{result.output}\n{trace}"
    return result.exit_code, result.output


def _in_process_of_its_own(argv: list[str]) -> tuple[int | None, str]:
    gridsite = Path(sys.executable).parent / "gridsite"
    done = subprocess.run([gridsite, *argv], capture_output=True, text=True, errors="replace")
    return done.returncode, done.stdout + done.stderr


def _sweep(path: Path) -> tuple[int | None, str]:
    """What `gridsite batch` checks before it solves: the sweep file, its store, its base, its runs."""
    from optimizer.inputs.errors import ScenarioError
    from optimizer.studies.store import check_store
    from optimizer.studies.sweep import expand, read_sweep

    try:
        sweep = read_sweep(path)
        check_store(sweep.store)
        expand(sweep.sweep, sweep.load_base())
    except ScenarioError as err:
        return 2, str(err)
    except Exception as err:  # noqa: BLE001 - any other exception is what the fuzzer looks for
        import traceback

        return None, "".join(traceback.format_exception(err))
    return 0, ""


def _status(out: Path) -> str | None:
    import json

    try:
        return json.loads((out / "summary.json").read_text())["status"]
    except (OSError, ValueError, KeyError):
        return None


# Workers ---------------------------------------------------------------------------------------


def _serve(conn: Connection, memory_gb: float) -> None:
    """A worker: its own process group (so a hung solve's children die with it), a memory cap."""
    os.setpgrp()
    cap = int(memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    while True:
        task = conn.recv()
        if task is None:
            return
        seed, index, solve, report, process = task
        with tempfile.TemporaryDirectory(prefix="gridsite-fuzz-") as root:
            try:
                outcome = run_case(case_of(seed, index), Path(root), solve=solve, report=report, process=process)
            except BaseException as err:  # noqa: BLE001 - the harness itself must survive, e.g. MemoryError
                outcome = Outcome("traceback", None, f"{type(err).__name__}: {err}")
        conn.send(outcome)


@dataclass
class Worker:
    process: multiprocessing.Process
    conn: Connection
    task: tuple | None = None
    started: float = 0.0


def _spawn(memory_gb: float) -> Worker:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(target=_serve, args=(child, memory_gb), daemon=True)
    process.start()
    return Worker(process, parent)


def _kill(worker: Worker) -> None:
    try:
        os.killpg(worker.process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    worker.process.join()


def run(tasks: list[tuple], jobs: int, timeout: float, memory_gb: float) -> dict[int, Outcome]:
    """Run (seed, index, solve, report, process) tasks on `jobs` workers; a task that exceeds
    `timeout` seconds is a hang, and its worker is replaced."""
    pending = list(reversed(tasks))
    workers = [_spawn(memory_gb) for _ in range(jobs)]
    outcomes: dict[int, Outcome] = {}
    while pending or any(w.task for w in workers):
        for worker in workers:
            if worker.task is None and pending:
                worker.task, worker.started = pending.pop(), time.monotonic()
                worker.conn.send(worker.task)
        busy = [w for w in workers if w.task]
        ready = wait([w.conn for w in busy], timeout=1.0)
        for i, worker in enumerate(workers):
            if worker.task is None:
                continue
            index = worker.task[1]
            if worker.conn in ready:
                try:
                    outcomes[index] = worker.conn.recv()
                except EOFError:  # the worker died: killed by the memory cap or a signal
                    outcomes[index] = Outcome("traceback", None, f"worker died ({worker.process.exitcode})")
                    workers[i] = _respawn(worker, memory_gb)
                    continue
                worker.task = None
            elif time.monotonic() - worker.started > timeout:
                outcomes[index] = Outcome("hang", None, f"no answer within {timeout:g} s")
                workers[i] = _respawn(worker, memory_gb)
        _progress(len(outcomes), len(tasks))
    for worker in workers:
        worker.conn.send(None)
        worker.process.join(timeout=5)
    return outcomes


def _respawn(worker: Worker, memory_gb: float) -> Worker:
    _kill(worker)
    return _spawn(memory_gb)


def _progress(done: int, total: int) -> None:
    if done and done % 250 == 0:
        print(f"  {done} / {total}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="inputs to try")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before an input counts as a hang")
    parser.add_argument("--memory-gb", type=float, default=4.0, help="address-space cap of each worker")
    parser.add_argument("--solve-every", type=int, default=1, help="also solve every k-th input (0: none)")
    parser.add_argument("--report-every", type=int, default=25, help="with reports on every k-th solve (0: none)")
    parser.add_argument("--cli", type=int, default=30, help="inputs also run by the gridsite script in a process")
    parser.add_argument("--only", type=int, default=None, help="run one input, print its label and outcome")
    options = parser.parse_args()
    if options.only is not None:
        case = case_of(options.seed, options.only)
        with tempfile.TemporaryDirectory() as root:
            print(case.label, case.expect, run_case(case, Path(root), solve=True))
        return
    started = time.monotonic()
    tasks = [_task(options, i) for i in range(options.n)]
    step = max(options.n // max(options.cli, 1), 1)
    tasks += [(options.seed, i, False, False, True) for i in range(0, options.n, step)][: options.cli]
    outcomes = run(tasks[: options.n], options.jobs, options.timeout, options.memory_gb)
    in_process = run(tasks[options.n :], options.jobs, options.timeout, options.memory_gb)
    _print(options, outcomes, in_process, time.monotonic() - started)


def _task(options, index: int) -> tuple:
    solve = options.solve_every > 0 and index % options.solve_every == 0
    report = solve and options.report_every > 0 and (index // max(options.solve_every, 1)) % options.report_every == 0
    return (options.seed, index, solve, report, False)


def _print(options, outcomes: dict[int, Outcome], processes: dict[int, Outcome], seconds: float) -> None:
    counts = collections.Counter(o.kind for o in outcomes.values())
    families = collections.Counter(case_of(options.seed, i).label.split(" ")[0] for i in outcomes)
    print(f"gridsite fuzz: {options.n} inputs, seed {options.seed}, {seconds / 60:.1f} min on {options.jobs} workers")
    for kind in OUTCOMES:
        print(f"  {kind:36s} {counts.get(kind, 0):6d}")
    expected = collections.Counter(case_of(options.seed, i).expect for i in outcomes)
    print("  expected verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(expected.items())))
    print("  inputs by first word of their label: " + ", ".join(f"{k} {v}" for k, v in families.most_common()))
    clean = sum(o.kind == "clean" for o in processes.values())
    print(f"  through the gridsite script in a process of its own: {clean} of {len(processes)} clean")
    shown = [(i, o) for i, o in sorted({**outcomes, **processes}.items()) if o.kind != "clean"]
    for index, outcome in shown[:25]:
        case = case_of(options.seed, index)
        detail = " ".join(outcome.detail.split())[-300:]
        print(f"  [{index}] {outcome.kind}: {case.label} (expected {case.expect}, exit {outcome.exit_code}) {detail}")


if __name__ == "__main__":
    main()
