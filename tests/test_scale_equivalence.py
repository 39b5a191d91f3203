"""The reductions in gridsite (sparse service arcs, lead times as fixings, one row per stock and year,
a flat objective) keep the contract's optimum.

On seeded instances from `bench.generate` (with and without a latency radius, modules, with and
without an unserved penalty), gridsite and the plain baseline model (`bench.baseline`, written
independently, every listed pair, no reductions) are both solved to a zero MIP gap and must
reach the same objective. The gridsite plan is also checked against the contract's constraints.
"""

from __future__ import annotations

import gc
import math
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import highspy
import pytest
from conftest import REPO

import optimizer.highs
from bench.baseline import solve_baseline
from bench.generate import InstanceSpec, write_instance
from formulations import build_model, gc_paused
from optimizer import load_scenario, solve
from optimizer.highs import Settings, mip_gap, solve_problem
from optimizer.highs import run as highs_run
from optimizer.pipeline.matrix import ModelMatrix

CASES = [
    InstanceSpec(14, 3, 4, None, seed=1, mip_rel_gap=0.0),
    InstanceSpec(14, 3, 4, 900.0, seed=2, mip_rel_gap=0.0),
    InstanceSpec(16, 4, 5, 1200.0, seed=3, mip_rel_gap=0.0, penalty_usd_per_mw_year=None),
    InstanceSpec(16, 4, 5, None, seed=4, mip_rel_gap=0.0, modular_share=1.0),
    InstanceSpec(12, 3, 3, 1500.0, seed=5, mip_rel_gap=0.0, modular_share=0.0, penalty_usd_per_mw_year=None),
    InstanceSpec(18, 4, 6, 700.0, seed=6, mip_rel_gap=0.0, penalty_usd_per_mw_year=2_000_000.0),
]


@pytest.mark.parametrize("spec", CASES, ids=lambda s: s.name)
def test_gridsite_and_plain_baseline_reach_the_same_optimum(tmp_path, spec):
    scenario = load_scenario(write_instance(spec, tmp_path / spec.name))
    result = solve(scenario)
    plain = solve_baseline(scenario)
    assert plain["termination"] == "convergenceCriteriaSatisfied"
    assert result.summary["status"] == "optimal"
    assert result.summary["objective_usd"] == pytest.approx(plain["objective_usd"], rel=1e-6)
    _assert_plan_meets_the_contract(scenario, result)


def _assert_plan_meets_the_contract(scenario, result) -> None:
    regions = scenario.regions.set_index("region_id")
    capacity = result.capacity.set_index(["region_id", "year"])["capacity_mw"]
    assert (capacity <= regions["max_mw"].reindex(capacity.index.get_level_values(0)).to_numpy() + 1e-6).all()
    served_from = result.service.groupby(["region_id", "year"])["mw"].sum()
    rounding = 1e-6 * (result.service.groupby(["region_id", "year"]).size() + 1)  # tables round each value to 1e-6
    assert (served_from <= capacity.reindex(served_from.index) + rounding + 1e-9).all()
    served_to = result.service.groupby(["demand_id", "year"])["mw"].sum()
    unserved = result.unserved.set_index(["demand_id", "year"])["mw"]
    need = scenario.demand.set_index(["demand_id", "year"])["mw"]
    met = served_to.reindex(need.index, fill_value=0) + unserved.reindex(need.index, fill_value=0)
    assert met.to_numpy() == pytest.approx(need.to_numpy(), abs=1e-5)
    pairs = set(zip(scenario.service_costs["demand_id"], scenario.service_costs["region_id"]))
    assert set(zip(result.service["demand_id"], result.service["region_id"])) <= pairs


def _assert_reported_plan_is_sound(scenario, result) -> None:
    """A plan reported after an early stop: its costs sum to its objective and it meets the contract."""
    assert result.costs["discounted_usd"].sum() == pytest.approx(result.summary["objective_usd"], rel=1e-6)
    _assert_plan_meets_the_contract(scenario, result)


def _solve_cut_short(tmp_path, spec: InstanceSpec, termination: str, no_plan_status: str):
    """Solve `spec`, a run that is cut short: it must end with `termination` and either a sound plan
    (`feasible`, with no bound or one no higher than its objective) or none (`no_plan_status`)."""
    scenario = load_scenario(write_instance(spec, tmp_path / spec.name))
    result = solve(scenario)
    summary = result.summary
    assert summary["solver"]["termination"] == termination
    assert summary["status"] in ("feasible", no_plan_status)
    if summary["status"] == "feasible":
        assert summary["best_bound_usd"] is None or summary["best_bound_usd"] <= summary["objective_usd"]
        _assert_reported_plan_is_sound(scenario, result)
    return result


def test_time_limit_returns_the_best_plan_with_its_proven_gap(tmp_path):
    """Stopped by the time limit, the best plan found is reported as feasible, with the gap HiGHS proved."""
    spec = InstanceSpec(150, 6, 15, None, seed=7, time_limit_s=1.0)
    summary = _solve_cut_short(tmp_path, spec, "maxTimeLimit", "time_limit_no_solution").summary
    if summary["status"] == "feasible":
        assert summary["best_bound_usd"] is not None
        assert summary["mip_gap"] == mip_gap(summary["objective_usd"], summary["best_bound_usd"])


