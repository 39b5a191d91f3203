"""Progress of long work: what a solve reports as it goes, and the display being off where it
should be (not a terminal, CI, --quiet)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from bench.generate import InstanceSpec, write_instance
from formulations import build_model
from optimizer import load_scenario
from optimizer.cli.progress import solving_text, wanted
from optimizer.highs import Settings, solve_problem
from optimizer.highs.progress import Solving, Step, listening, report
from optimizer.pipeline.marginals import explain_limits
from optimizer.pipeline.matrix import ModelMatrix

SPEC = InstanceSpec(30, 5, 8, None, seed=7, mip_rel_gap=0.0)


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    scenario = load_scenario(write_instance(SPEC, tmp_path_factory.mktemp("progress") / SPEC.name))
    return ModelMatrix(build_model(scenario)).problem


@pytest.mark.parametrize("time_limit_s", [None, 600.0], ids=["in_process", "in_a_child_process"])
@pytest.mark.parametrize("method", ["direct", "benders"])
def test_a_solve_reports_its_plans_and_bounds_ending_at_its_outcome(problem, time_limit_s, method):
    """Every reported bound lies below every reported plan's objective, bounds only rise, and the
    last report is the outcome's plan (a zero gap: the bound reaches it)."""
    events = []
    with listening(events.append):
        outcome = solve_problem(problem, Settings(mip_rel_gap=0.0, method=method), time_limit_s=time_limit_s)
    plans = [e.objective for e in events if e.objective is not None]
    bounds = [e.bound for e in events if e.bound is not None]
    assert plans and plans[-1] == pytest.approx(outcome.objective, rel=1e-9)
    assert max(bounds) <= min(plans) * (1 + 1e-9)
    assert bounds == sorted(bounds)


def test_nothing_listens_unless_asked(problem):
    report(Step("x", 1, 1))  # no listener: nothing happens, nothing fails
    events = []
    with listening(events.append), listening(None):
        solve_problem(problem, Settings(mip_rel_gap=0.01))
    assert events == []


def test_analysis_re_solves_report_their_steps(tmp_path):
    from scenario_factory import write_scenario
    from test_marginals import LEAD_CASE, solved

    scenario, result = solved(write_scenario(tmp_path / "case", **LEAD_CASE))
    events = []
    with listening(events.append):
        explain_limits(scenario, result, probes=("dear",))
    steps = [(e.task, e.done, e.total) for e in events if isinstance(e, Step)]
    assert steps == [("probes", 1, 1), ("lead-time re-solves", 1, 1)]
    assert all(isinstance(e, Step) for e in events)  # a re-solve's plans are not shown as the plan's


def test_the_display_is_off_when_not_on_a_terminal_in_ci_or_quiet(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    terminal = Console(file=io.StringIO(), force_terminal=True)
    assert wanted(terminal, quiet=False)
    assert not wanted(terminal, quiet=True)
    assert not wanted(Console(file=io.StringIO()), quiet=False)  # a pipe or a file
    monkeypatch.setenv("CI", "true")
    assert not wanted(terminal, quiet=False)


def test_solving_text_names_plan_bound_and_gap():
    assert solving_text(Solving(None, None)) == "solving: no plan yet"
    assert solving_text(Solving(200e9, 150e9)) == "solving: best $200.00 bn, bound $150.00 bn, gap 25%"
