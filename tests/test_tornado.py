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


@pytest.fixture
def sweep_store(tmp_path):
    """base: 2026's 10 MW from dear (capex 3) while cheap waits a year, 2027's 10 MW from cheap: 40.
    sooner (cheap without lead time): 20 MW at 1 = 20, change -20. dearer (dear capex 4): 40 + 10 = 50,
    change +10. stuck (no region may hold anything): infeasible, left out of the chart."""
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
    variants = {
        "base": [],
        "sooner": ["regions[region_id=cheap].lead_time_years = 0"],
        "dearer": ["regions[region_id=dear].capex_usd_per_mw = 4"],
        "stuck": ["regions.max_mw = 0"],
    }
    path = tmp_path / "runs.duckdb"
    for name, edits in variants.items():
        store.record(path, name, "test", edits, solve(apply_edits(base, edits)))
    return path


def test_tornado_ranks_changes_against_the_base(sweep_store, tmp_path):
    result = CliRunner().invoke(app, ["runs", "tornado", "--store", str(sweep_store), "--out", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "t" / "tornado.csv")
    assert table["name"].tolist() == ["sooner", "dearer"]
    assert table["change_usd"].tolist() == pytest.approx([-20, 10])
    assert not table["within_gap"].any()
    html = (tmp_path / "t" / "tornado.html").read_text()
    assert "data:image/png;base64," in html and "sooner" in html
    assert (tmp_path / "t" / "tornado.pdf").read_bytes().startswith(b"%PDF")


def test_tornado_needs_the_base_run(sweep_store, tmp_path):
    result = CliRunner().invoke(
        app, ["runs", "tornado", "--store", str(sweep_store), "--out", str(tmp_path / "t"), "--base", "nope"]
    )
    assert result.exit_code == 2 and "no run named 'nope'" in result.output
