"""`gridsite batch` on a real local Dask cluster (2 worker processes): results, failures recorded
without stopping the batch, skipping on re-run, and no loss or partial row when the coordinator is
interrupted (SIGINT) or killed (SIGKILL) mid-batch."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from scenario_factory import write_random_scenario, write_scenario
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.studies import store

GRIDSITE = Path(sys.executable).parent / "gridsite"
FAST_A = "regions[region_id=a].lead_time_years = 0"


def interrupt_after(sweep: Path, solved: int, sig: signal.Signals) -> int:
    """Start a batch, send `sig` to the coordinator once it has recorded `solved` more solved runs,
    and return its exit code; its Dask workers (its process group) are ended after it."""
    coordinator = subprocess.Popen(
        [GRIDSITE, "batch", str(sweep), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = (line for line in coordinator.stdout if line.startswith("recorded sample:"))
        for _ in range(solved):
            next(lines)
        coordinator.send_signal(sig)
        return coordinator.wait(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(coordinator.pid, signal.SIGKILL)


def capex_samples(folder: Path, count: int) -> Path:
    """A sweep of `count` samples of zone capex (x 0.8-1.2) on a random 16-region base, in `folder`."""
    write_random_scenario(folder / "base", regions=16, demands=2, years=5, seed=1)
    sweep = folder / "mc.yaml"
    draw = {"edit": "regions[zone_id={key}].capex_usd_per_mw *= {value}", "for_each": "regions.zone_id",
            "distribution": "uniform", "args": [0.8, 1.2]}  # fmt: skip
    sweep.write_text(yaml.safe_dump({"base": "base", "samples": {"count": count, "seed": 3, "draws": [draw]}}))
    return sweep


def whole_runs(path: Path):
    """The recorded runs, after checking each has all its capacity rows (16 regions x 5 years)."""
    runs = store.read_table(path, "runs").set_index("name")
    capacity = store.read_table(path, "capacity").groupby("run").size()
    assert (capacity.reindex(runs.index) == 16 * 5).all()
    return runs


def batch(sweep: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [GRIDSITE, "batch", str(sweep), "--workers", "2", *args], capture_output=True, text=True, timeout=300
    )


def test_batch_records_every_run_with_its_outcome(tmp_path):
    """tiny (see test_studies): base 160; a without lead time 50 + 30 / 1.1; b at half capex: two
    modules at 1 = 80 (a cannot build in 2026); both: a's 77.27 beats b's 80. Ten times the demand
    cannot be met (a is closed in 2026, b holds 100 MW): infeasible. An unknown column: invalid."""
    write_scenario(
        tmp_path / "tiny",
        regions=[
            {"region_id": "a", "capex_usd_per_mw": 1, "lead_time_years": 1, "max_mw": 1000},
            {"region_id": "b", "capex_usd_per_mw": 2, "module_mw": 40, "max_mw": 100},
        ],
        demand=[("us", 2026, 50), ("us", 2027, 80)],
        last_year=2027,
        discount_rate=0.1,
    )
    sweep = tmp_path / "study.yaml"
    sweep.write_text(
        yaml.safe_dump(
            {
                "base": "tiny",
                "variants": {
                    "tenfold": ["demand.mw *= 10"],
                    "typo": ["regions.capex = 1"],
                    "same": ["discount_rate = 0.1"],
                },
                "grid": {
                    "a": {"slow": [], "fast": [FAST_A]},
                    "b": {"full": [], "half": ["regions[region_id=b].capex_usd_per_mw *= 0.5"]},
                },
            }
        )
    )
    done = batch(sweep)
    assert done.returncode == 3, done.stderr  # some runs have no solution
    # Progress counts runs, not solves (base, same and a=slow,b=full are one) and includes the invalid
    # one, recorded before any solve: 8 recorded, 2 without a plan.
    assert "8/8 running 0 · failed 2" in done.stdout
    assert "recorded base: optimal, $160 (spend $160; demand is a hard constraint), gap 0%" in done.stdout
    # base, same and a=slow,b=full share their inputs: one solve, two runs recorded from it
    assert "4 solved, 2 without a solution" in done.stdout and "2 reused from runs with the same inputs" in done.stdout
    runs = store.list_runs(tmp_path / "runs.duckdb").set_index("name")
    expected = {
        "base": 160,
        "same": 160,
        "grid:a=slow,b=full": 160,
        "grid:a=fast,b=full": 50 + 30 / 1.1,
        "grid:a=slow,b=half": 80,
        "grid:a=fast,b=half": 50 + 30 / 1.1,
    }
    assert runs.loc[list(expected), "objective_usd"].to_dict() == pytest.approx(expected)
    assert (runs.loc[list(expected), "status"] == "optimal").all()
    assert runs.at["tenfold", "status"] == "infeasible" and "500 MW in 2026" in runs.at["tenfold", "message"]
    assert runs.at["typo", "status"] == "invalid_input" and "no column 'capex'" in runs.at["typo", "message"]
    assert runs.at["same", "input_hash"] == runs.at["base", "input_hash"]
    reported_and_compared_from_the_store(tmp_path, tmp_path / "runs.duckdb")

    again = batch(sweep)
    assert "0 solved" in again.stdout and "7 already stored" in again.stdout
    assert "2 without a solution" in again.stdout and again.returncode == 3  # tenfold (stored) and typo
    forced = batch(sweep, "--force")
    assert "4 solved" in forced.stdout and "2 reused" in forced.stdout


def reported_and_compared_from_the_store(tmp_path: Path, path: Path) -> None:
    """A stored run becomes a run folder equal to its stored tables, with its reports, and two stored
    runs compare (77.27 - 160 = -82.73, both proven optimal) without solving again."""
    fast = "grid:a=fast,b=full"
    folder = tmp_path / "fast"
    shown = CliRunner().invoke(app, ["runs", "report", fast, "--store", str(path), "--out", str(folder), "--no-export"])
    assert shown.exit_code == 0, shown.output
    stored = store.read_table(path, "capacity", fast).drop(columns="run")
    pd.testing.assert_frame_equal(pd.read_csv(folder / "capacity.csv"), stored, check_dtype=False)
    assert json.loads((folder / "summary.json").read_text())["objective_usd"] == pytest.approx(50 + 30 / 1.1)
    assert {"report.html", "report.pdf", "report.md", "sites.geojson", "inputs"} <= {p.name for p in folder.iterdir()}
    out = tmp_path / "cmp"
    compared = CliRunner().invoke(
        app, ["compare", "--store", str(path), "--run", "base", "--run", fast, "--out", str(out)]
    )
    assert compared.exit_code == 0, compared.output
    html = (out / "compare.html").read_text()
    assert "costs $83 less than" in html and FAST_A in html
    # and on the terminal: 50 + 30 / 1.1 against 160, both proven at a zero gap
    assert "grid_a=fast_b=full vs base: -$83 (-$83 to -$83)" in compared.output
    missing = CliRunner().invoke(app, ["runs", "report", "nope", "--store", str(path), "--out", str(tmp_path / "n")])
    assert missing.exit_code == 2 and "no run named 'nope'" in missing.output


@pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX signals and process groups")
def test_interrupting_or_killing_the_coordinator_loses_no_run_and_a_rerun_finishes(tmp_path):
    count = 20
    sweep = capex_samples(tmp_path, count)
    path = tmp_path / "runs.duckdb"
    interrupted = interrupt_after(sweep, solved=2, sig=signal.SIGINT)
    assert interrupted == 130  # Ctrl-C: the batch stops, says how to finish, exits 130
    first = whole_runs(path)
    assert interrupt_after(sweep, solved=2, sig=signal.SIGKILL) == -signal.SIGKILL
    before = whole_runs(path)
    assert len(first) + 2 <= len(before) < count + 1, "the batch finished before the kill; make the runs slower"
    assert (before.loc[first.index, "recorded_at"] == first["recorded_at"]).all()  # stored runs were skipped

    rerun = batch(sweep)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(before)} already stored" in rerun.stdout
    after = whole_runs(path)
    assert len(after) == count + 1 and (after["status"] == "optimal").all()
    assert (after.loc[before.index, "recorded_at"] == before["recorded_at"]).all()


def test_a_batch_time_limit_cancels_unfinished_runs_and_a_rerun_finishes_them(tmp_path):
    """At the limit (here 0 s: the first check after a run finishes) no unfinished run is recorded."""
    count = 6
    sweep = capex_samples(tmp_path, count)
    stopped = batch(sweep, "--time-limit", "0")
    assert stopped.returncode == 3, stopped.stderr
    unfinished = int(re.search(r"time limit: (\d+) runs not finished", stopped.stderr).group(1))
    assert 1 <= unfinished <= count + 1
    rerun = batch(sweep)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{count + 1 - unfinished} already stored" in rerun.stdout
    after = whole_runs(tmp_path / "runs.duckdb")
    assert len(after) == count + 1 and (after["status"] == "optimal").all()


def test_batch_runs_the_base_s_alternatives_and_pareto_front_and_an_uncertain_base(tmp_path):
    """A sweep's studies run on the workers: each plan recorded as <study>:<plan>, the study's own
    tables beside the first plan's; a base with an uncertainty section is solved across its outcomes."""
    regions = [
        {"region_id": "clean", "max_mw": 100.0, "capex_usd_per_mw": 3.0},
        {"region_id": "dirty", "max_mw": 100.0, "capex_usd_per_mw": 1.0, "emission_kg_per_mwh": 1000.0},
    ]
    base = write_scenario(tmp_path / "cd", regions, [("d", 2026, 100.0)], unserved_penalty_usd_per_mw_year=10.0)
    config = yaml.safe_load((base / "scenario.yaml").read_text())
    slow = {"name": "slow", "probability": 0.5, "edits": ["regions[region_id=clean].lead_time_years = 1"]}
    config["uncertainty"] = {"outcomes": [{"name": "on_time", "probability": 0.5}, slow]}
    (base / "scenario.yaml").write_text(yaml.safe_dump(config))
    sweep = tmp_path / "study.yaml"
    sweep.write_text(
        yaml.safe_dump(
            {
                "base": "cd",
                "alternatives": {"slack": 0.5, "count": 1},
                "pareto": {"objectives": ["cost", "carbon"], "points": 3},
            }
        )
    )
    done = batch(sweep)
    assert done.returncode == 0, done.stdout + done.stderr
    runs = store.read_table(tmp_path / "runs.duckdb", "runs").set_index("name")
    assert {"base", "alternatives:opt", "alternatives:alt_01"} <= set(runs.index)
    assert sum(name.startswith("pareto:point_") for name in runs.index) == 3
    assert (runs["status"] == "optimal").all()
    pareto = store.read_table(tmp_path / "runs.duckdb", "pareto")
    assert len(pareto) == 3
    outcomes = store.read_table(tmp_path / "runs.duckdb", "outcomes", "base")
    assert set(outcomes["outcome"]) == {"on_time", "slow"}
