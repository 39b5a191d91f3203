"""Load a Problem into a highspy.Highs (`pass_model`) and run it until a wall-clock deadline.

HiGHS checks its own `time_limit` on a run clock that restarts when it completes a MIP start, and
some of its phases call no callback and check no clock for seconds (presolve, MIP setup, an LP solve
inside the MIP: 3.6-4 s past a 60 s limit at 3,000 sites with every pair). So a run with a deadline
happens in a forked child process. The child stops itself a little early through interrupt callbacks
(every simplex and IPM iteration, every MIP limit check) and sends its result back; meanwhile it sends
its log, every improving plan and the proven bound as they come. If it is still running at the
deadline, the parent stops it, reads what it had already sent, and keeps the best plan and bound.
If the child fails (e.g. runs out of memory), the plan and bound it sent are kept too. Without a
deadline (or where the system cannot fork), HiGHS runs in this process, stopped by its callbacks only.
"""

from __future__ import annotations

import ctypes
import math
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, replace
from multiprocessing import Pipe

import highspy
import numpy as np

from optimizer.highs.problem import Problem
from optimizer.highs.progress import Solving, current, report

ROUND_OFF = 1e-12  # relative: objectives this close are equal but for floating-point round-off
BOUND_EVERY_S = 0.5  # how often a child reports a raised bound (its first proven one at once)
PR_SET_PDEATHSIG = 1  # Linux prctl option: signal this process when its parent dies


# HiGHS's log lines for a start it takes: a whole plan checked before presolve, or a start completed after it
START_ACCEPTED = r"Assessing feasibility of MIP solution .*: feasible|MIP start solution is feasible"
SOLVED = "convergenceCriteriaSatisfied"  # the termination of a run HiGHS finished (optimizer.highs.TERMINATION)


@dataclass(frozen=True)
class Outcome:
    """What a run ended with. `status` None: the run was stopped at the deadline, or failed (`error`)."""

    status: highspy.HighsModelStatus | None
    objective: float | None  # of the solution, when there is one
    bound: float | None  # proven bound (MIP) or None
    col_value: np.ndarray | None
    row_dual: np.ndarray | None
    log: str = ""
    error: str | None = None  # why the run failed, when it did
    termination: str = ""  # why the run ended, as the summary reports it (optimizer.highs.solve_problem)
    method: str = "direct"  # what solved it: "direct" (HiGHS on the whole problem) or "benders"

    @property
    def has_solution(self) -> bool:
        return self.col_value is not None

    @property
    def start_accepted(self) -> bool:
        """Whether HiGHS took a MIP start as a plan: its log says so only when the start (completed by
        HiGHS where partial) was feasible."""
        return re.search(START_ACCEPTED, self.log) is not None

    @property
    def solved(self) -> bool:
        """HiGHS ended within the requested gap (an LP: optimal) and the solution is here."""
        return self.termination == SOLVED and self.has_solution


def handback_margin(budget_s: float) -> float:
    """How much earlier than the deadline a child stops itself, to leave time to send its result."""
    return min(2.0, max(0.25, 0.1 * budget_s))


