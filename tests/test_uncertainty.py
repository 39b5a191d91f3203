"""One plan decided now across uncertain outcomes (optimizer/pipeline/stochastic.py): hand-computed
hedges, equality with the deterministic model where there is nothing to hedge, the value of
information and of the stochastic solution, non-anticipativity in the written tables, the
decomposition's proven bound, and bad `uncertainty:` sections."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scenario_factory import write_random_scenario, write_scenario
from typer.testing import CliRunner

from bench.generate import InstanceSpec, write_instance
from bench.stochastic_baseline import solve_plain_extensive_form
from optimizer import load_scenario, solve, write_results
from optimizer.cli import app
from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.uncertainty import deterministic, mean_value_scenario, outcome_scenarios
from optimizer.pipeline import stochastic
from optimizer.pipeline.by_outcomes import OUTCOME_GAP_SHARE, _median
from optimizer.pipeline.stochastic import DECISION_COLUMNS, OutcomeRun, decisions_now

runner = CliRunner()


def _with_uncertainty(folder: Path, section: dict) -> Path:
    config = yaml.safe_load((folder / "scenario.yaml").read_text())
    (folder / "scenario.yaml").write_text(yaml.safe_dump(config | {"uncertainty": section}))
    return folder


def _two_queues(folder: Path, section: dict) -> Path:
    """Regions a and b, free to build (no capex, lead 0), 100 MW each; 100 MW of demand in 2027 only,
    unserved at 10 per MW-year. Power only through each region's queue: a's costs 1 per MW to connect,
    b's 5; filing a request costs 1 per MW requested (paid in 2026). b's queue connects in 2027; a's does
    too if on time, but not before 2028 (past the horizon) if it slips (its lead time + 1)."""
    regions = [{"region_id": r, "max_mw": 100.0} for r in ("a", "b")]
    paths = [
        {"region_id": r, "path_id": "q", "kind": "queue", "lead_time_years": 1, "max_mw": 100.0,
         "capex_usd_per_mw": capex, "request_cost_usd_per_mw": 1.0}
        for r, capex in (("a", 1.0), ("b", 5.0))
    ]  # fmt: skip
    write_scenario(
        folder,
        regions,
        [("d", 2027, 100.0)],
        tables={"interconnection": paths},
        last_year=2027,
        unserved_penalty_usd_per_mw_year=10.0,
    )
    return _with_uncertainty(folder, section)


SLIP = ["interconnection[region_id=a].lead_time_years += 1"]
HEDGE = {"decide_now_years": 1, "outcomes": [{"name": "on_time", "probability": 0.5}, {"name": "slip", "probability": 0.5, "edits": SLIP}]}  # fmt: skip


def test_filing_both_queues_is_the_hedge_worth_its_cost(tmp_path):
    """Requests are decided now. a only: 200 on time (100 connect + 100 request), 1,100 if a slips
    (1,000 unserved + 100): 650 expected. b only: 600 either way. Both: 300 on time, 700 if a slips:
    500, the optimum. Perfect foresight: 200 and 600, so EVPI = 500 - 400 = 100. The mean-value
    scenario has a's lead time 1.5, past the horizon: it requests b only, whose 600 gives VSS = 100."""
    result = solve(load_scenario(_two_queues(tmp_path / "hedge", HEDGE)))
    summary = result.summary
    assert summary["status"] == "optimal" and summary["outcomes"] == 2
    assert summary["objective_usd"] == pytest.approx(500) and summary["expected_cost_usd"] == pytest.approx(500)
    requests = result.tables["requests"].set_index(["outcome", "region_id"])
    assert requests["requested_mw"].to_dict() == pytest.approx(
        {("on_time", "a"): 100, ("on_time", "b"): 100, ("slip", "a"): 100, ("slip", "b"): 100}
    )
    assert requests.loc[("slip", "a"), "used_mw"] == 0 and requests.loc[("on_time", "b"), "used_mw"] == 0
    paths = result.tables["capacity_by_path"].query("year == 2027").set_index(["outcome", "region_id"])["capacity_mw"]
    assert paths.to_dict() == pytest.approx(
        {("on_time", "a"): 100, ("on_time", "b"): 0, ("slip", "a"): 0, ("slip", "b"): 100}
    )
    outcomes = result.tables["outcomes"].set_index("outcome")["cost_usd"]
    assert outcomes.to_dict() == pytest.approx({"on_time": 300, "slip": 700})
    assert summary["evpi_usd"] == pytest.approx(100) and summary["evpi_range_usd"] == pytest.approx([100, 100])
    assert summary["vss_usd"] == pytest.approx(100) and summary["vss_range_usd"] == pytest.approx([100, 100])
    decisions = result.tables["decisions_now"]
    assert set(decisions.loc[decisions["decision"] == "request", "region_id"]) == {"a", "b"}
    # The extensive form started from the mean-value plan carried out (600), which HiGHS took as a plan.
    assert summary["solver"]["mip_start"] == "mean_value_plan" and summary["solver"]["mip_start_accepted"] is True
    assert summary["uncertainty"]["mean_value_start"]["objective_usd"] == pytest.approx(600)


