"""What reports say, on small scenarios solved through the command line: money scaled to its size,
demand as a hard constraint, a plan across outcomes labelled as expected values in every format,
what limits a plan cited only as far as it is proven, comparison tables readable as text, and
every difference of two solves with its range."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from scenario_factory import write_scenario
from typer.testing import CliRunner

from optimizer.cli import app
from reports import report_files
from reports.deltas import render_comparison
from reports.document import Table, seconds, usd
from reports.markdown import render_markdown

runner = CliRunner()


def solve(scenario: Path, out: Path, *options: str) -> Path:
    done = runner.invoke(app, ["solve", str(scenario), "--out", str(out), "--no-export", "-q", *options])
    assert done.exit_code == 0, done.output
    return out


def rerender(run: Path) -> None:
    for name, render in report_files(run, export=False).items():
        content = render()
        (run / name).write_bytes(content) if isinstance(content, bytes) else (run / name).write_text(content)


def edit_summary(run: Path, **changes) -> dict:
    summary = json.loads((run / "summary.json").read_text()) | changes
    (run / "summary.json").write_text(json.dumps(summary))
    return summary


def page_text(run: Path) -> str:
    """report.html as text: tags dropped, entities such as &#39; read back."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", (run / "report.html").read_text()))


def html_table(run: Path, title: str, page: str = "report.html") -> pd.DataFrame:
    html = io.StringIO((run / page).read_text())
    (table,) = pd.read_html(html, attrs={"id": Table(title, pd.DataFrame()).html_id})
    return table


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """The README's tiny scenario: no unserved penalty, so demand is a hard constraint. Only b (capex 2,
    modules of 40 MW) has power in 2026, so 50 MW take two modules: 80 MW for $160, enough for 2027's
    80 MW too."""
    folder = tmp_path_factory.mktemp("tiny")
    regions = [
        {"region_id": "a", "zone_id": "PJM", "capex_usd_per_mw": 1.0, "lead_time_years": 1.0},
        {"region_id": "b", "zone_id": "ERCOT", "capex_usd_per_mw": 2.0, "module_mw": 40.0},
    ]
    scenario = write_scenario(folder / "tiny", regions, [("us", 2026, 50.0), ("us", 2027, 80.0)], last_year=2027)
    return solve(scenario, folder / "out")