class HighsRunner:
    """Runs one highspy.Highs, stopping it at `stop_at` (a time.perf_counter() value)."""

    def __init__(self, highs: highspy.Highs) -> None:
        self.highs = highs
        self.stop_at = math.inf
        self._held: list[str] = []  # log lines HiGHS writes between runs (e.g. about an option)
        self._emit = self._hold  # where callbacks send (kind, payload); replaced during each run
        self._stream = False  # whether plans and bounds are sent (only a child's are)
        self._bound_sent_at, self._bound_sent = -math.inf, -math.inf
        for interrupt in (highs.cbSimplexInterrupt, highs.cbIpmInterrupt, highs.cbMipInterrupt):
            interrupt.subscribe(self._check)
        highs.cbLogging.subscribe(lambda event: self._emit("log", event.message))
        highs.cbMipImprovingSolution.subscribe(self._improved)

    def run(self, *, stop_at: float, kill_at: float | None, tee: bool) -> Outcome:
        """Run HiGHS; with `kill_at`, in a child process that is stopped at that time if still running."""
        self.stop_at = stop_at
        held, self._held = "".join(self._held), []
        if kill_at is None or not hasattr(os, "fork"):
            outcome = self._run_here(tee)
        else:
            outcome = self._run_in_child(kill_at, tee)
        self._emit = self._hold
        return replace(outcome, log=held + outcome.log)

    def _hold(self, kind: str, payload) -> None:
        self._held.append(payload)  # between runs only log lines come

    def _check(self, event) -> None:
        # Set the flag both ways: HiGHS keeps it from an earlier interrupted run on this model.
        now = time.perf_counter()
        event.interrupt(now >= self.stop_at)
        if self._stream and event.callback_type == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
            bound = event.data_out.mip_dual_bound
            # The first proven bound goes at once: a child stopped at the deadline may send nothing after it.
            first = self._bound_sent == -math.inf
            if bound > self._bound_sent and (first or now - self._bound_sent_at >= BOUND_EVERY_S):
                self._bound_sent_at, self._bound_sent = now, bound
                self._emit("bound", bound)

    def _improved(self, event) -> None:
        if self._stream:
            data = event.data_out
            self._emit("plan", (data.objective_function_value, data.mip_dual_bound, np.array(data.mip_solution)))

    def _run_here(self, tee: bool) -> Outcome:
        inbox = _Inbox(tee)
        # Plans and bounds only for a progress listener: copying each plan costs time on large models.
        self._emit, self._stream = lambda kind, payload: inbox.take((kind, payload)), current() is not None
        self.highs.run()
        return replace(self._outcome(), log="".join(inbox.lines))

    def _run_in_child(self, kill_at: float, tee: bool) -> Outcome:
        receive, send = Pipe(duplex=False)
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # no resources for a process: run here, stopped by the callbacks only
            receive.close()
            send.close()
            return self._run_here(tee)
        if pid == 0:  # the child: run, report, and leave without running the parent's cleanup
            receive.close()
            _die_with(parent)
            self._emit, self._stream = lambda kind, payload: send.send((kind, payload)), True
            try:
                highspy.Highs.resetThreadScheduler(False)  # the parent's HiGHS threads do not exist here
                self.highs.run()
                send.send(("done", self._outcome()))
            except BaseException as err:  # noqa: BLE001 - any failure goes to the parent
                send.send(("error", repr(err)))
            finally:
                os._exit(0)
        send.close()
        return _follow(pid, receive, kill_at, tee)

    def _outcome(self) -> Outcome:
        highs = self.highs
        info, status, solution = highs.getInfo(), highs.getModelStatus(), highs.getSolution()
        has_solution = info.primal_solution_status == 2  # 2 = feasible
        bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
        return Outcome(
            status,
            info.objective_function_value if has_solution else None,
            bound,
            np.array(solution.col_value) if has_solution else None,
            np.array(solution.row_dual) if solution.dual_valid else None,
        )


def _follow(pid: int, receive, kill_at: float, tee: bool) -> Outcome:
    """Read a child's messages until it is done or fails, or `kill_at` passes: then stop it and read
    what it had already sent (its outcome may be among it)."""
    inbox = _Inbox(tee)
    stopped = False
    try:
        while inbox.waiting:
            left = kill_at - time.perf_counter()
            if left <= 0 or not receive.poll(left):
                break
            inbox.take(receive.recv())
        if inbox.waiting:  # the deadline: stop the child, then read what it had already sent
            _stop(pid)
            stopped = True
            while inbox.waiting and receive.poll(0):
                inbox.take(receive.recv())
    except (EOFError, OSError):  # the pipe closed: the child ended, or a message was cut by the stop
        if not stopped and inbox.waiting:
            inbox.error = "HiGHS's process ended without a result"
    finally:
        if inbox.waiting:
            _stop(pid)
        _reap(pid)
        receive.close()
    return inbox.outcome_or_best()


