"""Batch benchmark: throughput of `gridsite batch` with 1 and 2 Dask workers on the same sweep, and
warm-started what-if variants against cold solves of the same variants.

    python bench/batch_bench.py [--runs 8] [--regions 30]

Prints figures only (no assertions). Timings on a shared machine are noisy: run it more than once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from rich.console import Console

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from scenario_factory import write_random_scenario  # noqa: E402

from optimizer import load_scenario, solve  # noqa: E402
from optimizer.inputs.variants import apply_edits  # noqa: E402
from optimizer.studies.batch import run_batch  # noqa: E402
from optimizer.studies.sweep import read_sweep  # noqa: E402

VARIANTS = {
    "PJM lead time +1 yr": "regions[zone_id=PJM].lead_time_years += 1",
    "ERCOT capex x1.2": "regions[zone_id=ERCOT].capex_usd_per_mw *= 1.2",
    "MISO site limits x0.8": "regions[zone_id=MISO].max_mw *= 0.8",
    "discount rate 5 %": "discount_rate = 0.05",
}


def throughput(folder: Path, runs: int, workers: int) -> tuple[float, int]:
    """Wall seconds of a whole batch (cluster start included) and the runs it solved."""
    sweep_file = folder / f"sweep_{workers}.yaml"
    sweep_file.write_text(
        yaml.safe_dump(
            {
                "base": "base",
                "store": f"bench_{workers}.duckdb",
                "samples": {
                    "count": runs - 1,
                    "seed": 5,
                    "draws": [
                        {
                            "edit": "regions[zone_id={key}].capex_usd_per_mw *= {value}",
                            "for_each": "regions.zone_id",
                            "distribution": "uniform",
                            "args": [0.85, 1.15],
                        }
                    ],
                },
            }
        )
    )
    started = time.perf_counter()
    tally = run_batch(read_sweep(sweep_file), workers=workers, console=Console(quiet=True))
    return time.perf_counter() - started, tally.solved


def warm_vs_cold(base_folder: Path, repeats: int) -> None:
    base = load_scenario(base_folder).with_solver(threads=1)
    start = solve(base).integer_values
    print(
        f"\nwhat-if variants, HiGHS solve seconds (median of {repeats}; threads=1), cold vs. warm from the base plan:"
    )
    print(f"{'variant':28} {'cold s':>8} {'warm s':>8} {'ratio':>6}  objective equal  start values given/dropped")
    for label, edit in VARIANTS.items():
        variant = apply_edits(base, [edit])
        cold = [solve(variant) for _ in range(repeats)]
        warm = [solve(variant, start=start) for _ in range(repeats)]
        cold_s = statistics.median(r.summary["solve_seconds"] for r in cold)
        warm_s = statistics.median(r.summary["solve_seconds"] for r in warm)
        gap = variant.config.solver.mip_rel_gap
        equal = (
            abs(cold[0].summary["objective_usd"] - warm[0].summary["objective_usd"])
            <= gap * cold[0].summary["objective_usd"]
        )
        used = warm[0].summary["warm_start"]
        print(
            f"{label:28} {cold_s:8.2f} {warm_s:8.2f} {warm_s / cold_s:6.2f}  {'yes (within gap)' if equal else 'NO':15}"
            f"  {used['values_given']}/{used['values_dropped']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="runs per sweep (base + samples)")
    parser.add_argument("--regions", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2, help="solves per variant and start")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_random_scenario(folder / "base", regions=args.regions, demands=3, years=6, seed=1)
        (folder / "base" / "scenario.yaml").write_text(
            (folder / "base" / "scenario.yaml").read_text().replace("mip_rel_gap: 0.0", "mip_rel_gap: 0.001")
        )
        size = solve(load_scenario(folder / "base")).summary["model_size"]
        print(f"scenario: {args.regions} regions, 3 demand centres, 6 years; {size}; mip_rel_gap 0.001")
        print(f"sweep: {args.runs} runs (base + samples of zone capex); wall time includes starting the local cluster")
        for workers in (1, 2):
            load = os.getloadavg()[0]
            seconds, solved = throughput(folder, args.runs, workers)
            print(
                f"  {workers} worker(s): {solved} runs in {seconds:6.1f} s = {solved / seconds * 60:5.1f} runs/min"
                f"  (machine load average before: {load:.1f} on {os.cpu_count()} cores)"
            )
        warm_vs_cold(folder / "base", args.repeats)


if __name__ == "__main__":
    main()