def test_a_risk_averse_plan_files_only_the_certain_queue(tmp_path):
    """Objective CVaR at 50% alone: the worse half of the outcomes. a only: 1,100; b only: 600; both:
    700. So b only, at 600, although its expected cost (600) is above the hedge's (500)."""
    section = HEDGE | {"risk": {"cvar_alpha": 0.5, "cvar_weight": 1.0}}
    result = solve(load_scenario(_two_queues(tmp_path / "averse", section)))
    assert result.summary["objective_usd"] == pytest.approx(600)
    assert result.summary["cvar_usd"] == pytest.approx(600) and result.summary["expected_cost_usd"] == pytest.approx(
        600
    )
    requested = result.tables["requests"].groupby("region_id")["requested_mw"].max()
    assert requested.to_dict() == pytest.approx({"a": 0, "b": 100})
    # The start (the mean-value plan, b only) is this optimum; eta and u_k complete it: HiGHS takes it.
    assert result.summary["uncertainty"]["mean_value_start"]["objective_usd"] == pytest.approx(600)
    assert result.summary["solver"]["mip_start_accepted"] is True


def test_without_the_mean_value_start_the_extensive_form_reaches_the_same_optimum(tmp_path):
    result = solve(load_scenario(_two_queues(tmp_path / "plain", HEDGE | {"mean_value_start": False})))
    assert result.summary["objective_usd"] == pytest.approx(500) and result.summary["solver"]["mip_start"] is None
    assert "mean_value_start" not in result.summary["uncertainty"]


def test_one_outcome_is_the_deterministic_model(tmp_path):
    folder = write_random_scenario(tmp_path / "one", regions=8, demands=2, years=3, seed=3)
    plain = solve(load_scenario(folder))
    section = {"decide_now_years": 2, "outcomes": [{"name": "only", "probability": 1.0}]}
    single = solve(load_scenario(_with_uncertainty(folder, section)))
    assert single.summary["status"] == plain.summary["status"] == "optimal"
    assert single.summary["objective_usd"] == pytest.approx(plain.summary["objective_usd"], rel=1e-9)
    capacity = single.tables["capacity"].drop(columns="outcome")
    pd.testing.assert_frame_equal(capacity, plain.capacity, check_exact=False, atol=1e-6)


def test_outcomes_that_differ_only_later_keep_the_deterministic_plan_now(tmp_path):
    """a (capex 1) cannot build before 2027; b (capex 2) builds in 40 MW modules. 2026 needs 50 MW:
    two b modules (80 MW), which also cover any 2027 demand up to 80, so the plan decided in 2026 is the
    same whatever 2027 brings (and equals the deterministic plan)."""
    regions = [
        {"region_id": "a", "max_mw": 100.0, "capex_usd_per_mw": 1.0, "lead_time_years": 1.0},
        {"region_id": "b", "max_mw": 100.0, "capex_usd_per_mw": 2.0, "module_mw": 40.0},
    ]
    folder = write_scenario(tmp_path / "later", regions, [("us", 2026, 50.0), ("us", 2027, 80.0)], last_year=2027)
    plain = solve(load_scenario(folder))
    later = [
        {"name": f"d{mw}", "probability": p, "edits": [f"demand[year=2027].mw = {mw}"]}
        for mw, p in ((80, 0.5), (75, 0.3), (70, 0.2))
    ]
    result = solve(load_scenario(_with_uncertainty(folder, {"decide_now_years": 1, "outcomes": later})))
    assert result.summary["status"] == "optimal"
    now = result.tables["capacity"].query("year == 2026")
    assert set(now["outcome"]) == {"d80", "d75", "d70"}
    for _, rows in now.groupby("outcome"):
        expected = plain.capacity.query("year == 2026").set_index("region_id")["capacity_mw"]
        assert rows.set_index("region_id")["capacity_mw"].to_dict() == pytest.approx(expected.to_dict())


