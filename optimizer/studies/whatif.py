"""What-if studies: a base scenario and one edited variant, solved and compared.

OUT/base/ holds the base's results (reused while its input hash is unchanged) and its MIP start
(`mip_start.json`); OUT/<name>/ holds the variant's results, effective inputs and, when both have
a plan, the comparison (`comparison.md` and one CSV per table of `reports.deltas`), all written
atomically.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from optimizer.inputs.scenario import Scenario
from optimizer.inputs.variants import apply_edits
from optimizer.pipeline.outputs import (
    COMPARISON_TABLES,
    RESULT_FILES,
    START_FILE,
    OutputError,
    check_name,
    check_out_dir,
    write_results,
    written_files,
)
from optimizer.pipeline.solve import SolveResult, solve
from reports import render_markdown
from reports.deltas import compare_runs, render_comparison
from reports.run import has_plan

BASE_DIR = "base"


@dataclass
class WhatIf:
    variant: SolveResult
    variant_dir: Path
    base_reused: bool
    compared: bool  # False when the base or the variant has no plan to compare


def run_whatif(
    base: Scenario, edits: Sequence[str], name: str, out_dir: str | Path, *, tee: bool = False, force: bool = False
) -> WhatIf:
    """Solve `base` (unless OUT/base already holds its result) and the variant, and compare them.
    ScenarioError for a bad edit and OutputError for a bad name or output folder, before any solve."""
    check_name(name, "--name")
    if name == BASE_DIR:
        raise OutputError(f"--name: '{BASE_DIR}' is the base's folder; choose another name")
    variant = apply_edits(base, edits)
    out = Path(out_dir)
    base_dir = out / BASE_DIR
    for folder in (base_dir, out / name):
        check_out_dir(folder, RESULT_FILES, force)
    start = stored_start(base_dir, base.input_hash())
    reused = start is not None
    if not reused:
        result = solve(base, tee=tee)
        start = result.integer_values
        extra = {"report.md": render_markdown, START_FILE: lambda _: json.dumps(result.integer_values)}
        write_results(result, base_dir, extra=extra, inputs=base.files(), force=force)
    result = solve(variant, tee=tee, start=start)
    variant_dir = out / name
    extra = {"report.md": render_markdown}
    compared = result.has_solution and has_plan(base_dir)
    if compared:
        extra["comparison.md"] = partial(render_comparison, base_dir)
        for table in COMPARISON_TABLES:
            extra[f"{table}.csv"] = partial(_comparison_csv, base_dir, table)
    write_results(result, variant_dir, extra=extra, inputs=variant.files(), force=force)
    return WhatIf(result, variant_dir, base_reused=reused, compared=compared)


def stored_start(run_dir: Path, input_hash: str) -> dict[str, float] | None:
    """The MIP start gridsite saved with an earlier result of the same inputs, or None when there is none."""
    if not {"summary.json", START_FILE} <= (written_files(run_dir) or set()):
        return None
    try:
        if json.loads((run_dir / "summary.json").read_text()).get("input_hash") != input_hash:
            return None
        start = json.loads((run_dir / START_FILE).read_text())
    except (OSError, ValueError, AttributeError):  # edited or damaged since: solve again
        return None
    return start if isinstance(start, dict) else None


def _comparison_csv(base_dir: Path, table: str, variant_dir: Path) -> str:
    return compare_runs(base_dir, variant_dir)[table].to_csv(index=False)
