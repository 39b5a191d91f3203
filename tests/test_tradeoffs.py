"""Near-optimal alternatives (optimizer/studies/alternatives.py) and Pareto fronts
(optimizer/studies/pareto.py), on hand-computed cases and through the command line."""

from __future__ import annotations

import io
import itertools
import json

import pandas as pd
import pytest
from scenario_factory import write_scenario
from typer.testing import CliRunner

from optimizer import load_scenario
from optimizer.cli import app
from optimizer.studies.alternatives import find_alternatives
from optimizer.studies.pareto import pareto_front
from reports.document import Table
from reports.tolerance import Difference, objective_difference
from reports.tradeoffs import ROLE_WORDS

runner = CliRunner()


@pytest.fixture
def three_sites(tmp_path):
    """150 MW of demand in one year. m (capex 1, 100 MW) is cheapest; a and b (capex 2, 100 MW each)
    are the same; c (capex 10) is dear. Optimum: m 100 + 50 in a or b = 200. Within 2% (204) every
    plan keeps at least 96 MW in m (each MW moved from m to a or b costs 1 more) and puts the rest
    in a or b; c never fits (each MW of it costs 8 more)."""
    regions = [
        {"region_id": "m", "max_mw": 100.0, "capex_usd_per_mw": 1.0},
        {"region_id": "a", "max_mw": 100.0, "capex_usd_per_mw": 2.0},
        {"region_id": "b", "max_mw": 100.0, "capex_usd_per_mw": 2.0},
        {"region_id": "c", "max_mw": 100.0, "capex_usd_per_mw": 10.0},
    ]
    return write_scenario(tmp_path / "three", regions, [("d", 2026, 150.0)])


def test_alternatives_stay_within_slack_of_the_bound_and_differ(three_sites):
    found = find_alternatives(load_scenario(three_sites), slack=0.02, count=3)
    plans = found.plans
    assert plans["opt"].summary["objective_usd"] == pytest.approx(200)
    assert len(plans) >= 2  # a second plan: the 50 MW in the other one of a and b
    for name, result in plans.items():
        assert result.summary["status"] in ("optimal", "feasible"), name
        assert result.summary["objective_usd"] <= 1.02 * plans["opt"].summary["best_bound_usd"] + 1e-6
        served = result.service["mw"].sum()
        assert served == pytest.approx(150)  # every plan is a plan: demand met
    capacity = {name: result.capacity.set_index("region_id")["capacity_mw"] for name, result in plans.items()}
    for one, other in itertools.combinations(capacity, 2):
        assert (capacity[one] - capacity[other]).abs().max() >= 1.0, (one, other)
    table = found.table.set_index("alternative")
    assert (table["cost_vs_optimum"] <= 0.02 + 1e-9).all()


def test_interchangeable_must_have_and_never_sites(three_sites):
    found = find_alternatives(load_scenario(three_sites), slack=0.02, count=2)
    roles = found.ranges.set_index("region_id")["role"].to_dict()
    assert roles == {"m": "must_have", "a": "interchangeable", "b": "interchangeable", "c": "never"}
    ranges = found.ranges.set_index("region_id")
    assert ranges.at["m", "min_mw"] >= 96 - 1e-6
    assert ranges.at["a", "min_mw"] == pytest.approx(0) and ranges.at["b", "min_mw"] == pytest.approx(0)


@pytest.fixture
def clean_or_dirty(tmp_path):
    """100 MW for one year from clean (capex 3, no emissions) or dirty (capex 1, 1,000 kg/MWh, so
    8,760 t per MW-year at a load factor of 1). Serving c MW clean: cost 100 + 2c, carbon
    8,760 (100 - c). The front is the line cost = 300 - carbon / 4,380."""
    regions = [
        {"region_id": "clean", "max_mw": 100.0, "capex_usd_per_mw": 3.0},
        {"region_id": "dirty", "max_mw": 100.0, "capex_usd_per_mw": 1.0, "emission_kg_per_mwh": 1000.0},
    ]
    return write_scenario(tmp_path / "cd", regions, [("d", 2026, 100.0)])


def test_a_pareto_front_with_a_known_trade_off(clean_or_dirty):
    front = pareto_front(load_scenario(clean_or_dirty), ["cost", "carbon"], points=4)
    table = front.table.sort_values("carbon_t", ascending=False)
    assert table["carbon_t"].tolist() == pytest.approx([876_000, 584_000, 292_000, 0], abs=1e-3)
    assert table["cost_usd"].tolist() == pytest.approx([100, 100 + 200 / 3, 100 + 400 / 3, 300], abs=1e-6)


def test_pareto_points_are_non_dominated_and_monotone(clean_or_dirty):
    table = pareto_front(load_scenario(clean_or_dirty), ["cost", "carbon"], points=5).table
    values = table[["cost_usd", "carbon_t"]].to_numpy()
    for i, j in itertools.permutations(range(len(values)), 2):
        assert not ((values[j] <= values[i]).all() and (values[j] < values[i]).any()), (i, j)
    ordered = table.sort_values("carbon_t")
    assert ordered["cost_usd"].is_monotonic_decreasing


