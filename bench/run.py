"""Benchmark gridsite against the plain baseline on the same seeded instances.

gridsite runs with its default method (`gridsite`: `solver.method: auto`, which picks one of the
next two by the instance's shape), the whole model (`gridsite-direct`) and Benders decomposition
(`gridsite-benders`); `gridsite-no-lp-start` is the default method without the MIP start from the LP
relaxation (`solver.lp_start: false`).

    python -m bench.run                     # the 200 x 10 x 20 instances, seeds 1 and 2
    python -m bench.run --seeds 1-5         # seeds 1 to 5
    python -m bench.run --big               # also 1,000 x 15 x 30 and 3,000 x 15 x 50 (minutes each)
    python -m bench.run --only 1000x15x30 --methods gridsite
    python -m bench.run --only 1000x15x30 --big-seeds 1-3   # three seeds of each 1,000-site instance
    python -m bench.run --tight             # data/default and its variants to a 0.01% gap (bench.tight_gap)
    python -m bench.run --command 120       # the whole `gridsite solve --time-limit 120` at 1,000 sites

Each (instance, method) runs in a fresh process, so peak memory is that process's own
`ru_maxrss` (peak resident set size, including the Python interpreter and imports), or that of
the child process HiGHS runs in under a time limit (it shares the parent's pages), if larger.
Times are wall-clock seconds; on a shared machine they are noisy.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.baseline import solve_baseline
from bench.generate import InstanceSpec, write_instance
from optimizer import load_scenario, solve
from optimizer.highs import mip_gap

# (sites, years, demands, radius_km, time_limit_s): the sizes of issue 6.
SMALL_SEEDS = "1,2"
BIG = [
    InstanceSpec(1000, 15, 30, 800.0, 1, time_limit_s=120),
    InstanceSpec(1000, 15, 30, None, 1, time_limit_s=120),
    InstanceSpec(3000, 15, 50, 600.0, 1, time_limit_s=600),
]
METHODS = ("gridsite", "gridsite-direct", "gridsite-benders", "baseline")  # gridsite: solver.method auto
NO_LP_START = "gridsite-no-lp-start"  # gridsite without the LP-rounded MIP start (optimizer/pipeline/lp_start.py)


def run_one(method: str, folder: Path) -> dict:
    """Solve one instance with one method in this process; return the figures."""
    scenario = load_scenario(folder)
    if method in ("gridsite-direct", "gridsite-benders"):
        scenario.config.solver.method = method.removeprefix("gridsite-")
    if method == NO_LP_START:
        scenario.config.solver.lp_start = False
    if method == "baseline":
        figures = solve_baseline(scenario)
    else:
        summary = solve(scenario).summary
        figures = {k: summary[k] for k in ("objective_usd", "best_bound_usd", "build_seconds", "solve_seconds")}
        figures["termination"] = summary["status"]
        figures["method_used"] = summary["solver"]["method"]
    figures["mip_gap"] = mip_gap(figures["objective_usd"], figures["best_bound_usd"])
    # A run with a time limit solves in a forked child that shares this process's pages: the larger peak.
    peak_kb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    figures["peak_rss_mb"] = peak_kb / 1024
    return figures


def _in_fresh_process(method: str, folder: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--one", method, str(folder)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {"termination": f"crashed: {done.stderr.strip().splitlines()[-1:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"wall_seconds": time.perf_counter() - started}


def _row(spec: InstanceSpec, method: str, f: dict) -> str:
    def num(key, fmt):
        value = f.get(key)
        return "-" if value is None else format(value, fmt)

    total = (f.get("build_seconds") or 0) + (f.get("solve_seconds") or 0)
    share = f"{f['build_seconds'] / total:.0%}" if total and f.get("build_seconds") is not None else "-"
    return (
        f"| {spec.sites}x{spec.years}x{spec.demands} | {'all' if spec.radius_km is None else f'{spec.radius_km:g} km'} "
        f"| {spec.seed} | {method}{_used(method, f)} | {num('build_seconds', '.1f')} | {num('solve_seconds', '.1f')} | {share} "
        f"| {f.get('termination')} | {num('mip_gap', '.3%')} | {num('objective_usd', ',.0f')} "
        f"| {num('best_bound_usd', ',.0f')} | {num('peak_rss_mb', ',.0f')} |"
    )


HEADER = (
    "| size SxTxD | radius | seed | method | build s | solve s | build share | status | proven gap | objective USD "
    "| best bound USD | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _used(method: str, figures: dict) -> str:
    """For the default method, which method it chose."""
    return f" ({figures['method_used']})" if method == "gridsite" and figures.get("method_used") else ""


def _seeds(text: str) -> list[int]:
    """'1,2' or '1-5'."""
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(seed) for seed in text.split(",")]


COMMAND_SPEC = InstanceSpec(1000, 15, 30, None, 1)
COMMAND_HEADER = (
    "| instance | --time-limit T s | wall s | within T + 10% | status | proven gap | limits LP "
    "| lead-time re-solves run / not run |\n|---|---|---|---|---|---|---|---|"
)


def run_command(spec: InstanceSpec, time_limit_s: float, workdir: Path) -> str:
    """The whole `gridsite solve --time-limit T` (solve, analyses, reports) in a fresh process: a row."""
    folder, out = write_instance(spec, workdir / spec.name), workdir / f"{spec.name}-out"
    started = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).with_name("gridsite")),
            "solve",
            str(folder),
            "--out",
            str(out),
            "--time-limit",
            str(time_limit_s),
            "--force",
            "--quiet",
        ],
        capture_output=True,
        check=False,
    )
    wall = time.perf_counter() - started
    summary = json.loads((out / "summary.json").read_text())
    account = {entry["analysis"]: entry for entry in summary.get("analyses", [])}
    lead = account.get("lead_times", {})
    gap = "-" if summary["mip_gap"] is None else f"{summary['mip_gap']:.3%}"
    return (
        f"| {spec.name} | {time_limit_s:g} | {wall:.1f} | {'yes' if wall <= 1.1 * time_limit_s else 'no'} "
        f"| {summary['status']} | {gap} | {account.get('limits', {}).get('status', '-')} "
        f"| {lead.get('re_solved', '-')} / {lead.get('not_run', '-')} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=SMALL_SEEDS, help="seeds of the 200 x 10 x 20 instances: 1,2 or 1-5")
    parser.add_argument("--tight", action="store_true", help="only data/default and its variants to 0.01%%")
    parser.add_argument(
        "--command", type=float, metavar="T", help="only the whole solve command at 1,000 sites with --time-limit T"
    )
    parser.add_argument("--big", action="store_true", help="also run the 1,000- and 3,000-site instances")
    parser.add_argument("--big-seeds", default="1", help="seeds of the 1,000- and 3,000-site instances: 1 or 1-3")
    parser.add_argument("--only", help="run only instances of this size, e.g. 1000x15x30")
    parser.add_argument(
        "--methods", default=",".join(METHODS), help="comma-separated, of: " + ",".join((*METHODS, NO_LP_START))
    )
    parser.add_argument("--time-limit", type=float, help="override every instance's time limit (seconds)")
    parser.add_argument("--workdir", type=Path, help="where to write instances (default: a temporary folder)")
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], Path(args.one[1]))))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gridsite-bench-"))
    if args.tight:
        subprocess.run([sys.executable, "-m", "bench.tight_gap", "--time-limit", "60"], check=False)
        return
    if args.command:
        print(COMMAND_HEADER, flush=True)
        print(run_command(COMMAND_SPEC, args.command, workdir), flush=True)
        return
    small = [InstanceSpec(200, 10, 20, None, seed, time_limit_s=600) for seed in _seeds(args.seeds)]
    big = [replace(spec, seed=seed) for spec in BIG for seed in _seeds(args.big_seeds)]
    specs = small + (big if args.big or args.only else [])
    if args.only:
        specs = [s for s in specs if f"{s.sites}x{s.years}x{s.demands}" == args.only]
    if args.time_limit:
        specs = [replace(s, time_limit_s=args.time_limit) for s in specs]
    print(HEADER, flush=True)
    for spec in specs:
        folder = write_instance(spec, workdir / spec.name)
        for method in args.methods.split(","):
            print(_row(spec, method, _in_fresh_process(method, folder)), flush=True)


if __name__ == "__main__":
    main()
