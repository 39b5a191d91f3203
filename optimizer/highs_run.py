"""Run a loaded highspy.Highs until a wall-clock deadline, and never past it.

HiGHS checks its own `time_limit` on a run clock that restarts when it completes a MIP start, and
some of its phases call no callback and check no clock for seconds (presolve, MIP setup, an LP solve
inside the MIP: 3.6-4 s past a 60 s limit at 3,000 sites with every pair). So a run with a deadline
happens in a forked child process. The child stops itself a little early through interrupt callbacks
(every simplex and IPM iteration, every MIP limit check) and sends its result back; meanwhile it sends
its log, every improving plan and the proven bound as they come. If it is still running at the
deadline, the parent stops it and keeps the best plan and bound it was sent. Without a deadline (or
without fork), HiGHS runs in this process.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from dataclasses import dataclass, replace
from multiprocessing import Pipe

import highspy
import numpy as np

BOUND_EVERY_S = 0.5  # how often a child reports a changed bound


@dataclass(frozen=True)
class Outcome:
    """What a run ended with. `status` None: stopped by the parent at the deadline."""

    status: highspy.HighsModelStatus | None
    objective: float | None  # of the solution, when there is one
    bound: float | None  # proven bound (MIP) or None
    col_value: np.ndarray | None
    row_dual: np.ndarray | None
    log: str = ""


def handback_margin(budget_s: float) -> float:
    """How much earlier than the deadline a child stops itself, to leave time to send its result."""
    return min(2.0, max(0.25, 0.1 * budget_s))


class HighsRunner:
    """Runs one highspy.Highs, stopping it at `stop_at` (a time.perf_counter() value)."""

    def __init__(self, highs: highspy.Highs) -> None:
        self.highs = highs
        self.stop_at = math.inf
        self._emit = None  # (kind, payload) -> None, for the current run
        self._stream = False  # whether plans and bounds are sent (only a child's are)
        self._bound_sent_at = -math.inf
        for interrupt in (highs.cbSimplexInterrupt, highs.cbIpmInterrupt, highs.cbMipInterrupt):
            interrupt.subscribe(self._check)
        highs.cbLogging.subscribe(lambda event: self._emit("log", event.message))
        highs.cbMipImprovingSolution.subscribe(self._improved)

    def run(self, *, stop_at: float, kill_at: float | None, tee: bool) -> Outcome:
        """Run HiGHS; with `kill_at`, in a child process that is stopped at that time if still running."""
        self.stop_at = stop_at
        if kill_at is None or not hasattr(os, "fork"):
            return self._run_here(tee)
        return self._run_in_child(kill_at, tee)

    def _check(self, event) -> None:
        # Set the flag both ways: HiGHS keeps it from an earlier interrupted run on this model.
        now = time.perf_counter()
        event.interrupt(now >= self.stop_at)
        if self._stream and event.callback_type == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
            if now - self._bound_sent_at >= BOUND_EVERY_S:
                self._bound_sent_at = now
                self._emit("bound", event.data_out.mip_dual_bound)

    def _improved(self, event) -> None:
        if self._stream:
            data = event.data_out
            self._emit("plan", (data.objective_function_value, data.mip_dual_bound, np.array(data.mip_solution)))

    def _run_here(self, tee: bool) -> Outcome:
        lines = []

        def collect(kind, payload):
            lines.append(payload)
            if tee:
                sys.stdout.write(payload)

        self._emit, self._stream = collect, False
        self.highs.run()
        return replace(self._outcome(), log="".join(lines))

    def _run_in_child(self, kill_at: float, tee: bool) -> Outcome:
        receive, send = Pipe(duplex=False)
        pid = os.fork()
        if pid == 0:  # the child: run, report, and leave without running the parent's cleanup
            receive.close()
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
        return self._follow(pid, receive, kill_at, tee)

    def _follow(self, pid: int, receive, kill_at: float, tee: bool) -> Outcome:
        """Collect a child's messages until it is done or `kill_at` passes (then stop it)."""
        lines, plan, bound, outcome = [], None, None, None
        try:
            while outcome is None:
                left = kill_at - time.perf_counter()
                if left <= 0 or not receive.poll(left):
                    break
                kind, payload = receive.recv()
                if kind == "log":
                    lines.append(payload)
                    if tee:
                        sys.stdout.write(payload)
                elif kind == "plan":
                    plan, bound = payload, _better(bound, payload[1])
                elif kind == "bound":
                    bound = _better(bound, payload)
                elif kind == "done":
                    outcome = payload
                else:
                    raise RuntimeError(f"HiGHS failed in its process: {payload}")
        except EOFError:
            raise RuntimeError("HiGHS's process ended without a result") from None
        finally:
            if outcome is None:
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            receive.close()
        if outcome is None:
            lines.append("gridsite: HiGHS was still running at the deadline; stopped, best plan and bound kept\n")
            objective, _, values = plan if plan else (None, None, None)
            outcome = Outcome(None, objective, bound, values, None)
        return replace(outcome, log="".join(lines))

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


def _better(bound: float | None, new: float) -> float | None:
    """The higher of two lower bounds (a minimisation), ignoring HiGHS's -inf for none yet."""
    if not math.isfinite(new):
        return bound
    return new if bound is None else max(bound, new)