def _slips(folder: Path, count: int, decide: int = 2, method: str = "auto") -> Path:
    draws = [{"edit": "regions[region_id={key}].lead_time_years += {value}", "for_each": "regions.region_id",
              "distribution": "integers", "args": [0, 2]}]  # fmt: skip
    section = {"decide_now_years": decide, "samples": {"count": count, "seed": 5, "draws": draws}, "method": method}
    return _with_uncertainty(folder, section)


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    """A random 10-region scenario over 4 years with 4 sampled outcomes of per-region slips of 0-1 years."""
    folder = write_random_scenario(tmp_path_factory.mktemp("sampled") / "s", regions=10, demands=2, years=4, seed=11)
    scenario = load_scenario(_slips(folder, 4))
    return scenario, solve(scenario)


def test_decisions_made_now_are_the_same_in_every_outcome(sampled, tmp_path):
    """In the written capacity.csv, MW in the decided-now years agree across outcomes (later years may
    differ: see the hedge, where 2027's connections follow the outcome)."""
    _, result = sampled
    assert result.summary["status"] == "optimal" and result.summary["outcomes"] == 4
    write_results(result, tmp_path / "run")
    table = pd.read_csv(tmp_path / "run" / "capacity.csv")
    by_outcome = table.pivot_table(index=["region_id", "year"], columns="outcome", values="capacity_mw")
    spread = by_outcome.max(axis=1) - by_outcome.min(axis=1)
    assert spread[spread.index.get_level_values("year") <= 2027].max() <= 1e-6


def test_evpi_and_vss_are_not_negative_beyond_the_gaps(sampled):
    _, result = sampled
    summary = result.summary
    for key in ("evpi", "vss"):
        low, high = summary[f"{key}_range_usd"]
        assert low <= summary[f"{key}_usd"] <= high
        assert high >= 0, key  # the true value lies in [low, high] and is >= 0


def test_a_decided_now_build_is_possible_in_every_outcome(sampled):
    """No region holds capacity in a decided-now year before the latest first build year among the
    outcomes (their lead times)."""
    scenario, result = sampled
    from optimizer.inputs.uncertainty import outcome_scenarios

    latest = pd.concat(
        [s.regions.set_index("region_id")["lead_time_years"] for _, s in outcome_scenarios(scenario)], axis=1
    ).max(axis=1)
    capacity = result.tables["capacity"]
    held = capacity[(capacity["year"] <= 2027) & (capacity["capacity_mw"] > 0)]
    assert (held["year"].to_numpy() >= 2026 + latest.reindex(held["region_id"]).to_numpy()).all()


def test_the_decomposition_proves_a_bound_below_the_extensive_forms_optimum(tmp_path):
    folder = write_random_scenario(tmp_path / "d", regions=10, demands=2, years=4, seed=11)
    exact = solve(load_scenario(_slips(folder, 4)))
    split = solve(load_scenario(_slips(folder, 4, method="decomposition")))
    summary = split.summary
    assert summary["solver"]["method"] == "by_outcomes" and summary["status"] in ("optimal", "feasible")
    optimum = exact.summary["objective_usd"]
    assert summary["best_bound_usd"] <= optimum * (1 + 1e-9) <= summary["objective_usd"] * (1 + 2e-9)
    costs = split.tables["outcomes"]
    assert (costs["probability"] * costs["cost_usd"]).sum() == pytest.approx(summary["objective_usd"], rel=1e-9)
    gap = summary["solver"]["mip_rel_gap"]  # outcomes are solved finer, so that the plan can meet it
    assert summary["uncertainty"]["outcome_mip_rel_gap"] == pytest.approx(OUTCOME_GAP_SHARE * gap)
    if summary["status"] == "optimal":
        assert summary["mip_gap"] <= gap + 1e-9  # by_outcomes.GAP_TOLERANCE: round-off


