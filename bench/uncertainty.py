"""Benchmark of plans across uncertain outcomes: gridsite's `gridsite solve` (whole command, a fresh
process) against a plain extensive form built straight in highspy (bench/stochastic_baseline.py).

    python -m bench.uncertainty                      # 200 x 10 x 20 (800 km radius), 50 outcomes
    python -m bench.uncertainty --big                # also 1,000 x 15 x 30 (every pair), 20 outcomes, by outcomes:
                                                     #   in one process, on 2 local Dask workers, and on a scheduler
    python -m bench.uncertainty --only big --modes workers
    python -m bench.uncertainty --only small --modes workers   # the extensive form, its start on 2 Dask workers

Outcomes: per-region lead-time slips of 0-2 years (uniform integers), two years decided now, a 0.1%
gap target (1% for the big instance), HiGHS with 1 thread. gridsite runs without the value of
information (`uncertainty.value_of_information: false`: it re-solves every outcome alone) and without
reports. Peak memory is the largest total resident memory of the command's process tree (Dask workers
and HiGHS child processes included; with a scheduler, its tree and its workers' too), sampled every
0.2 s. Prints a Markdown table; by outcomes, where the plan and the bound came from.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml
from distributed import Client

from bench.generate import InstanceSpec, write_instance

SMALL = (InstanceSpec(200, 10, 20, 800.0, seed=1, mip_rel_gap=0.001, time_limit_s=900), 50)
BIG = (InstanceSpec(1000, 15, 30, None, seed=1, mip_rel_gap=0.01, time_limit_s=900), 20)
PLAIN = """
import json, sys, time
started = time.perf_counter()
from bench.stochastic_baseline import solve_plain_extensive_form
from optimizer import load_scenario
figures = solve_plain_extensive_form(load_scenario(sys.argv[1]))
print(json.dumps(figures | {"wall_seconds": time.perf_counter() - started}))
"""


def uncertain_instance(spec: InstanceSpec, outcomes: int, folder: Path, method: str = "auto") -> Path:
    """A generated instance with an uncertainty section: per-region slips of 0-2 years."""
    write_instance(spec, folder)
    config = yaml.safe_load((folder / "scenario.yaml").read_text())
    draw = {
        "edit": "regions[region_id={key}].lead_time_years += {value}",
        "for_each": "regions.region_id",
        "distribution": "integers",
        "args": [0, 3],
    }
    config["uncertainty"] = {
        "decide_now_years": 2,
        "samples": {"count": outcomes, "seed": 7, "draws": [draw]},
        "method": method,
        "value_of_information": False,
    }
    (folder / "scenario.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


def measured(command: list[str], also: tuple[int, ...] = ()) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command; its wall seconds and the peak total RSS (MB) of its process tree and of the
    trees of the processes `also` (e.g. a Dask scheduler and workers it uses)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample() -> None:
        roots = [psutil.Process(pid) for pid in (process.pid, *also)]
        while process.poll() is None:
            try:
                tree = [p for root in roots for p in (root, *root.children(recursive=True))]
                peak[0] = max(peak[0], sum(_rss(p) for p in tree) / 2**20)
            except psutil.NoSuchProcess:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.join()
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return done, time.perf_counter() - started, peak[0]


def _rss(process: psutil.Process) -> float:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0.0


def run_gridsite(folder: Path, out: Path, extra: list[str] = (), also: tuple[int, ...] = ()) -> dict:
    gridsite = Path(sys.executable).parent / "gridsite"
    command = [str(gridsite), "solve", str(folder), "--out", str(out), "--no-report", "--no-export", *extra]
    done, wall, peak = measured(command, also)
    if not (out / "summary.json").exists():
        return {"status": f"failed: {done.stderr.strip().splitlines()[-1:]}", "wall_seconds": wall, "peak_mb": peak}
    summary = json.loads((out / "summary.json").read_text())
    steps = [line for line in (out / "solver.log").read_text().splitlines() if line.startswith("gridsite by outcomes")]
    print("\n".join(steps), file=sys.stderr, flush=True)  # each step's plan value or bound, in order
    return {
        "status": summary["status"],
        "mip_gap": summary["mip_gap"],
        "objective_usd": summary["objective_usd"],
        "best_bound_usd": summary["best_bound_usd"],
        "columns": summary["model_size"].get("variables"),
        "bound_from": summary.get("uncertainty", {}).get("bound_from"),
        "plan_from": summary.get("uncertainty", {}).get("plan_from"),
        "wall_seconds": wall,
        "peak_mb": peak,
    }


def run_plain(folder: Path) -> dict:
    done, wall, peak = measured([sys.executable, "-c", PLAIN, str(folder)])
    if done.returncode:
        return {"status": f"failed: {done.stderr.strip().splitlines()[-1:]}", "wall_seconds": wall, "peak_mb": peak}
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures | {"status": figures["termination"], "wall_seconds": wall, "peak_mb": peak}


def with_scheduler(run) -> dict:
    """Run `run(address, pids)` against a Dask scheduler with two workers started here (`pids`: theirs,
    for the peak memory), then stop them."""
    bin_dir = Path(sys.executable).parent
    port = _free_port()  # not Dask's default 8786: another cluster on the machine may hold it
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen(
        [str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = [
        subprocess.Popen(
            [str(bin_dir / "dask"), "worker", address, "--nthreads", "1", "--dashboard-address", ":0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)  # gridsite sizes its time shares by the workers it finds
        return run(address, tuple(p.pid for p in (scheduler, *workers)))
    finally:
        for process in (*workers, scheduler):
            process.terminate()
            process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def row(name: str, method: str, figures: dict) -> str:
    def number(key: str, form: str) -> str:
        value = figures.get(key)
        return "-" if value is None else format(value, form)

    return (
        f"| {name} | {method} | {number('columns', ',')} | {figures.get('status')} | {number('mip_gap', '.3%')} "
        f"| {number('objective_usd', ',.0f')} | {number('best_bound_usd', ',.0f')} | {number('wall_seconds', '.1f')} "
        f"| {number('peak_mb', ',.0f')} | {figures.get('plan_from') or '-'} / {figures.get('bound_from') or '-'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big", action="store_true", help="also the 1,000-site instance")
    parser.add_argument("--only", choices=["small", "big"], help="one instance only")
    parser.add_argument("--modes", default="plain,gridsite,process,workers,scheduler", help="comma-separated")
    args = parser.parse_args()
    modes = set(args.modes.split(","))
    print(
        "| instance | method | columns | status | proven gap | objective USD | best bound USD | wall s | peak MB "
        "| plan / bound from |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.only in (None, "small"):
            spec, count = SMALL
            name = f"{spec.name} x {count}"
            folder = uncertain_instance(spec, count, tmp / "small")
            if "plain" in modes:
                print(row(name, "plain extensive form (highspy)", run_plain(folder)), flush=True)
            if "gridsite" in modes:
                print(row(name, "gridsite solve (extensive form)", run_gridsite(folder, tmp / "small_out")), flush=True)
            if "workers" in modes:  # the start's outcome solves on the workers, the extensive form here
                figures = run_gridsite(folder, tmp / "small_two", ["--workers", "2"])
                print(row(name, "gridsite solve (extensive form), 2 local Dask workers", figures), flush=True)
        if args.big or args.only == "big":
            spec, count = BIG
            name = f"{spec.name} x {count}"
            folder = uncertain_instance(spec, count, tmp / "big", method="decomposition")
            runs = {
                "process": lambda: run_gridsite(folder, tmp / "big_one"),
                "workers": lambda: run_gridsite(folder, tmp / "big_two", ["--workers", "2"]),
                "scheduler": lambda: with_scheduler(
                    lambda address, pids: run_gridsite(folder, tmp / "big_sched", ["--scheduler", address], pids)
                ),
            }
            labels = {"process": "by outcomes, one process", "workers": "by outcomes, 2 local Dask workers",
                      "scheduler": "by outcomes, scheduler + 2 workers"}  # fmt: skip
            for mode, run in runs.items():
                if mode in modes:
                    print(row(name, labels[mode], run()), flush=True)


if __name__ == "__main__":
    main()