class _Inbox:
    """What a child process has sent so far: log lines, its best plan and bound, its outcome or error."""

    def __init__(self, tee: bool) -> None:
        self.tee = tee
        self.lines: list[str] = []
        self.plan = None  # (objective, bound, col_value) of the best plan so far
        self.bound: float | None = None
        self.outcome: Outcome | None = None
        self.error: str | None = None

    @property
    def waiting(self) -> bool:
        return self.outcome is None and self.error is None

    def take(self, message: tuple) -> None:
        kind, payload = message
        if kind == "log":
            self.lines.append(payload)
            if self.tee:
                sys.stdout.write(payload)
        elif kind == "plan":
            self.plan, self.bound = payload, better_bound(self.bound, payload[1])
            report(Solving(payload[0], self.bound))
        elif kind == "bound":
            self.bound = better_bound(self.bound, payload)
            report(Solving(self.plan[0] if self.plan else None, self.bound))
        elif kind == "done":
            self.outcome = payload
        else:
            self.error = f"HiGHS failed in its process: {payload}"

    def outcome_or_best(self) -> Outcome:
        """The child's outcome, or (stopped at the deadline, or failed) its best plan and bound."""
        if self.outcome is not None:
            return replace(self.outcome, log="".join(self.lines))
        if self.error:
            self.lines.append(f"gridsite: {self.error}; the best plan and bound it sent are kept\n")
        else:
            self.lines.append("gridsite: HiGHS was still running at the deadline; stopped, best plan and bound kept\n")
        objective, _, values = self.plan if self.plan else (None, None, None)
        return Outcome(None, objective, self.bound, values, None, log="".join(self.lines), error=self.error)


def _die_with(parent: int) -> None:
    """In a child: be killed when the parent dies (e.g. a Dask worker is killed), not run on alone.
    Linux's PR_SET_PDEATHSIG; elsewhere the child still ends at its own deadline."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (AttributeError, OSError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:  # it has just ended by itself
        pass


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # already reaped (e.g. SIGCHLD set to be ignored)
        pass


def better_bound(bound: float | None, new: float) -> float | None:
    """The higher of two lower bounds (a minimisation), ignoring HiGHS's -inf for none yet."""
    if not math.isfinite(new):
        return bound
    return new if bound is None else max(bound, new)


def pass_model(highs: highspy.Highs, problem: Problem) -> highspy.HighsStatus:
    """Pass the problem to HiGHS in one call (column-wise matrix; HiGHS's infinity is IEEE inf)."""
    A = problem.A.tocsc()
    kind = np.where(problem.integer, int(highspy.HighsVarType.kInteger), int(highspy.HighsVarType.kContinuous))
    return highs.passModel(
        A.shape[1],
        A.shape[0],
        A.nnz,
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        problem.offset,
        problem.cost,
        problem.col_lower,
        problem.col_upper,
        problem.row_lower,
        problem.row_upper,
        A.indptr.astype(np.int32),
        A.indices.astype(np.int32),
        A.data,
        kind.astype(np.int32),
    )


def difference_range(a: tuple, b: tuple) -> tuple:
    """a - b for two minimisations given as (objective, proven bound): the difference of the objectives,
    and the range (low, high) the bounds allow for the difference of the true optima, each optimum lying
    between its bound and its objective: [a_bound - b, a - b_bound], widened by round-off (ROUND_OFF).
    None where a value is missing."""
    (a_value, a_bound), (b_value, b_bound) = a, b
    if a_value is None or b_value is None:
        return None, None, None
    # A bound above its objective is round-off (HiGHS may report one a few ulps higher): the objective then.
    # Two solves of the same plan may sum its costs in another order (Benders: master plus subproblems),
    # a few ulps apart, so equal optima are not reported as a difference.
    slack = ROUND_OFF * max(abs(a_value), abs(b_value))
    low = None if a_bound is None else min(a_bound, a_value) - b_value - slack
    high = None if b_bound is None else a_value - min(b_bound, b_value) + slack
    return a_value - b_value, low, high


def mip_gap(objective: float | None, bound: float | None) -> float | None:
    """HiGHS's relative gap |objective - bound| / |objective| (0 when both are 0)."""
    if objective is None or bound is None:
        return None
    if objective == bound:
        return 0.0
    return abs(objective - bound) / max(abs(objective), 1e-9)
