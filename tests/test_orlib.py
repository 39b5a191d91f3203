"""Outside truth: Beasley's OR-Library capacitated warehouse instances, solved through the CLI,
match their published optima. Skipped where ../shared/benchmarks/orlib is absent."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import SHARED
from orlib import write_cap_scenario
from typer.testing import CliRunner

from optimizer.cli import app

ORLIB = SHARED / "benchmarks" / "orlib"
INSTANCES = [
    "cap41",
    "cap44",
    "cap51",
    "cap61",
    "cap64",
    "cap71",
    "cap74",
    "cap81",
    "cap84",
    "cap91",
    "cap94",
    "cap101",
    "cap104",
    "cap111",
    "cap114",
    "cap121",
    "cap124",
    "cap131",
    "cap134",
]

pytestmark = pytest.mark.skipif(not ORLIB.is_dir(), reason="../shared/benchmarks/orlib is not present")


@pytest.fixture(scope="module")
def published() -> dict[str, float]:
    table = pd.read_csv(ORLIB / "capopt.csv")
    return dict(zip(table["instance"], table["optimal_value"]))


@pytest.mark.parametrize("instance", INSTANCES)
def test_matches_published_optimum(instance, published, tmp_path):
    folder = write_cap_scenario(ORLIB / f"{instance}.txt", tmp_path / instance)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out), "--no-report"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["objective_usd"] == pytest.approx(published[instance], abs=2e-3)
