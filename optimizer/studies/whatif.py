"""What-if studies: a base scenario and one edited variant, solved and compared.

OUT/base/ holds the base's results (reused while its input hash is unchanged) and its MIP start
(`mip_start.json`); OUT/<name>/ holds the variant's results and effective inputs, all written
atomically. The files a study adds to each run folder (reports, the comparison with the base)
come from a function the caller passes in (`files`): studies know no report code.

Both solves stop at a MIP gap, so the true difference of their costs lies in a range. While that
range contains 0 (the solves do not show which plan is cheaper) both are solved again at a tenth
of the gap, each from its own plan, up to GAP_STEPS times and never below MIN_GAP, keeping a pair
only where it narrows the range (a pair stopped by the time limit may not); the variant's summary
(`whatif`) records the gap asked of the pair kept, the gaps its two solves reached, and why a pair
tried was not kept.

With a time limit for the whole study (a Budget, e.g. `gridsite whatif --time-limit`), the base's
solve gets a third of what is left, the variant's half of what is then left, and each finer
re-solve of the pair half and all of the rest; re-solving stops when less than MIN_RESOLVE_S is left.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from optimizer.highs import difference_range
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.variants import apply_edits
from optimizer.pipeline.budget import Budget
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
GAP_STEPS = 3  # tighten the gap tenfold at most this many times
MIN_GAP = 1e-6
BASE_SHARE, VARIANT_SHARE = 1 / 3, 1 / 2  # of the time left when each is solved (the rest: finer re-solves)
MIN_RESOLVE_S = 1.0  # no finer re-solve of the pair with less time left
TIGHTENED = "re-solved at a finer gap: at the requested gap the difference was within solver tolerance"
NOT_TIGHTENED = (
    "not re-solved at a finer gap: the difference is within solver tolerance, and the time limit left too little time"
)
CUT_SHORT = (
    "re-solved at a finer gap, but the time limit stopped the re-solves before they narrowed the range: "
    "the difference is within solver tolerance"
)
NOT_NARROWED = "re-solved at a finer gap, which did not narrow the range: the difference is within solver tolerance"
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
    budget: Budget | None = None,
) -> WhatIf:
    """Solve `base` (unless OUT/base already holds its result) and the variant, and compare them,
    within `budget` when given. ScenarioError for a bad edit and OutputError for a bad name or output
    folder, before any solve."""
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
    budget = budget or Budget.start(None)
    if not reused:
        base_result = solve(budget.within(base, BASE_SHARE), tee=tee)
        start = base_result.integer_values
        _write_base(base_result, base, base_dir, files, force)
    result = solve(budget.within(variant, VARIANT_SHARE), tee=tee, start=start)
    base_summary = _summary(base_dir)
    if result.has_solution and base_summary.get("status") in SOLUTION_STATUSES:
        tighter = tighten(base, variant, base_summary, result, start, tee, budget)
        if tighter is not None:
            (base_scenario, base_result), (variant, result) = tighter
            _write_base(base_result, base_scenario, base_dir, files, force, requested=base.input_hash())
    variant_dir = out / name
    compared = result.has_solution and _has_plan(base_dir)
    extra = files(base_dir if compared else None)
    write_results(result, variant_dir, extra=extra, inputs=variant.files(), force=force)
    return WhatIf(result, variant_dir, base_reused=reused, compared=compared)


def tighten(
    base: Scenario,
    variant: Scenario,
    base_summary: dict,
    result: SolveResult,
    start,
    tee: bool = False,
    budget: Budget | None = None,
) -> tuple[tuple[Scenario, SolveResult], tuple[Scenario, SolveResult]] | None:
    """Both scenarios and results solved at a finer gap, while their difference is within solver
    tolerance and `budget` leaves time (see the module's docstring); None when the first solves
    already show it, or no time was left."""
    budget = budget or Budget.start(None)
    requested = variant.config.solver.mip_rel_gap
    gap, tighter, base_start, out_of_time, rejected = requested, None, start, False, False
    width = _range_width(result.summary, base_summary)
    for _ in range(GAP_STEPS):
        _, low, high = difference_range(_bounds(result.summary), _bounds(base_summary))
        if low is None or high is None or not low <= 0 <= high or high - low < 1.0 or gap <= MIN_GAP:
            break
        if budget.left() is not None and budget.left() < MIN_RESOLVE_S:
            out_of_time = True
            break
        finer = max(gap / 10, MIN_GAP)
        scenarios = (base.with_solver(mip_rel_gap=finer), variant.with_solver(mip_rel_gap=finer))
        base_result = solve(budget.within(scenarios[0], 1 / 2), tee=tee, start=base_start)
        variant_result = solve(budget.within(scenarios[1]), tee=tee, start=result.integer_values)
        pair = (base_result, variant_result)
        narrowed = _range_width(variant_result.summary, base_result.summary)
        # A pair that found no plan, or proved less than the pair before it, is not kept.
        if not all(r.has_solution for r in pair) or narrowed >= width:
            rejected = tighter is None
            out_of_time = any(r.summary.get("status") != "optimal" for r in pair)  # stopped at its time limit
            break
        gap, width = finer, narrowed
        tighter = ((scenarios[0], base_result), (scenarios[1], variant_result))
        base_summary, result, base_start = base_result.summary, variant_result, base_result.integer_values
    if tighter is not None or out_of_time or rejected:
        result.summary["whatif"] = {
            "requested_mip_rel_gap": requested,
            "mip_rel_gap": gap,
            "reached_mip_gap": {"base": base_summary.get("mip_gap"), "variant": result.summary.get("mip_gap")},
            "note": _note(tighter is not None, rejected, out_of_time),
            "stopped_by_time_limit": out_of_time,
        }
    return tighter


def _note(kept: bool, rejected: bool, out_of_time: bool) -> str:
    if kept:
        return TIGHTENED
    if rejected:
        return CUT_SHORT if out_of_time else NOT_NARROWED
    return NOT_TIGHTENED


def _range_width(variant: dict, base: dict) -> float:
    """How wide the range of the variant's cost less the base's is (infinite without proven bounds)."""
    _, low, high = difference_range(_bounds(variant), _bounds(base))
    return math.inf if low is None or high is None else high - low


def _bounds(summary: dict) -> tuple:
    return summary.get("objective_usd"), summary.get("best_bound_usd")


def _write_base(
    result: SolveResult, scenario: Scenario, base_dir: Path, files, force: bool, requested: str | None = None
) -> None:
    """The base's run folder and its MIP start; `requested`: the input hash of the base as asked for,
    when it was solved at a finer gap (a later what-if of the same base reuses it)."""
    if requested is not None:
        result.summary["whatif_base_of"] = requested
    extra = files(None) | {START_FILE: lambda _: json.dumps(result.integer_values)}
    write_results(result, base_dir, extra=extra, inputs=scenario.files(), force=force)


def stored_start(run_dir: Path, input_hash: str) -> dict[str, float] | None:
    """The MIP start gridsite saved with an earlier result of the same inputs (or of the base it
    re-solved at a finer gap), or None when there is none."""
    if not {"summary.json", START_FILE} <= (written_files(run_dir) or set()):
        return None
    try:
        stored = json.loads((run_dir / "summary.json").read_text())
        if input_hash not in (stored.get("input_hash"), stored.get("whatif_base_of")):
            return None
        start = json.loads((run_dir / START_FILE).read_text())
    except (OSError, ValueError, AttributeError):  # edited or damaged since: solve again
        return None
    return start if isinstance(start, dict) else None


def _summary(run_dir: Path) -> dict:
    summary = run_dir / "summary.json"
    return json.loads(summary.read_text()) if summary.exists() else {}


def _has_plan(run_dir: Path) -> bool:
    return _summary(run_dir).get("status") in SOLUTION_STATUSES