def test_auto_solves_by_outcomes_where_the_extensive_form_would_not_fit_in_memory(tmp_path, monkeypatch):
    from optimizer.pipeline import stochastic

    scenario = load_scenario(_slips(write_random_scenario(tmp_path / "m", regions=6, demands=2, years=3, seed=5), 3))
    whole = solve(scenario).summary
    assert whole["solver"]["method"] == "extensive_form" and whole["uncertainty"]["by_outcomes_because"] is None
    monkeypatch.setattr(stochastic, "available_memory_bytes", lambda: 0.0)
    result = solve(scenario)
    summary = result.summary
    assert summary["solver"]["method"] == "by_outcomes" and summary["status"] == "optimal"
    assert summary["uncertainty"]["method_asked"] == "auto"
    assert "GB, 0.0 GB available" in summary["uncertainty"]["by_outcomes_because"]
    from reports.content import provenance_table
    from reports.run import read_run

    solver_row = provenance_table(read_run(write_results(result, tmp_path / "out"))).frame.set_index("item")
    assert "by outcomes (the extensive form (" in solver_row.loc["solver", "value"]  # the report says why


def test_solved_by_outcomes_in_one_process_the_command_points_to_workers(tmp_path, monkeypatch):
    folder = write_random_scenario(tmp_path / "d", regions=6, demands=2, years=3, seed=4)
    monkeypatch.setattr("optimizer.cli.runs.cores", lambda: 3)
    done = runner.invoke(app, ["solve", str(_slips(folder, 2, method="decomposition")), "--out", str(tmp_path / "o")])
    assert done.exit_code == 0, done.output
    assert "solved one at a time; --workers 2 solves 2 at once" in done.output  # 2 outcomes on 3 cores


def test_a_plan_that_builds_nothing_now_has_no_decisions_now():
    """E.g. a plan found at a time limit that leaves all demand unserved."""
    capacity = pd.DataFrame(
        {"outcome": ["o"], "region_id": ["a"], "year": [2026], "capacity_mw": [0.0], "added_mw": [0.0]}
    )
    frame = decisions_now({"capacity": capacity}, {2026})
    assert frame.empty and list(frame.columns) == DECISION_COLUMNS


def test_the_median_plan_is_taken_over_the_outcomes_that_have_one():
    """The second outcome stopped without a plan; the others hold 0.2, 0.3 and 0.5 of the rest's
    probability. x's values 1, 3, 2 have their median at 2 (1 if the missing plan counted as 0s), y's
    0, 1, 1 at 1."""
    runs = [
        OutcomeRun("feasible", 1.0, 0.0, {"x": 1.0, "y": 0.0}, 0.0),
        OutcomeRun("time_limit_no_solution", None, 0.0, {}, 0.0),
        OutcomeRun("feasible", 1.0, 0.0, {"x": 3.0, "y": 1.0}, 0.0),
        OutcomeRun("feasible", 1.0, 0.0, {"x": 2.0, "y": 1.0}, 0.0),
    ]
    probabilities = np.array([0.12, 0.4, 0.18, 0.3])
    assert _median(runs, probabilities) == {"x": 2.0, "y": 1.0}


def test_the_command_writes_the_plan_across_outcomes(tmp_path):
    folder = _two_queues(tmp_path / "cli", HEDGE)
    done = runner.invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    out = tmp_path / "out"
    assert json.loads((out / "summary.json").read_text())["analysis_skipped"]
    assert pd.read_csv(out / "capacity.csv").columns[0] == "outcome"
    assert set(pd.read_csv(out / "outcomes.csv")["outcome"]) == {"on_time", "slip"}
    assert "One plan across 2 outcomes" in (out / "report.html").read_text()


def test_a_flag_takes_its_most_probable_value_in_the_mean_value_scenario(tmp_path):
    """A 0/1 flag that differs between the outcomes is no average (0.6 is no valid input) but the value
    of greater probability. On time (0.4): 300 with both requests, 200 with a's only; slip (0.6): 700,
    and 600 with b's only. Both: 540, the optimum; EVPI = 540 - (0.4 x 200 + 0.6 x 600) = 100. The
    mean-value scenario has a's lead time 1.6 (the model rounds it up to 2), past the horizon: b only, 600, VSS = 60."""
    flag = "interconnection[region_id=a].releasable = {}"
    section = HEDGE | {"outcomes": [
        {"name": "on_time", "probability": 0.4, "edits": [flag.format(0)]},
        {"name": "slip", "probability": 0.6, "edits": [*SLIP, flag.format(1)]},
    ]}  # fmt: skip
    scenario = load_scenario(_two_queues(tmp_path / "flag", section))
    mean = mean_value_scenario(scenario, outcome_scenarios(scenario)).tables()["interconnection"]
    assert mean.set_index("region_id").loc["a", ["releasable", "lead_time_years"]].tolist() == pytest.approx([1.0, 1.6])
    summary = solve(scenario).summary
    assert summary["status"] == "optimal" and summary["objective_usd"] == pytest.approx(540)
    assert summary["solver"]["mip_start"] == "mean_value_plan"
    assert summary["vss_usd"] == pytest.approx(60) and summary["evpi_usd"] == pytest.approx(100)