def test_deadline_stops_highs_even_when_its_own_clock_would_not(tmp_path):
    """The wall-clock deadline interrupts HiGHS (here HiGHS's own time limit is set far beyond it),
    and the run is reported as stopped by the time limit, with the best plan and bound so far."""
    spec = InstanceSpec(150, 6, 15, None, seed=7, mip_rel_gap=0.0)
    model = build_model(load_scenario(write_instance(spec, tmp_path / spec.name)))
    settings = Settings(mip_rel_gap=0.0, options={"time_limit": 1e6})
    # 2 s: time for HiGHS to reach a callback that stops it (at 0.5 s a slow root could miss it under load)
    outcome = solve_problem(ModelMatrix(model).problem, settings, time_limit_s=2.0)
    assert outcome.termination == "maxTimeLimit"
    assert "Interrupted by user" in outcome.log
    if outcome.objective is not None:
        assert outcome.bound <= outcome.objective


def test_a_run_that_does_not_stop_itself_is_stopped_at_the_deadline(tmp_path, monkeypatch):
    """Some HiGHS phases check no clock for seconds (presolve, an LP inside the MIP). Simulated here by
    moving the run's own stop far past the deadline: the run is then stopped from outside at the
    deadline, reported as stopped by the time limit, and keeps the best plan and bound it had sent."""
    monkeypatch.setattr(optimizer.highs, "handback_margin", lambda budget_s: -1e6)
    spec = InstanceSpec(150, 6, 15, None, seed=7, mip_rel_gap=0.0, time_limit_s=1.5)
    result = _solve_cut_short(tmp_path, spec, "maxTimeLimit", "time_limit_no_solution")
    assert "still running at the deadline" in result.solver_log


def test_a_child_sends_its_first_proven_bound_at_once_and_raised_bounds_at_intervals(monkeypatch):
    """A child stopped at the deadline keeps only what it sent: its first proven bound (after the root
    LP) must not wait for the next interval, and later bounds go only when raised, at most every
    BOUND_EVERY_S seconds."""
    runner = highs_run.HighsRunner(highspy.Highs())
    sent = []
    runner._emit, runner._stream = lambda kind, payload: sent.append((kind, payload)), True
    clock = iter([0.0, 0.1, 0.2, 0.3, 0.1 + highs_run.BOUND_EVERY_S])
    monkeypatch.setattr(
        highs_run, "time", SimpleNamespace(perf_counter=lambda: next(clock))
    )  # this module's clock only
    mip = highspy.cb.HighsCallbackType.kCallbackMipInterrupt
    for bound in (-math.inf, 10.0, 11.0, 11.0, 12.0):
        runner._check(
            SimpleNamespace(callback_type=mip, data_out=SimpleNamespace(mip_dual_bound=bound), interrupt=bool)
        )
    assert sent == [("bound", 10.0), ("bound", 12.0)]


def test_a_failure_in_highs_process_is_reported_with_the_plans_it_sent(tmp_path, monkeypatch):
    """If the process HiGHS runs in fails (simulated: reading its result raises, as when memory runs
    out), the solve reports the error instead of raising, and keeps any plan it had been sent."""

    def fail(self):
        raise MemoryError("simulated")

    monkeypatch.setattr(highs_run.HighsRunner, "_outcome", fail)
    spec = InstanceSpec(40, 4, 6, None, seed=8, time_limit_s=60)
    result = _solve_cut_short(tmp_path, spec, "error", "error")
    assert "HiGHS failed in its process: MemoryError('simulated')" in result.solver_log


SILENT_SOLVE = """
import sys, time
import highspy
from optimizer import load_scenario, solve
highspy.Highs.run = lambda self: time.sleep(60)  # a long phase that sends nothing, like a big presolve
solve(load_scenario(sys.argv[1]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_highs_process_does_not_outlive_a_killed_solve(tmp_path):
    """A solve killed from outside (e.g. a Dask worker killed for memory) takes its HiGHS process with
    it, even while HiGHS is in a phase that sends nothing (simulated), instead of leaving it to run to
    the solve's deadline (60 s here; the test waits at most 30 s)."""
    spec = InstanceSpec(20, 3, 4, None, seed=7, time_limit_s=60)
    folder = write_instance(spec, tmp_path / spec.name)
    solving = subprocess.Popen([sys.executable, "-c", SILENT_SOLVE, str(folder)], cwd=REPO)
    child = _wait_for(lambda: _children(solving.pid), timeout_s=60)
    assert child, "the solve started no HiGHS process"
    solving.kill()
    solving.wait()
    assert _wait_for(lambda: not _alive(child[0]), timeout_s=30)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    """Running, not gone and not a zombie waiting to be reaped."""
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" not in status.read_text()
    except FileNotFoundError:
        return False


def _wait_for(check, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result


def test_garbage_collection_resumes_after_a_solve_unless_the_caller_paused_it(tmp_path):
    """A solve pauses Python's garbage collector and resumes it, also when an inner pause ends first."""
    spec = InstanceSpec(10, 3, 3, None, seed=8)
    scenario = load_scenario(write_instance(spec, tmp_path / spec.name))
    assert gc.isenabled()
    assert solve(scenario).has_solution and gc.isenabled()
    with gc_paused():
        solve(scenario)
        assert not gc.isenabled()  # the caller's pause outlasts the solve's own
    assert gc.isenabled()