def test_money_is_scaled_and_hard_demand_is_no_zero_penalty(tiny):
    """An objective of $160 is no '$0.000 bn'; with no penalty nothing is 'valued at $0'."""
    summary = json.loads((tiny / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(160) and summary["penalty_usd"] == 0
    md = (tiny / "report.md").read_text()
    assert "Objective (spend) $160;" in md
    assert "Spend $160 (discounted to 2026). Demand is a hard constraint" in md
    assert "bn" not in md and "valued at $0" not in md
    figures = html_table(tiny, "Key figures").set_index("item")["value"]
    assert figures["shortfall (demand not online)"] == "none: demand is a hard constraint"
    assert figures["objective (spend)"].startswith("$160, MIP gap")
    assert "unserved penalty on the shortfall (a valuation, not paid)" not in figures


def test_seconds_are_rounded_to_what_was_measured(tiny, tmp_path):
    assert [seconds(s) for s in (50.21409409700002, 0.04, 1.846, 0.0, 99.96, 1234.4)] == [
        "50.2", "0.04", "1.85", "0", "100", "1,234",
    ]  # fmt: skip
    run = shutil.copytree(tiny, tmp_path / "run")
    summary = json.loads((run / "summary.json").read_text())
    left_out = [{"analysis": "lead_times", "method": "MIP re-solves", "re_solved": 5, "not_run": 3}]
    edit_summary(
        run,
        solver=summary["solver"] | {"time_limit_s": 50.21409409700002},
        solve_seconds=53.322,
        time_budget=summary["time_budget"] | {"limit_s": 79.34189753200006},
        analyses=left_out,
    )
    rerender(run)
    assert "Not computed within the command's time limit of 79.3 s: 3 of 8 lead times re-solves." in page_text(run)
    solver = html_table(run, "Solver run").set_index("item")["value"]
    assert "time limit 50.2 s," in solver["solver"]
    assert solver["build / solve time (s)"].endswith("/ 53.3")
    assert "solve 53.3 s;" in (run / "report.md").read_text()


def test_the_summary_cites_no_unproven_limit_value(tiny, tmp_path):
    """limits.csv holds LP duals only. A limit the plan does not reach (890 of 900 MW) is never cited,
    however valued; a reached one is cited as an LP estimate, not a proven saving."""
    run = shutil.copytree(tiny, tmp_path / "run")
    limits = pd.DataFrame(
        {
            "level": ["zone", "zone"],
            "limit_id": ["ERCOT", "PJM"],
            "year": [2026, 2027],
            "limit_mw": [900.0, 80.0],
            "used_mw": [890.0, 80.0],
            "binding": [False, True],
            "marginal_value_usd_per_mw": [142388.0561, 2500.0],
        }
    )
    limits.to_csv(run / "limits.csv", index=False)
    rerender(run)
    text = page_text(run)
    assert "ERCOT's 2026" not in text and "$142,388" not in text
    assert (
        "PJM's 2027 zone limit, which the plan reaches, is worth about $2,500 of objective (spend and penalty "
        "together) per MW more: an LP estimate with module counts relaxed, not a proven saving." in text
    )
    assert "would lower the objective by" not in text


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> Path:
    """Two queues, a (connects at 1 per MW) and b (5 per MW), 100 MW of demand in 2027 at 10 per
    MW-year unserved; filing a request costs 1 per MW, decided now. a's queue slips past the horizon in
    one of two equally likely outcomes. Filing both is the plan: 500 expected; perfect foresight 400
    (EVPI 100); the mean-value plan files b only, 600 (VSS 100)."""
    folder = tmp_path_factory.mktemp("outcomes")
    paths = [
        {"region_id": r, "path_id": "q", "kind": "queue", "lead_time_years": 1, "max_mw": 100.0,
         "capex_usd_per_mw": capex, "request_cost_usd_per_mw": 1.0}
        for r, capex in (("a", 1.0), ("b", 5.0))
    ]  # fmt: skip
    scenario = write_scenario(
        folder / "two_queues",
        [{"region_id": r, "max_mw": 100.0} for r in ("a", "b")],
        [("d", 2027, 100.0)],
        tables={"interconnection": paths},
        last_year=2027,
        unserved_penalty_usd_per_mw_year=10.0,
    )
    slip = ["interconnection[region_id=a].lead_time_years += 1"]
    config = yaml.safe_load((scenario / "scenario.yaml").read_text())
    config["uncertainty"] = {
        "decide_now_years": 1,
        "outcomes": [{"name": "on_time", "probability": 0.5}, {"name": "slip", "probability": 0.5, "edits": slip}],
    }
    (scenario / "scenario.yaml").write_text(yaml.safe_dump(config))
    return solve(scenario, folder / "out")


def test_a_plan_across_outcomes_is_labelled_expected_in_report_md(outcomes):
    summary = json.loads((outcomes / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(500)
    md = (outcomes / "report.md").read_text()
    assert f"Expected across 2 outcomes (probability-weighted): spend {usd(summary['spend_usd'])}" in md
    assert "## Build plan (IT MW in service by year, expected across 2 outcomes)" in md
    capacity = pd.read_csv(outcomes / "capacity.csv").query("year == 2027").set_index(["region_id", "outcome"])
    assert capacity["capacity_mw"].to_dict() == {
        ("a", "on_time"): 100,
        ("a", "slip"): 0,
        ("b", "on_time"): 100,
        ("b", "slip"): 100,
    }
    plan = {
        line.split("|")[1].strip(): line.split("|")[3].strip()
        for line in md.splitlines()
        if line[:4] in ("| a ", "| b ")
    }
    assert plan == {"a": "50", "b": "100"}  # b's capex is 0: built in both outcomes, used in one
    assert "## Discounted cost by component (expected across 2 outcomes)" in md
    # the outcomes section, the same sentences and decisions table as report.html
    assert "## One plan across 2 outcomes" in md and "### What to do now" in md
    decisions = [line for line in md.splitlines() if line.startswith("| request grid MW")]
    assert [re.split(r"\s*\|\s*", line)[1:-1] for line in decisions] == [
        ["request grid MW", "a", "q", "", "100"],
        ["request grid MW", "b", "q", "", "100"],
    ]
    assert "Knowing which outcome arrives before deciding would save $100 (proven: the range the bounds" in md
    assert "re-optimised) would cost $100 more (proven: the range the bounds allow rounds to this amount)." in md
    for sentence in (
        "Knowing which outcome arrives before deciding would save $100 (proven",
        "would cost $100 more (proven",
    ):
        assert sentence in page_text(outcomes)


def test_outcome_values_say_more_and_what_was_not_computed(outcomes, tmp_path):
    """A VSS whose range contains 0 is within solver tolerance; an EVPI the run has no value for is
    named as not computed (summary.json's null), not left out."""
    run = shutil.copytree(outcomes, tmp_path / "run")
    edit_summary(run, evpi_usd=None, evpi_range_usd=None, vss_usd=5.0, vss_range_usd=[-20.0, 30.0])
    md = render_markdown(run)
    assert "Not computed for this run: the value of perfect information (EVPI)." in md
    assert "would cost between -$20 and $30 more: within solver tolerance, not a proven difference." in md
    why = "1 of 2 outcomes' own optima (perfect foresight) found no plan (maxTimeLimit)"
    edit_summary(run, evpi_not_computed=why)
    assert f"Not computed for this run: the value of perfect information (EVPI): {why}." in render_markdown(run)


def test_limits_not_valued_across_outcomes_say_why(outcomes):
    """The run used --limits (the default); the report gives summary.json's reason, not the flag."""
    reason = json.loads((outcomes / "summary.json").read_text())["analysis_skipped"]
    text = page_text(outcomes)
    assert f"Not computed for this run: {reason}." in text
    assert "solve with --limits" not in text


def test_comparison_md_prints_years_blanks_and_flags_as_text(tiny, tmp_path):
    """b at capex 3 instead of 2: 80 MW cost $240, $80 more than $160, proven at a gap of 0."""
    variant = solve(tiny.parent / "tiny", tmp_path / "variant", "--set", "regions[region_id=b].capex_usd_per_mw = 3")
    md = render_comparison(tiny, variant)
    assert "nan" not in md and "2,026" not in md and "1.0 |" not in md
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in md.splitlines()
        if line.startswith("| ")
    }
    assert rows["total"] == ["160", "240", "80", "80", "80", "no"]
    assert rows["capex"] == ["160", "240", "80", "", "", ""]
    assert rows["2026"] == ["80.0", "80.0", "50.0"] and rows["2027"] == ["80.0", "80.0", "80.0"]


def test_alternatives_give_each_plan_its_range_above_the_best_possible(tmp_path):
    """m (capex 1) is cheapest, a and b (capex 2) are the same: the optimum (m 100, 50 in a or b: 200)
    is exact (gap 0). The alternative moves 4 MW from m to a or b, the most the 2% budget (204) allows:
    4 above the best possible, proven (a range of that one value)."""
    regions = [
        {"region_id": "m", "max_mw": 100.0, "capex_usd_per_mw": 1.0},
        {"region_id": "a", "max_mw": 100.0, "capex_usd_per_mw": 2.0},
        {"region_id": "b", "max_mw": 100.0, "capex_usd_per_mw": 2.0},
    ]
    scenario = write_scenario(tmp_path / "three", regions, [("d", 2026, 150.0)])
    done = runner.invoke(app, ["alternatives", str(scenario), "--count", "1", "--out", str(tmp_path / "a")])
    assert done.exit_code == 0, done.output
    table = html_table(tmp_path / "a", "Plans within the cost budget", "alternatives.html").set_index("plan")
    alternative = json.loads((tmp_path / "a" / "alt_01" / "summary.json").read_text())
    assert table.at["alt_01", "objective"] == "$204" and table.at["alt_01", "vs optimum"] == "+2.00% (+$4)"
    assert table.at["alt_01", "above the best possible"] == "+$4 to +$4"
    assert table.at["opt", "above the best possible"] == "at most $0 (its MIP gap)"
    assert table.at["opt", "status"].startswith("optimal, gap 0%, ")
    assert table.at["alt_01", "status"].startswith(f"{alternative['status']}, score gap ")


def test_a_request_some_outcomes_use_less_of_is_a_hedge_one_all_use_alike_is_not(outcomes, tmp_path):
    """a's queue is used in one outcome and not the other, and b's the other way round: both hedges.
    c asks 124 MW and every outcome uses 100 of them: 24 MW left over alike is no hedge."""
    from reports.run import read_run
    from reports.uncertainty import _hedges

    run = shutil.copytree(outcomes, tmp_path / "run")
    requests = pd.read_csv(run / "requests.csv")
    over = requests[requests["region_id"] == "a"].assign(region_id="c", requested_mw=124.0, used_mw=100.0)
    pd.concat([requests, over]).to_csv(run / "requests.csv", index=False)
    table = _hedges(read_run(run))
    counts = table.frame.set_index("region")["outcomes using less than another"].to_dict()
    assert counts == {"a": "1", "b": "1", "c": "0"}
    assert table.note.startswith("2 of 3 requests are hedges")


def test_analyses_left_out_are_blamed_on_the_time_limit_only_when_it_stopped_them():
    """An LP ending with `error` is named by its status even under a time limit; re-solves not run and
    an LP not run are the time limit's; a null time_budget reads as none."""
    from reports.content import _not_computed

    errored = [{"analysis": "limits", "method": "LP, site choices fixed", "status": "error"}]
    left_out = [{"analysis": "lead_times", "method": "MIP re-solves", "re_solved": 5, "not_run": 3}]
    assert _not_computed({"time_budget": {"limit_s": 60.0}, "analyses": errored}) == [
        "Not computed: the LP values of limits (error)."
    ]
    assert _not_computed({"time_budget": None, "analyses": left_out + errored}) == [
        "Not computed within the command's time limit: 3 of 8 lead times re-solves. "
        "Solve with a longer --time-limit to compute them.",
        "Not computed: the LP values of limits (error).",
    ]
    not_run = [{"analysis": "limits", "method": "LP, site choices fixed", "status": "not_run"}]
    assert _not_computed({"time_budget": {"limit_s": 60.0}, "analyses": not_run})[0].startswith(
        "Not computed within the command's time limit of 60 s: the LP values of limits."
    )
