"""What-if studies: a base scenario and one edited variant, solved and compared.

OUT/base/ holds the base's results (reused while its input hash is unchanged) and its MIP start
(`mip_start.json`); OUT/<name>/ holds the variant's results and effective inputs, all written
atomically. The files a study adds to each run folder (reports, the comparison with the base)
come from a function the caller passes in (`files`): studies know no report code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from optimizer.inputs.scenario import Scenario
from optimizer.inputs.variants import apply_edits
from optimizer.pipeline.outputs import (
    RESULT_FILES,
    START_FILE,
    OutputError,
    Renderer,
    check_name,
    check_out_dir,
    write_results,
    written_files,
)
from optimizer.pipeline.solve import SOLUTION_STATUSES, SolveResult, solve

BASE_DIR = "base"
# Given the base's run folder (None for the base itself, or when the base has no plan to compare
# with), the files to render into a run folder: file name -> renderer.
FolderFiles = Callable[[Path | None], dict[str, Renderer]]


@dataclass
class WhatIf:
    variant: SolveResult
    variant_dir: Path
    base_reused: bool
    compared: bool  # False when the base or the variant has no plan to compare


def run_whatif(
    base: Scenario,
    edits: Sequence[str],
    name: str,
    out_dir: str | Path,
    *,
    tee: bool = False,
    force: bool = False,
    files: FolderFiles = lambda base_dir: {},
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
        extra = files(None) | {START_FILE: lambda _: json.dumps(result.integer_values)}
        write_results(result, base_dir, extra=extra, inputs=base.files(), force=force)
    result = solve(variant, tee=tee, start=start)
    variant_dir = out / name
    compared = result.has_solution and _has_plan(base_dir)
    extra = files(base_dir if compared else None)
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


def _has_plan(run_dir: Path) -> bool:
    summary = run_dir / "summary.json"
    return summary.exists() and json.loads(summary.read_text())["status"] in SOLUTION_STATUSES