def test_the_commands_write_their_tables_and_a_run_folder_per_plan(three_sites, clean_or_dirty, tmp_path):
    done = runner.invoke(
        app, ["alternatives", str(three_sites), "--count", "1", "--no-report", "--out", str(tmp_path / "a")]
    )
    assert done.exit_code == 0, done.output
    assert set(pd.read_csv(tmp_path / "a" / "alternatives.csv")["alternative"]) == {"opt", "alt_01"}
    assert (tmp_path / "a" / "alt_01" / "capacity.csv").is_file() and (tmp_path / "a" / "sites_range.csv").is_file()
    done = runner.invoke(app, ["pareto", str(clean_or_dirty), "--objectives", "cost,carbon", "--points", "3",
                               "--no-report", "--out", str(tmp_path / "p")])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert len(pd.read_csv(tmp_path / "p" / "pareto.csv")) == 3


def test_alternatives_csv_says_how_each_plan_was_solved_and_the_range_of_its_cost(three_sites):
    found = find_alternatives(load_scenario(three_sites), slack=0.02, count=2)
    optimum = found.plans["opt"].summary
    for row in found.table.itertuples():
        summary = found.plans[row.alternative].summary
        searched = summary.get("alternative")  # an alternative's own solve minimised its score, not cost
        assert row.status == summary["status"] and row.solve_seconds == summary["solve_seconds"]
        assert row.solve_gap == (summary["mip_gap"] if searched is None else searched["score_gap"])
        # Its cost is exact; the optimum's true cost lies between its bound and its objective.
        assert row.cost_vs_optimum_usd == pytest.approx(row.objective_usd - optimum["objective_usd"])
        assert [row.cost_vs_optimum_low_usd, row.cost_vs_optimum_high_usd] == pytest.approx(
            [row.objective_usd - optimum["objective_usd"], row.objective_usd - optimum["best_bound_usd"]], abs=1e-6
        )
    # By hand: the optimum (200) is proven, its bound 200; each alternative moves 4 MW from m to a or b
    # (the most the 2% budget, 204, allows), so it costs 4 more, a range of that one point, not within
    # tolerance. The optimum's row, compared with itself, has no verdict.
    table = found.table.set_index("alternative")
    assert table.at["opt", "within_tolerance"] is None
    assert table.loc["opt", ["cost_vs_optimum_low_usd", "cost_vs_optimum_high_usd"]].tolist() == pytest.approx(
        [0, 0], abs=1e-6
    )
    alternatives = table.drop(index="opt")
    assert alternatives["objective_usd"].tolist() == pytest.approx([204, 204])
    ranges = alternatives[["cost_vs_optimum_low_usd", "cost_vs_optimum_high_usd"]].to_numpy().ravel()
    assert ranges.tolist() == pytest.approx([4] * 4) and alternatives["within_tolerance"].tolist() == [False, False]
    # The same from the plans' summaries, as a store or a comparison of run folders reads them: an
    # alternative's cost is exact, so it is 4 more than the optimum, not within tolerance of it.
    for name in alternatives.index:
        summary = found.plans[name].summary
        assert summary["best_bound_usd"] == summary["objective_usd"] and summary["mip_gap"] == 0
        assert summary["alternative"]["optimum_bound_usd"] == pytest.approx(200)
        assert summary["alternative"]["above_optimum_bound"] == pytest.approx(4 / 204)
        difference = objective_difference(summary, optimum)
        assert [difference.low, difference.high] == pytest.approx([4, 4]) and not difference.within_tolerance


def test_alternatives_print_each_plan_s_spend_solve_and_cost_range(three_sites, tmp_path):
    """Under --time-limit; the table is whole on a pipe (no wrapped lines)."""
    out = tmp_path / "a"
    invoked = ["alternatives", str(three_sites), "--count", "2", "--no-report", "--time-limit", "60", "--out", str(out)]
    done = runner.invoke(app, invoked)
    assert done.exit_code == 0, done.output
    plans = pd.read_csv(out / "alternatives.csv")
    shown = markdown_rows(done.output)
    assert [row["plan"] for row in shown] == plans["alternative"].tolist()
    for row, plan in zip(shown, plans.itertuples()):
        # demand is a hard constraint here: no penalty
        assert row["spend"] == f"${plan.objective_usd:,.0f}" and row["unserved penalty (valuation)"] == "none"
        assert row["status"] == plan.status and row["gap (opt: cost; alt: score)"] == "0%"
        if plan.alternative != "opt":
            difference = Difference(
                plan.cost_vs_optimum_usd, plan.cost_vs_optimum_low_usd, plan.cost_vs_optimum_high_usd
            )
            assert row["vs optimum"] == f"{plan.cost_vs_optimum:+.2%}: {difference.describe()}"
    summary = json.loads((out / "opt" / "summary.json").read_text())
    assert 0 < summary["solver"]["time_limit_s"] <= 60
    # the inputs saved beside the plan are those asked for (60 s), and reload to the plan's input hash
    saved = load_scenario(out / "opt" / "inputs")
    assert saved.config.solver.time_limit_s == 60 and saved.input_hash() == summary["input_hash"]