def test_without_a_valid_mean_value_scenario_there_is_no_start_and_no_vss(tmp_path, monkeypatch):
    """Where the averaged inputs are no valid scenario the extensive form is solved without the start
    (the same optimum, 500) and the VSS is not given, with no error."""

    def invalid(scenario, pairs):
        raise ScenarioError("interconnection.csv", ["row 1, column releasable: 0 or 1"])

    monkeypatch.setattr(stochastic, "mean_value_scenario", invalid)
    summary = solve(load_scenario(_two_queues(tmp_path / "invalid", HEDGE))).summary
    assert summary["status"] == "optimal" and summary["objective_usd"] == pytest.approx(500)
    assert summary["solver"]["mip_start"] is None
    assert summary["uncertainty"]["mean_value_start"]["mean_value_termination"] == "error"
    assert summary["vss_usd"] is None and summary["vss_range_usd"] is None
    assert summary["vss_not_computed"] == "the mean-value scenario had no plan (error)"
    assert summary["evpi_usd"] == pytest.approx(100) and "evpi_not_computed" not in summary


def test_an_evpi_not_computed_says_why(tmp_path, monkeypatch):
    """Where an outcome's own optimum is not found (here: the first, as if at the time limit), the
    EVPI is not given and the summary says how many were missing; the VSS is still computed."""
    own_optima = stochastic.run_all

    def first_unsolved(tasks, executor, function=None):
        runs = own_optima(tasks, executor, function)
        if function is None and not tasks[0].bounds:  # the wait-and-see runs: nothing fixed
            runs[0] = stochastic.OutcomeRun("maxTimeLimit", None, None, {}, 0.0)
        return runs

    monkeypatch.setattr(stochastic, "run_all", first_unsolved)
    summary = solve(load_scenario(_two_queues(tmp_path / "late", HEDGE))).summary
    assert summary["evpi_usd"] is None and summary["evpi_range_usd"] is None
    assert (
        summary["evpi_not_computed"] == "1 of 2 outcomes' own optima (perfect foresight) found no plan (maxTimeLimit)"
    )
    assert summary["vss_usd"] == pytest.approx(100) and "vss_not_computed" not in summary


def test_a_risk_averse_start_is_taken_at_realistic_costs(tmp_path):
    """With a CVaR weight the start also sets eta and u_k; at costs of this size (1e8-1e10 USD) the
    rows u_k + eta >= cost_k must still hold within HiGHS's tolerance for it to take the start."""
    folder = write_random_scenario(tmp_path / "cvar", regions=10, demands=2, years=4, seed=11)
    scenario = load_scenario(_slips(folder, 4))
    section = scenario.config.uncertainty.model_dump(mode="json") | {"risk": {"cvar_alpha": 0.75, "cvar_weight": 0.5}}
    result = solve(load_scenario(_with_uncertainty(folder, section)))
    assert result.summary["solver"]["mip_start"] == "mean_value_plan"
    assert result.summary["objective_usd"] > 1e8
    assert result.summary["solver"]["mip_start_accepted"] is True
    assert result.summary["objective_usd"] <= result.summary["uncertainty"]["mean_value_start"]["objective_usd"] + 1e-6


