"""Peak memory of `gridsite solve` on extensive forms of several sizes, for `uncertainty.method: auto`'s
memory estimate (optimizer/pipeline/stochastic.py: EXTENSIVE_FIXED_BYTES, EXTENSIVE_BYTES_PER_COLUMN).

    python -m bench.extensive_memory            # 100 and 200 sites x 10 years x 20 centres (800 km), 5-40 outcomes

Each run is the whole command in a fresh process (`uncertainty.method: extensive`, a 60 s limit, no
reports), its peak the largest resident memory of its process tree sampled every 0.2 s (as in
bench/uncertainty.py). Prints columns, peak MB and peak bytes per column.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.generate import InstanceSpec
from bench.uncertainty import run_gridsite, uncertain_instance

SIZES = ((100, 5), (100, 20), (200, 20), (200, 40))  # (sites, outcomes)


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    print("| sites x outcomes | columns | peak MB | peak bytes per column |")
    print("|---|---|---|---|")
    for sites, outcomes in SIZES:
        spec = InstanceSpec(sites, 10, 20, 800.0, seed=1, mip_rel_gap=0.001, time_limit_s=60)
        with tempfile.TemporaryDirectory(prefix="gridsite-memory-") as tmp:
            folder = uncertain_instance(spec, outcomes, Path(tmp) / "in", method="extensive")
            figures = run_gridsite(folder, Path(tmp) / "out")
        columns, peak = figures.get("columns"), figures["peak_mb"]
        per_column = "-" if not columns else f"{peak * 2**20 / columns:,.0f}"
        print(f"| {sites} x {outcomes} | {columns or '-':,} | {peak:,.0f} | {per_column} |", flush=True)


if __name__ == "__main__":
    main()
