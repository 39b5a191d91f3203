"""Tornado chart of a sweep, from a results store of real solves with hand-computed optima."""

from __future__ import annotations

import pandas as pd
import pytest
from scenario_factory import write_scenario
from typer.testing import CliRunner

from optimizer import load_scenario, solve
from optimizer.cli import app
from optimizer.inputs.variants import apply_edits
from optimizer.studies import store

SOONER = "regions[region_id=cheap].lead_time_years = 0"
DEARER = "regions[region_id=dear].capex_usd_per_mw = 4"


@pytest.fixture
def sweep_store(tmp_path):
    """base: 2026's 10 MW from dear (capex 3) while cheap waits a year, 2027's 10 MW from cheap: 40.
    Variants: lead_sooner (cheap without lead time: 20 MW at 1 = 20, change -20), lead_later is the base's
    inputs (0), dearer (dear capex 4: 50, change +10), stuck (no region may hold anything: infeasible, no
    bar), rate (discount rate 10 %: re-discounting, listed apart).
    Grid axes lead (on=base, off=SOONER) and price (same=base, up=DEARER), every combination:
    lead=on,price=same 40; lead=off,price=same 20; lead=on,price=up 50; lead=off,price=up 20 (dear unused).
    Main effects: lead: on (40 + 50) / 2 - 40 = +5, off (20 + 20) / 2 - 40 = -20; price: same
    (40 + 20) / 2 - 40 = -10, up (50 + 20) / 2 - 40 = -5."""
    base = load_scenario(
        write_scenario(
            tmp_path / "base",
            regions=[
                {"region_id": "cheap", "capex_usd_per_mw": 1, "lead_time_years": 1},
                {"region_id": "dear", "capex_usd_per_mw": 3},
            ],
            demand=[("d", 2026, 10), ("d", 2027, 20)],
            last_year=2027,
        )
    )
    runs = {
        "base": [],
        "lead_sooner": [SOONER],
        "lead_later": [],
        "dearer": [DEARER],
        "stuck": ["regions.max_mw = 0"],
        "rate": ["discount_rate = 0.1"],
        "grid:lead=on,price=same": [],
        "grid:lead=off,price=same": [SOONER],
        "grid:lead=on,price=up": [DEARER],
        "grid:lead=off,price=up": [SOONER, DEARER],
    }
    path = tmp_path / "runs.duckdb"
    for name, edits in runs.items():
        store.record(path, name, "test", edits, solve(apply_edits(base, edits)))
    return path


def test_tornado_has_one_bar_per_factor_from_its_low_to_its_high_run(sweep_store, tmp_path):
    result = CliRunner().invoke(app, ["runs", "tornado", "--store", str(sweep_store), "--out", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "t" / "tornado.csv").set_index("factor")
    assert set(table.index) == {"lead", "dearer", "grid:lead", "grid:price"}  # lead_sooner and lead_later: lead
    assert table.loc["lead", ["kind", "low_label", "high_label"]].tolist() == ["variant", "lead_sooner", "lead_later"]
    assert table.loc["lead", ["low_change_usd", "high_change_usd"]].tolist() == pytest.approx([-20, 0])
    assert table.at["dearer", "high_change_usd"] == pytest.approx(10)
    assert table.loc["grid:lead", ["low_label", "high_label"]].tolist() == ["off", "on"]
    assert table.loc["grid:lead", ["low_change_usd", "high_change_usd"]].tolist() == pytest.approx([-20, 5])
    grid = table.loc["grid:price"]
    assert grid["kind"] == "grid axis" and (grid["low_label"], grid["high_label"]) == ("same", "up")
    assert [grid["low_change_usd"], grid["high_change_usd"]] == pytest.approx([-10, -5])
    assert list(table.index) == ["grid:lead", "lead", "dearer", "grid:price"]  # widest first: 25, 20, 10, 5
    assert not table["low_within_tolerance"].any()  # every solve proves its optimum (gap 0)
    runs = pd.read_csv(tmp_path / "t" / "tornado_runs.csv").set_index("name")
    assert runs.at["rate", "rediscounted"] and "stuck" not in runs.index
    html = (tmp_path / "t" / "tornado.html").read_text()
    assert "Discount-rate runs" in html and "discount_rate = 0.1" in html
    assert "lead_sooner: -$20" in html and "$-" not in html and '["' not in html  # signs and edits as text
    assert (tmp_path / "t" / "tornado.pdf").read_bytes().startswith(b"%PDF")


def test_tornado_needs_the_base_run(sweep_store, tmp_path):
    result = CliRunner().invoke(
        app, ["runs", "tornado", "--store", str(sweep_store), "--out", str(tmp_path / "t"), "--base", "nope"]
    )
    assert result.exit_code == 2 and "no run named 'nope'" in result.output


def test_a_factor_whose_two_runs_tie_shows_both():
    """pjm_high and pjm_low change the cost equally (both within tolerance of the base): the bar's
    ends are the two runs, not one run twice."""
    from reports.tolerance import Difference
    from reports.tornado import End, tornado_table

    ends = [End("pjm_high", Difference(0.0, -5.0, 5.0)), End("pjm_low", Difference(0.0, -4.0, 4.0))]
    row = tornado_table({"pjm": ("variant", ends)}).iloc[0]
    assert {row["low_label"], row["high_label"]} == {"pjm_high", "pjm_low"}
    assert row["span_usd"] == 0.0


def test_without_a_factor_tornado_csv_still_has_its_columns():
    """Every run re-discounting leaves no factor: the file is a header pandas reads, with the columns a
    factor's row has."""
    import io

    from reports.tolerance import Difference
    from reports.tornado import End, tornado_table

    ends = [End("low", Difference(1.0, 0.5, 1.5)), End("high", Difference(2.0, 1.5, 2.5))]
    columns = list(tornado_table({"pjm": ("variant", ends)}).columns)
    empty = pd.read_csv(io.StringIO(tornado_table({}).to_csv(index=False)))
    assert empty.empty and list(empty.columns) == columns