def test_the_mean_value_start_is_carried_out_on_dask_workers(tmp_path):
    """With --workers the start's outcome solves run on Dask workers (their problems travel to them):
    the same start (600) and optimum (500) as in one process."""
    folder = _two_queues(tmp_path / "workers", HEDGE)
    gridsite = Path(sys.executable).parent / "gridsite"
    command = [str(gridsite), "solve", str(folder), "--out", str(tmp_path / "out"), "--no-report", "--workers", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(500) and summary["solver"]["mip_start"] == "mean_value_plan"
    assert summary["uncertainty"]["mean_value_start"]["objective_usd"] == pytest.approx(600)


@pytest.mark.parametrize(
    "section, expected",
    [
        ({"outcomes": [{"name": "x", "probability": 0.6}]}, "probabilities must sum to 1"),
        (
            {"outcomes": [{"name": "x", "probability": 0.5}, {"name": "x", "probability": 0.5}]},
            "outcome names must be unique",
        ),
        ({"outcomes": [{"name": "x", "probability": 0}]}, "key uncertainty.outcomes.0.probability"),
        ({"outcomes": [{"name": "x", "probability": 1, "edits": ["regions.nope = 1"]}]}, "outcome x"),
        (
            {"outcomes": [{"name": "x", "probability": 1, "edits": ["demand.demand_id = e"]}]},
            "change the ids",
        ),
        ({"decide_now_years": 5, "outcomes": [{"name": "x", "probability": 1}]}, "exceeds the horizon"),
        ({"outcomes": [{"name": "x", "probability": 1}], "shape": 2}, "key uncertainty.shape: unknown key"),
        ({}, "expected outcomes, samples, or both"),
    ],
)
def test_a_bad_uncertainty_section_exits_2_naming_the_key(tmp_path, section, expected):
    folder = _two_queues(tmp_path / "bad", section)
    done = runner.invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out")])
    assert done.exit_code == 2 and expected in done.output, done.output
    assert not (tmp_path / "out").exists()


def test_a_scenario_without_uncertainty_is_unchanged_by_the_section_being_removed(tmp_path):
    scenario = load_scenario(_two_queues(tmp_path / "plain", HEDGE))
    plain = deterministic(scenario)
    assert plain.config.uncertainty is None and solve(plain).summary["objective_usd"] == pytest.approx(200)


@pytest.mark.parametrize("radius", [None, 900.0])
def test_the_extensive_form_equals_a_plain_one_written_independently(tmp_path, radius):
    """bench/stochastic_baseline.py: per-outcome copies of the core model tied by equality rows, built
    in highspy without Pyomo. Both solved to a zero gap reach the same optimum."""
    spec = InstanceSpec(12, 4, 3, radius, seed=4, mip_rel_gap=0.0)
    scenario = load_scenario(_slips(write_instance(spec, tmp_path / spec.name), 3))
    ours = solve(scenario)
    plain = solve_plain_extensive_form(scenario)
    assert ours.summary["status"] == "optimal" and plain["termination"] == "kOptimal"
    assert ours.summary["objective_usd"] == pytest.approx(plain["objective_usd"], rel=1e-7)


def test_whatif_compares_two_plans_across_outcomes_by_their_expected_values(tmp_path):
    """Base: the hedge, 500 expected. Variant: b's connection at 3 per MW instead of 5, so the hedge
    costs 300 on time and 500 if a slips: 400. The comparison holds expected values: -100."""
    folder = _two_queues(tmp_path / "base", HEDGE)
    edit = "interconnection[region_id=b].capex_usd_per_mw = 3"
    done = runner.invoke(
        app, ["whatif", str(folder), "--set", edit, "--name", "cheaper_b", "--out", str(tmp_path / "w")]
    )
    assert done.exit_code == 0, done.output
    costs = pd.read_csv(tmp_path / "w" / "cheaper_b" / "cost_delta.csv").set_index("component")
    assert costs.at["total", "base_usd"] == pytest.approx(500)
    assert costs.at["total", "delta_usd"] == pytest.approx(-100)


def test_a_stored_plan_across_outcomes_is_shown_by_its_expected_values(tmp_path):
    from optimizer.studies import store

    result = solve(load_scenario(_two_queues(tmp_path / "s", HEDGE)))
    store.record(tmp_path / "runs.duckdb", "hedge", "sweep", [], result)
    done = runner.invoke(app, ["runs", "show", "hedge", "--store", str(tmp_path / "runs.duckdb")])
    assert done.exit_code == 0, done.output
    assert "expected over the run's outcomes" in done.output
    interconnection = [line.split("|")[2] for line in done.output.splitlines() if line.startswith("| interconnection")]
    assert [float(cell) for cell in interconnection] == [300]  # 0.5 x 100 (a on time) + 0.5 x 500 (b)