def test_pareto_prints_spend_and_penalty_apart_with_each_point_s_solve(tmp_path):
    """clean (capex 30, above the penalty of 10 per MW-year) or dirty (capex 1, 8,760 t per MW-year):
    the cheapest point builds dirty (spend 100); carbon capped at half leaves 50 MW unserved (spend
    50, penalty 500); no carbon leaves all 100 MW unserved (penalty 1,000)."""
    regions = [
        {"region_id": "clean", "max_mw": 100.0, "capex_usd_per_mw": 30.0},
        {"region_id": "dirty", "max_mw": 100.0, "capex_usd_per_mw": 1.0, "emission_kg_per_mwh": 1000.0},
    ]
    scenario = write_scenario(tmp_path / "s", regions, [("d", 2026, 100.0)], unserved_penalty_usd_per_mw_year=10.0)
    out = tmp_path / "p"
    invoked = ["pareto", str(scenario), "--objectives", "cost,carbon", "--points", "3", "--no-report",
               "--time-limit", "60", "--out", str(out)]  # fmt: skip
    done = runner.invoke(app, invoked)
    assert done.exit_code == 0, done.output
    shown = markdown_rows(done.output)
    split = [(row["cost"], row["spend"], row["unserved penalty (valuation)"]) for row in shown]
    assert split == [("$100", "$100", "$0"), ("$550", "$50", "$500"), ("$1,000", "$0", "$1,000")]
    front = pd.read_csv(out / "pareto.csv")
    assert front["mip_gap"].tolist() == pytest.approx([0, 0, 0], abs=1e-12)  # each point proven optimal
    assert [row["gap"] for row in shown] == ["0%"] * 3
    assert [row["status"] for row in shown] == front["status"].tolist()
    assert 0 < json.loads((out / "point_01" / "summary.json").read_text())["solver"]["time_limit_s"] <= 60


def test_a_time_limit_that_is_no_positive_number_exits_2(clean_or_dirty, tmp_path):
    for command in (["alternatives"], ["pareto", "--objectives", "cost,carbon"]):
        done = runner.invoke(app, [*command, str(clean_or_dirty), "--time-limit", "0", "--out", str(tmp_path / "x")])
        assert done.exit_code == 2 and "time_limit_s: Input should be greater than 0" in done.output
        assert not (tmp_path / "x").exists()


def test_a_goal_the_scenario_lacks_exits_2(three_sites, tmp_path):
    done = runner.invoke(app, ["pareto", str(three_sites), "--objectives", "cost,carbon", "--out", str(tmp_path / "p")])
    assert done.exit_code == 2 and "carbon: not a goal of this scenario" in done.output


def test_the_studies_write_their_reports_from_their_tables(three_sites, clean_or_dirty, tmp_path):
    """alternatives.html lists every plan of alternatives.csv and each region's last-year role from
    sites_range.csv; pareto.html labels every point of pareto.csv with its goal value."""
    done = runner.invoke(app, ["alternatives", str(three_sites), "--count", "2", "--out", str(tmp_path / "a")])
    assert done.exit_code == 0, done.output
    plans = pd.read_csv(tmp_path / "a" / "alternatives.csv")
    shown = html_table(tmp_path / "a" / "alternatives.html", "Plans within the cost budget")
    assert shown["plan"].tolist() == plans["alternative"].tolist()
    roles = pd.read_csv(tmp_path / "a" / "sites_range.csv").set_index("region_id")["role"]
    table = html_table(tmp_path / "a" / "alternatives.html", "Regions by role").set_index("region")["role"]
    assert table.to_dict() == roles.map(ROLE_WORDS).to_dict()  # one year: m must-have, a and b interchangeable
    assert (tmp_path / "a" / "alternatives.pdf").read_bytes().startswith(b"%PDF")

    done = runner.invoke(app, ["pareto", str(clean_or_dirty), "--objectives", "cost,carbon", "--points", "3",
                               "--out", str(tmp_path / "p")])  # fmt: skip
    assert done.exit_code == 0, done.output
    front = pd.read_csv(tmp_path / "p" / "pareto.csv")
    points = html_table(tmp_path / "p" / "pareto.html", "Points on the front")
    assert points["point"].tolist() == front["point"].tolist()
    assert points["emissions (t)"].tolist() == front["carbon_t"].round().tolist()
    assert "data:image/png;base64," in (tmp_path / "p" / "pareto.html").read_text()


def markdown_rows(output: str) -> list[dict[str, str]]:
    """The rows of the Markdown table a command printed, as column -> cell."""
    lines = [[cell.strip() for cell in line.split("|")[1:-1]] for line in output.splitlines() if line.startswith("|")]
    header, _, *rows = lines
    return [dict(zip(header, row, strict=True)) for row in rows]


def html_table(page, title: str) -> pd.DataFrame:
    (table,) = pd.read_html(io.StringIO(page.read_text()), attrs={"id": Table(title, pd.DataFrame()).html_id})
    return table
