"""The `gridsite` command: outputs, summary keys, exit codes, and atomic, non-stale writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from scenario_factory import write_scenario
from typer.testing import CliRunner

from optimizer.cli import app

runner = CliRunner()

SUMMARY_KEYS = {
    "status",
    "objective_usd",
    "mip_gap",
    "best_bound_usd",
    "build_seconds",
    "solve_seconds",
    "solver",
    "versions",
    "input_hash",
    "message",
}


@pytest.fixture
def tiny(tmp_path) -> Path:
    """a (capex 1, lead 1 yr) and b (capex 2, modules of 40 MW); 50 then 80 MW."""
    return write_scenario(
        tmp_path / "tiny",
        regions=[
            {"region_id": "a", "capex_usd_per_mw": 1, "lead_time_years": 1, "lat": 39.0, "lon": -77.5},
            {"region_id": "b", "capex_usd_per_mw": 2, "module_mw": 40, "lat": 32.9, "lon": -97.0},
        ],
        demand=[("us", 2026, 50), ("us", 2027, 80)],
        last_year=2027,
    )


def test_solve_writes_every_result_file(tiny, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    # 2026: 50 MW only from b, in whole modules: 80 MW at capex 2 = 160; 2027 needs nothing more.
    assert summary["status"] == "optimal"
    assert summary["objective_usd"] == pytest.approx(160)
    assert summary["solver"]["name"] == "HiGHS" and summary["versions"]["pyomo"]
    assert len(summary["input_hash"]) == 64
    capacity = pd.read_csv(out / "capacity.csv")
    assert list(capacity.columns) == ["region_id", "year", "added_mw", "capacity_mw"]
    assert len(capacity) == 4
    assert list(pd.read_csv(out / "service.csv").columns) == ["demand_id", "region_id", "year", "mw"]
    assert list(pd.read_csv(out / "unserved.csv").columns) == ["demand_id", "year", "mw"]
    sites = json.loads((out / "sites.geojson").read_text())
    assert {f["properties"]["region_id"] for f in sites["features"]} == {"a", "b"}
    b = next(f for f in sites["features"] if f["properties"]["region_id"] == "b")
    assert b["geometry"]["coordinates"] == pytest.approx([-97.0, 32.9])
    assert b["properties"]["capacity_mw_2027"] == pytest.approx(80) and b["properties"]["built"] is True
    assert "optimal" in (out / "report.md").read_text()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_the_summary_shows_spend_and_the_unserved_penalty_apart(tmp_path):
    """a holds 30 MW (capex 1) of the 50 MW demanded; the other 20 MW are valued at 100 per MW-year:
    spend 30, penalty 2,000, objective 2,030."""
    short = write_scenario(
        tmp_path / "short",
        regions=[{"region_id": "a", "max_mw": 30.0, "capex_usd_per_mw": 1.0}],
        demand=[("us", 2026, 50.0)],
        unserved_penalty_usd_per_mw_year=100.0,
    )
    result = runner.invoke(app, ["solve", str(short), "--out", str(tmp_path / "out"), "--no-report", "--no-export"])
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip() for line in result.output.splitlines() if "│" in line
    }
    assert rows["objective"] == "$2,030 (spend + unserved penalty)"
    assert rows["spend"] == "$30 (discounted): what the plan pays"
    assert rows["unserved penalty"] == "$2,000: a valuation of 20 MW-years of demand not online, not money paid"
    assert rows["MIP gap"] == "0%"


def test_the_summary_of_hard_demand_says_so_instead_of_a_penalty(tmp_path):
    """No unserved penalty: a serves all 30 MW demanded (capex 1), spend and objective 30."""
    hard = write_scenario(
        tmp_path / "hard",
        regions=[{"region_id": "a", "max_mw": 30.0, "capex_usd_per_mw": 1.0}],
        demand=[("us", 2026, 30.0)],
    )
    result = runner.invoke(app, ["solve", str(hard), "--out", str(tmp_path / "out"), "--no-report", "--no-export"])
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip() for line in result.output.splitlines() if "│" in line
    }
    assert rows["objective"] == "$30 (spend)" and rows["spend"] == "$30 (discounted): what the plan pays"
    assert rows["demand"] == "Demand is a hard constraint (the scenario sets no unserved penalty): every MW is served."
    assert "unserved penalty" not in rows and "valuation" not in result.output


def test_gaps_print_as_percentages_to_three_significant_figures():
    from reports.document import gap

    assert gap(0.00104) == "0.104%" and gap(0.001177) == "0.118%" and gap(1e-5) == "0.001%"
    assert gap(0.0) == "0%" and gap(1.4e-16) == "0%"  # round-off, not a gap
    assert gap(None, missing="-") == "-" and gap(float("nan")) == "n/a"


def test_output_to_a_pipe_is_neither_cut_nor_wrapped(tiny, tmp_path):
    """Not on a terminal, a table wider than 80 columns keeps every cell whole on one line."""
    out = tmp_path / ("a" * 100)
    done = runner.invoke(app, ["solve", str(tiny), "--out", str(out), "--no-report", "--no-export"])
    assert done.exit_code == 0, done.output
    results = next(line for line in done.output.splitlines() if "results" in line)
    assert str(out) in results and "…" not in done.output


def test_no_solution_exits_3_with_a_reason_and_removes_stale_results(tiny, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(tiny), "--out", str(out)]).exit_code == 0
    (tiny / "regions.csv").write_text(
        "region_id,zone_id,lat,lon,max_mw,lead_time_years\na,Z,39,-77,100,1\nb,Z,33,-97,30,0\n"
    )
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out)])
    assert result.exit_code == 3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible"
    assert "50 MW in 2026" in summary["message"] and "at most 30 MW" in summary["message"]
    assert not (out / "capacity.csv").exists()


def test_invalid_input_exits_2_and_writes_nothing(tiny, tmp_path):
    (tiny / "demand.csv").write_text("demand_id,year,mw\nus,2026,-5\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out)])
    assert result.exit_code == 2
    assert "demand.csv: line 2, column mw: expected a number >= 0, got '-5'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_invalid_input_leaves_earlier_results_untouched(tiny, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(tiny), "--out", str(out)]).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (tiny / "scenario.yaml").write_text("name: [broken\n")
    assert runner.invoke(app, ["solve", str(tiny), "--out", str(out)]).exit_code == 2
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_validate(tiny):
    good = runner.invoke(app, ["validate", str(tiny)])
    assert good.exit_code == 0 and "2 regions" in good.output
    (tiny / "regions.csv").write_text("region_id,zone_id,lat,lon\na,Z,1,2\n")
    bad = runner.invoke(app, ["validate", str(tiny)])
    assert bad.exit_code == 2 and "missing required column 'max_mw'" in bad.output


def test_command_line_overrides_are_validated(tiny, tmp_path):
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(tmp_path / "o"), "--gap", "-1"])
    assert result.exit_code == 2 and "mip_rel_gap" in result.output


def test_installed_console_script_exit_codes(tiny, tmp_path):
    """The real entry point, in a fresh process, as a user's shell would run it."""
    gridsite = Path(sys.executable).parent / "gridsite"
    done = subprocess.run([gridsite, "solve", str(tiny), "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (tiny / "scenario.yaml").write_text("name: x\nfirst_year: 2030\nlast_year: 2026\n")
    bad = subprocess.run([gridsite, "validate", str(tiny)], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "scenario.yaml" in bad.stderr and "first_year 2030 is after last_year 2026" in bad.stderr


# The bench modules that are commands (the others are libraries they share)
BENCHES = sorted(p.stem for p in (Path(__file__).parents[1] / "bench").glob("*.py") if "__main__" in p.read_text())


@pytest.mark.parametrize("module", BENCHES)
def test_every_benchmark_explains_itself(module):
    """`python -m bench.X --help` prints its options (a stray % in a help text once made it crash)."""
    shown = subprocess.run([sys.executable, "-m", f"bench.{module}", "--help"], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert "usage:" in shown.stdout
