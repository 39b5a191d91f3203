"""Everything that talks to HiGHS, behind one entry point: a Problem and Settings in, an Outcome out.

    outcome = solve_problem(problem, Settings(mip_rel_gap=1e-3, threads=1), time_limit_s=60)

The whole problem goes to HiGHS (`direct`), or with `method="benders"` to Benders decomposition
(optimizer/highs/benders.py) where the problem allows it (else the whole problem is solved and the
log says why). A time limit is a hard wall-clock deadline (optimizer/highs/run.py). Nothing here
knows the Pyomo model or the siting model.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import highspy
import numpy as np
from pyomo.common.tee import capture_output

from optimizer.highs import benders
from optimizer.highs.problem import Problem
from optimizer.highs.run import (
    SOLVED,
    HighsRunner,
    Outcome,
    better_bound,
    difference_range,
    handback_margin,
    mip_gap,
    pass_model,
)

__all__ = ["SOLVED", "Outcome", "Problem", "Settings", "better_bound", "difference_range", "mip_gap", "solve_problem"]

# HiGHS model status -> the termination the summary reports (the names Pyomo's solver interfaces use).
TERMINATION = {
    highspy.HighsModelStatus.kOptimal: SOLVED,
    highspy.HighsModelStatus.kInfeasible: "provenInfeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasibleOrUnbounded",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "maxTimeLimit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
}


class SolverChoices(Protocol):
    """What a scenario says of its solver (optimizer.inputs.scenario.SolverSettings has these)."""

    mip_rel_gap: float
    threads: int
    method: str


@dataclass(frozen=True)
class Settings:
    mip_rel_gap: float = 1e-3
    threads: int = 1
    method: Literal["direct", "benders"] = "direct"
    options: dict = field(default_factory=dict)  # any other HiGHS options, by HiGHS's names

    @classmethod
    def of(cls, choices: SolverChoices, *, gap_share: float = 1.0, benders: bool = True) -> Settings:
        """HiGHS settings for a scenario's solver choices: its gap times `gap_share` (a start is solved
        tighter than the gap it serves), its threads, and Benders where it asks for it and `benders`
        allows (an LP, whose duals come from the whole problem, does not); `auto` unresolved is direct."""
        method = "benders" if benders and choices.method == "benders" else "direct"
        return cls(mip_rel_gap=gap_share * choices.mip_rel_gap, threads=choices.threads, method=method)


def solve_problem(
    problem: Problem,
    settings: Settings,
    *,
    time_limit_s: float | None = None,
    start: dict[int, float] | None = None,
    tee: bool = False,
) -> Outcome:
    """Solve `problem` for at most `time_limit_s` wall-clock seconds from now (None: no limit).
    `start` (column -> value, a partial solution) is a MIP start; Benders does not use one."""
    started = time.perf_counter()
    limited = time_limit_s is not None
    own_limit = max(time_limit_s - handback_margin(time_limit_s), 0.0) if limited else math.inf
    kill_at = started + time_limit_s if limited else None
    highs = _loaded(problem, settings, own_limit)
    note = ""
    if settings.method == "benders":
        try:
            outcome = benders.solve(
                problem,
                gap=settings.mip_rel_gap,
                threads=settings.threads,
                stop_at=started + own_limit,
                kill_at=kill_at,
            )
            return _finished(replace(outcome, method="benders"), problem, started + own_limit, tee)
        except benders.NotDecomposable as err:
            note = f"gridsite: no Benders decomposition ({err}); the whole model is solved\n"
            if tee:
                print(note, end="")
    if start:
        index = np.fromiter(start, dtype=np.int32, count=len(start))
        highs.setSolution(len(start), index, np.fromiter(start.values(), dtype=float, count=len(start)))
    outcome = HighsRunner(highs).run(stop_at=started + own_limit, kill_at=kill_at, tee=tee)
    return _finished(replace(outcome, log=note + outcome.log), problem, started + own_limit, tee=False)


def _loaded(problem: Problem, settings: Settings, own_limit: float) -> highspy.Highs:
    with capture_output(capture_fd=True):  # HiGHS prints a banner when created
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    if pass_model(highs, problem) == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model passed to it")
    highs.setOptionValue("output_flag", True)
    highs.setOptionValue("log_to_console", False)  # the log comes through the logging callback
    highs.setOptionValue("time_limit", own_limit)
    # HiGHS keeps one thread scheduler per process, sized by the first run; a run asking for another
    # thread count fails ("scheduler has already been initialized") unless it is reset. Runs in one
    # process are sequential, so resetting here never disturbs another solve.
    highspy.Highs.resetThreadScheduler(False)  # False: do not block on running workers
    options = {"threads": settings.threads, "mip_rel_gap": settings.mip_rel_gap} | settings.options
    for key, value in options.items():
        highs.setOptionValue(key, value)
    return highs


def _finished(outcome: Outcome, problem: Problem, own_deadline: float, tee: bool) -> Outcome:
    """The outcome with its termination named, and no bound claimed for an LP that is not optimal."""
    if tee:
        print(outcome.log, end="")
    stopped_by_limit = time.perf_counter() >= own_deadline
    if outcome.error:
        termination = "error"
    elif outcome.status is None or (outcome.status == highspy.HighsModelStatus.kInterrupt and stopped_by_limit):
        termination = "maxTimeLimit"
    else:
        termination = TERMINATION.get(outcome.status, "unknown")
    bound = outcome.bound
    if not problem.is_mip:
        bound = outcome.objective if outcome.status == highspy.HighsModelStatus.kOptimal else None
    return replace(outcome, termination=termination, bound=bound)
