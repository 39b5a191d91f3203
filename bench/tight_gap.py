"""Solve the default scenario and its variants to a 0.01% gap; print status, gap, nodes and seconds.

    python -m bench.tight_gap                       # data/default, pjm_causer_pays, no_flexible_load, gpu_gb200
    python -m bench.tight_gap --untightened         # the same without formulations/tightening.py
    python -m bench.tight_gap data/default --seeds 0 1 2 --time-limit 120
    python -m bench.tight_gap data/default --option mip_max_nodes=1500 --option mip_pscost_minreliable=2

HiGHS runs on one thread, so nodes and LP iterations are the same on every run of the same code and
seed; wall-clock seconds depend on the machine's load, printed alongside (1-minute load average), and
CPU seconds less so. HiGHS's
`random_seed` changes its search path but not the model: several seeds show how much of a result
is the path.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import time

from formulations import build_model, gc_paused
from optimizer import load_scenario
from optimizer.highs import Settings, mip_gap, solve_problem
from optimizer.pipeline.deterministic import classify
from optimizer.pipeline.matrix import ModelMatrix

VARIANTS = ("data/default", "data/pjm_causer_pays", "data/no_flexible_load", "data/gpu_gb200")
GAP = 1e-4


def cpu_seconds() -> float:
    """User and system CPU time of this process and its reaped children (HiGHS runs in a forked child
    under a time limit): less dependent on other jobs than wall-clock time, though not free of them."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(folder: str, *, tightened: bool, seed: int, time_limit_s: float, options: dict | None = None) -> dict:
    """Build and solve one scenario; the figures of the run."""
    started, cpu_started = time.perf_counter(), cpu_seconds()
    with gc_paused():
        problem = ModelMatrix(build_model(load_scenario(folder), tightened=tightened)).problem
    settings = Settings(mip_rel_gap=GAP, threads=1, options={"random_seed": seed} | (options or {}))
    outcome = solve_problem(problem, settings, time_limit_s=time_limit_s)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    objective, bound = outcome.objective, outcome.bound
    return {
        "scenario": folder,
        "seed": seed,
        "status": classify(outcome)[0],  # optimal: the 0.01% gap was proven
        "gap_pct": None if objective is None else 100 * mip_gap(objective, bound),
        "bound_bn_usd": None if bound is None else bound / 1e9,
        "nodes": _reported(outcome.log, "Nodes"),
        "lp_iterations": _reported(outcome.log, "LP iterations"),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def _reported(log: str, label: str) -> int | None:
    """A count from HiGHS's closing report, e.g. `  Nodes             181`."""
    found = re.findall(rf"^\s*{label}\s+(\d+)\s*$", log, flags=re.MULTILINE)
    return int(found[-1]) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", default=list(VARIANTS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="HiGHS random_seed values")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per run, build included")
    parser.add_argument("--untightened", action="store_true", help="leave out formulations/tightening.py")
    parser.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE",
        help="a HiGHS option for every run, e.g. mip_max_nodes=1500 (a node limit makes runs comparable under load)",
    )  # fmt: skip
    args = parser.parse_args()
    options = dict(_option(text) for text in args.option)
    print(
        f"{'scenario':<24} {'seed':>4} {'status':<10} {'gap %':>8} {'bound bn':>9} {'nodes':>7} {'LP iter':>8} "
        f"{'s':>7} {'cpu s':>6} {'load':>5}"
    )
    for folder in args.folders:
        for seed in args.seeds:
            row = run(folder, tightened=not args.untightened, seed=seed, time_limit_s=args.time_limit, options=options)
            gap = "-" if row["gap_pct"] is None else f"{row['gap_pct']:.4f}"
            bound = "-" if row["bound_bn_usd"] is None else f"{row['bound_bn_usd']:.3f}"
            print(
                f"{row['scenario']:<24} {seed:>4} {row['status']:<10} {gap:>8} {bound:>9} {row['nodes'] or '-':>7} "
                f"{row['lp_iterations'] or '-':>8} {row['seconds']:>7} {row['cpu_seconds']:>6} {row['load_1min']:>5}",
                flush=True,
            )


def _option(text: str) -> tuple[str, bool | int | float | str]:
    """KEY=VALUE as HiGHS takes it: true/false, an integer, a number, else text."""
    key, _, value = text.partition("=")
    if value.lower() in ("true", "false"):
        return key, value.lower() == "true"
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    return key, value


if __name__ == "__main__":
    main()
