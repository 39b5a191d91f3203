"""Time report generation for the default scenario (issue 5 target: under 10 s).

    python bench/report_time.py [--repeats 3]

Solves data/default once into a temporary folder, then times (a) `write_rendered(folder, report_files(folder))` in this process
(report.md, report.html, report.pdf; imports already paid) and (b) the `gridsite report` command
in a fresh process, imports included. The machine is shared, so figures are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from optimizer import load_scenario, solve, write_results
from optimizer.pipeline.outputs import write_rendered
from reports import report_files

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    scenario = load_scenario(REPO / "data" / "default")
    with tempfile.TemporaryDirectory() as folder:
        write_results(solve(scenario), folder, inputs=scenario.files())
        in_process = [
            _seconds(lambda: write_rendered(folder, report_files(folder), force=False)) for _ in range(repeats)
        ]
        gridsite = Path(sys.executable).parent / "gridsite"
        command = [
            _seconds(lambda: subprocess.run([gridsite, "report", folder], check=True, capture_output=True))
            for _ in range(repeats)
        ]
    print(
        f"report files (in process), {repeats} runs: median {statistics.median(in_process):.2f} s, "
        f"min {min(in_process):.2f} s, max {max(in_process):.2f} s"
    )
    print(
        f"`gridsite report` (fresh process), {repeats} runs: median {statistics.median(command):.2f} s, "
        f"min {min(command):.2f} s, max {max(command):.2f} s"
    )


def _seconds(task) -> float:
    started = time.perf_counter()
    task()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
