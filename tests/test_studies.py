"""What-if comparison, sweep expansion and the results store (no Dask here; see test_batch.py)."""

from __future__ import annotations

import json
import re

import duckdb
import pandas as pd
import pytest
import yaml
from pydantic import ValidationError
from scenario_factory import write_scenario
from typer.testing import CliRunner

from optimizer import load_scenario, solve
from optimizer.cli import app
from optimizer.inputs.variants import apply_edits
from optimizer.studies import store
from optimizer.studies.sweep import Sweep, expand
from optimizer.studies.whatif import run_whatif

runner = CliRunner()
FAST_A = "regions[region_id=a].lead_time_years = 0"


@pytest.fixture
def tiny(tmp_path):
    """a (capex 1, lead 1 yr), b (capex 2, 40 MW modules), 50 then 80 MW, discount rate 10 %.
    Base: a cannot build in 2026, so b adds two modules (80 MW) in 2026: 160.
    With a's lead time at 0: a adds 50 MW in 2026 and, discounting making later cheaper, 30 MW
    in 2027: 50 + 30 / 1.1 = 77.2727."""
    return write_scenario(
        tmp_path / "tiny",
        regions=[
            {"region_id": "a", "capex_usd_per_mw": 1, "lead_time_years": 1},
            {"region_id": "b", "capex_usd_per_mw": 2, "module_mw": 40},
        ],
        demand=[("us", 2026, 50), ("us", 2027, 80)],
        last_year=2027,
        discount_rate=0.1,
    )


def test_whatif_compares_costs_regions_capacity_and_demand(tiny, tmp_path):
    out = tmp_path / "study"
    result = runner.invoke(app, ["whatif", str(tiny), "--set", FAST_A, "--name", "fast_a", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "total discounted cost vs. base: -$83 (-$83 to -$83)" in result.output  # 77.27 - 160, both at gap 0
    solved = f"base: solved into {out / 'base'}: optimal, $160 (spend $160; demand is a hard constraint), gap 0%"
    assert solved in result.output
    variant = out / "fast_a"
    assert json.loads((out / "base" / "summary.json").read_text())["objective_usd"] == pytest.approx(160)
    summary = json.loads((variant / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(50 + 30 / 1.1)
    assert summary["edits"] == [FAST_A] and summary["warm_start"]["values_given"] > 0

    costs = pd.read_csv(variant / "cost_delta.csv").set_index("component")
    assert costs.at["total", "base_usd"] == pytest.approx(160)
    assert costs.loc["total", ["delta_low_usd", "delta_high_usd"]].tolist() == pytest.approx(
        [-82.727, -82.727], abs=1e-3
    )
    assert (
        not costs.at["total", "within_tolerance"] and costs.at["spend", "delta_usd"] == costs.at["total", "delta_usd"]
    )
    assert costs.at["capex", "delta_usd"] == pytest.approx(50 + 30 / 1.1 - 160)
    changed = pd.read_csv(variant / "regions_changed.csv")
    assert dict(zip(changed["region_id"], changed["change"])) == {"a": "opened", "b": "dropped"}
    delta = pd.read_csv(variant / "capacity_delta.csv").set_index(["region_id", "year"])["delta_mw"]
    assert delta.to_dict() == pytest.approx({("a", 2026): 50, ("a", 2027): 80, ("b", 2026): -80, ("b", 2027): -80})
    online = pd.read_csv(variant / "online_vs_demand.csv").set_index("year")
    assert online["online_mw_base"].tolist() == [80, 80]
    assert online["online_mw_variant"].tolist() == pytest.approx([50, 80])
    assert online["demand_mw"].tolist() == [50, 80]
    report = (variant / "comparison.md").read_text()
    assert "Base (tiny): status **optimal**" in report and FAST_A in report
    html = (variant / "comparison.html").read_text()
    assert FAST_A in html and "costs $83 less than tiny" in html
    # base and variant share the scenario's name: the folders tell them apart, as named once written
    assert set(re.findall(r"tiny \([^)]*\)", html)) == {"tiny (base)", f"tiny ({variant.name})"}
    assert (variant / "comparison.pdf").read_bytes().startswith(b"%PDF")
    assert {"report.html", "report.pdf"} <= {p.name for p in variant.iterdir()}


def test_whatif_solves_tighter_while_the_difference_is_within_tolerance(tiny, monkeypatch):
    """Stand-in solves whose bound sits gap x objective below it: base 100, variant 101. At gap 0.1 the
    range of variant - base is [-9.1, 11], at 0.01 [-0.01, 2]: both contain 0; at 0.001 [0.899, 1.1]:
    proven. So both are solved twice more, ending at 0.001, and the variant's summary says so."""
    from optimizer.pipeline.solve import SolveResult
    from optimizer.studies import whatif

    def fake(scenario, tee=False, start=None):
        gap, cost = scenario.config.solver.mip_rel_gap, 101.0 if scenario.edits else 100.0
        summary = {"status": "optimal", "objective_usd": cost, "best_bound_usd": cost * (1 - gap)}
        return SolveResult(summary)

    monkeypatch.setattr(whatif, "solve", fake)
    base = load_scenario(tiny).with_solver(mip_rel_gap=0.1)
    variant = apply_edits(base, [FAST_A])
    tighter = whatif.tighten(base, variant, fake(base).summary, fake(variant), {})
    (base_scenario, base_result), (variant_scenario, result) = tighter
    assert base_scenario.config.solver.mip_rel_gap == variant_scenario.config.solver.mip_rel_gap == pytest.approx(1e-3)
    assert result.summary["whatif"]["requested_mip_rel_gap"] == 0.1
    assert result.summary["best_bound_usd"] - base_result.summary["objective_usd"] > 0  # proven
    proven = fake(variant.with_solver(mip_rel_gap=1e-3))
    assert whatif.tighten(base, variant, fake(base.with_solver(mip_rel_gap=1e-3)).summary, proven, {}) is None


def test_whatif_time_limit_is_the_whole_studys(tiny, tmp_path):
    """`--time-limit 60`: the base's solve gets at most a third (20 s), the variant's at most half of
    what is then left (30 s); both still find their optimum (the tiny scenario solves at once)."""
    out = tmp_path / "study"
    invoked = ["whatif", str(tiny), "--set", FAST_A, "--out", str(out), "--time-limit", "60"]
    result = runner.invoke(app, invoked)
    assert result.exit_code == 0, result.output
    base, variant = (json.loads((out / run / "summary.json").read_text()) for run in ("base", "variant"))
    assert 0 < base["solver"]["time_limit_s"] <= 20 and 0 < variant["solver"]["time_limit_s"] <= 30
    assert variant["objective_usd"] == pytest.approx(50 + 30 / 1.1)


@pytest.mark.parametrize(("limit_s", "limits", "note"), [(30.0, [15.0, 15.0], "TIGHTENED"), (0.5, [], "NOT_TIGHTENED")])
def test_a_whatif_time_limit_bounds_the_finer_re_solves(tiny, monkeypatch, limit_s, limits, note):
    """The stand-in solves of the test above, each taking all the time it is given (a stand-in clock).
    With 30 s left the finer pair gets half (15 s) and the rest (15 s); then nothing is left, so the
    pair is not solved finer again, and the summary says the time limit stopped it. With 0.5 s left
    (under MIN_RESOLVE_S) nothing is re-solved."""
    from types import SimpleNamespace

    from optimizer.pipeline import budget as budget_module
    from optimizer.pipeline.budget import Budget
    from optimizer.pipeline.solve import SolveResult
    from optimizer.studies import whatif

    clock, given = [0.0], []
    monkeypatch.setattr(budget_module, "time", SimpleNamespace(perf_counter=lambda: clock[0], time=lambda: clock[0]))

    def fake(scenario, tee=False, start=None):
        given.append(scenario.config.solver.time_limit_s)
        clock[0] += scenario.config.solver.time_limit_s or 0.0
        gap, cost = scenario.config.solver.mip_rel_gap, 101.0 if scenario.edits else 100.0
        return SolveResult({"status": "optimal", "objective_usd": cost, "best_bound_usd": cost * (1 - gap)})

    monkeypatch.setattr(whatif, "solve", fake)
    base = load_scenario(tiny).with_solver(mip_rel_gap=0.1)
    variant = apply_edits(base, [FAST_A])
    result, base_summary = fake(variant), fake(base).summary
    given.clear()
    tighter = whatif.tighten(base, variant, base_summary, result, {}, budget=Budget.start(limit_s, started=0.0))
    assert given == pytest.approx(limits) and sum(given) <= limit_s
    final = tighter[1][1] if tighter else result  # the variant's last result
    assert final.summary["whatif"]["note"] == getattr(whatif, note)
    assert final.summary["whatif"]["stopped_by_time_limit"] is True
    assert final.summary["whatif"]["mip_rel_gap"] == pytest.approx(0.01 if tighter else 0.1)


def test_whatif_with_a_bad_edit_exits_2_and_writes_nothing(tiny, tmp_path):
    out = tmp_path / "study"
    result = runner.invoke(app, ["whatif", str(tiny), "--set", "regions.nope = 1", "--out", str(out)])
    assert result.exit_code == 2 and "regions.csv has no column 'nope'" in result.output
    assert not out.exists()


def test_whatif_reuses_the_base_while_its_inputs_are_unchanged(tiny, tmp_path):
    base = load_scenario(tiny)
    first = run_whatif(base, [FAST_A], "fast_a", tmp_path / "w")
    solved_at = json.loads((tmp_path / "w" / "base" / "summary.json").read_text())["solved_at"]
    again = run_whatif(base, ["regions[region_id=b].capex_usd_per_mw = 1"], "cheap_b", tmp_path / "w")
    assert not first.base_reused and again.base_reused
    assert json.loads((tmp_path / "w" / "base" / "summary.json").read_text())["solved_at"] == solved_at
    # b at capex 1: two modules in 2026 (80) vs a's 50 + 30 / 1.1 = 77.27 from 2027 on: a cannot build in 2026.
    assert again.variant.summary["objective_usd"] == pytest.approx(80)
    changed = run_whatif(base.with_solver(mip_rel_gap=0.01), [FAST_A], "fast_a", tmp_path / "w")
    assert not changed.base_reused  # different inputs: the base is solved again


def test_warm_start_drops_values_the_variant_forbids(tiny):
    """The base builds b in 2026; with b's lead time at 1 year that start value is left out."""
    base = solve(load_scenario(tiny))
    variant = apply_edits(load_scenario(tiny), ["regions[region_id=b].lead_time_years = 1", FAST_A])
    warm = solve(variant, start=base.integer_values)
    assert warm.summary["warm_start"]["values_dropped"] >= 1
    assert warm.summary["objective_usd"] == pytest.approx(solve(variant).summary["objective_usd"])


def test_sweep_expands_variants_grid_and_reproducible_samples(tiny):
    base = load_scenario(tiny)
    spec = {
        "base": ".",
        "variants": {"fast_a": [FAST_A]},
        "grid": {
            "lead": {"slow": [], "fast": [FAST_A]},
            "rate": {"r5": ["discount_rate = 0.05"], "r0": ["discount_rate = 0"]},
        },
        "samples": {
            "count": 3,
            "seed": 11,
            "draws": [
                {
                    "edit": "regions[region_id={key}].capex_usd_per_mw *= {value}",
                    "for_each": "regions.region_id",
                    "distribution": "uniform",
                    "args": [0.5, 1.5],
                }
            ],
        },
    }
    runs = expand(Sweep.model_validate(spec), base)
    names = [run.name for run in runs]
    assert names[:2] == ["base", "fast_a"]
    assert names[2:6] == [
        "grid:lead=slow,rate=r5",
        "grid:lead=slow,rate=r0",
        "grid:lead=fast,rate=r5",
        "grid:lead=fast,rate=r0",
    ]
    assert runs[5].edits == (FAST_A, "discount_rate = 0")
    samples = runs[6:]
    assert [len(run.edits) for run in samples] == [2, 2, 2]  # one draw per selected region
    assert samples[0].edits[0].startswith("regions[region_id=a].capex_usd_per_mw *= ")
    more = expand(Sweep.model_validate(spec | {"samples": spec["samples"] | {"count": 5}}), base)
    assert more[6:9] == samples  # sample i is the same whatever the count
    factors = [float(e.rsplit(" ", 1)[1]) for run in more[6:] for e in run.edits]
    assert all(0.5 <= f <= 1.5 for f in factors) and len(set(factors)) == len(factors)


def test_sample_draws_with_bad_arguments_are_a_clear_error(tiny):
    draw = {"edit": "discount_rate = {value}", "distribution": "normal", "args": [0, -1]}
    with pytest.raises(ValidationError, match=r"normal\(0, -1\): scale < 0"):
        Sweep.model_validate({"base": ".", "samples": {"count": 1, "seed": 1, "draws": [draw]}})
    with pytest.raises(ValidationError, match="normal takes at most 2 args"):  # a third would be numpy's size
        Sweep.model_validate({"base": ".", "samples": {"count": 1, "seed": 1, "draws": [draw | {"args": [0, 1, 9]}]}})
    integers = draw | {"distribution": "integers", "args": [1, 4], "edit": "solver.threads = {value}"}
    runs = expand(
        Sweep.model_validate({"base": ".", "samples": {"count": 4, "seed": 1, "draws": [integers]}}),
        load_scenario(tiny),
    )
    assert all(run.edits[0] in {"solver.threads = 1", "solver.threads = 2", "solver.threads = 3"} for run in runs[1:])


def test_store_records_each_run_in_one_transaction(tiny, tmp_path, monkeypatch):
    path = tmp_path / "runs.duckdb"
    result = solve(load_scenario(tiny))
    store.record(path, "one", "s", [], result)
    store.record(path, "one", "s", [], result)  # recording again replaces, never duplicates
    assert len(store.read_table(path, "capacity", "one")) == 4

    real_insert = store._insert

    def fail_on_service(con, table, frame):
        if table == "service":
            raise duckdb.IOException("disk full")
        real_insert(con, table, frame)

    monkeypatch.setattr(store, "_insert", fail_on_service)
    with pytest.raises(duckdb.IOException):
        store.record(path, "two", "s", [], result)
    assert list(store.list_runs(path)["name"]) == ["one"]
    assert store.read_table(path, "capacity", "two").empty  # nothing of the failed run remains

    monkeypatch.setattr(store, "_insert", real_insert)
    store.copy_run(path, "one", "alias", "s", ["x = 1"])
    alias = store.read_table(path, "runs", "alias").iloc[0]
    assert alias["objective_usd"] == pytest.approx(160) and "same inputs as run one" in alias["message"]
    assert len(store.read_table(path, "capacity", "alias")) == 4
    summary = json.loads(alias["summary"])
    assert summary["edits"] == ["x = 1"] and summary["reused_from"] == "one"
    assert summary["objective_usd"] == pytest.approx(160)
    assert store.start_of(path, "alias") == result.integer_values


def test_runs_commands_list_show_and_export(tiny, tmp_path):
    path = tmp_path / "runs.duckdb"
    store.record(path, "base", "s", [], solve(load_scenario(tiny)))
    store.record(path, "fast_a", "s", [FAST_A], solve(apply_edits(load_scenario(tiny), [FAST_A])))
    listed = runner.invoke(app, ["runs", "list", "--store", str(path)])
    assert listed.exit_code == 0 and "base" in listed.output and "$160" in listed.output
    assert "-$83 (-$83" in listed.output  # fast_a against base, a range of one point: both proven optimal
    shown = runner.invoke(app, ["runs", "show", "base", "--store", str(path)])
    assert shown.exit_code == 0 and "status: optimal" in shown.output and "capex" in shown.output
    assert runner.invoke(app, ["runs", "show", "nope", "--store", str(path)]).exit_code == 2
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"capacity{suffix}"
        assert runner.invoke(app, ["runs", "export", "capacity", str(out), "--store", str(path)]).exit_code == 0
        frame = pd.read_csv(out) if suffix == ".csv" else duckdb.sql(f"SELECT * FROM '{out}'").df()
        assert list(frame.columns) == ["run", "region_id", "year", "added_mw", "capacity_mw"] and len(frame) == 8
    bad = runner.invoke(app, ["runs", "export", "nope", str(tmp_path / "x.csv"), "--store", str(path)])
    assert bad.exit_code == 2 and "no table 'nope'" in bad.output


def test_runs_list_and_show_give_spend_and_the_unserved_penalty_apart_uncut(tiny, tmp_path):
    """Unserved demand valued at 3 per MW-year: b builds one module (80) in 2026 and leaves 10 MW
    unserved (30); a adds 40 MW in 2027 (40 / 1.1). Spend 116.36, penalty 30, objective 146.36."""
    path = tmp_path / "runs.duckdb"
    edits = ["unserved_penalty_usd_per_mw_year = 3", "regions[region_id=b].capex_usd_per_mw = 2"]
    store.record(path, "short_of_power", "s", edits, solve(apply_edits(load_scenario(tiny), edits)))
    listed = runner.invoke(app, ["runs", "list", "--store", str(path)])
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.output.splitlines() if "short_of_power" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[:5] == ["short_of_power", "optimal", "$146", "$116", "$30"]
    assert cells[-1] == json.dumps(edits)  # whole: the table is as wide as it needs when not on a terminal
    shown = runner.invoke(app, ["runs", "show", "short_of_power", "--store", str(path)])
    assert "unserved penalty: $30: a valuation of 10 MW-years of demand not online, not money paid" in shown.output
    costs = {
        cells[0]: cells[1]
        for cells in ([c.strip() for c in line.split("|")[1:-1]] for line in shown.output.splitlines())
        if cells
    }
    assert costs["capex"] == "116" and costs["spend (paid)"] == "116"
    assert costs["unserved (penalty: a valuation, not paid)"] == "30" and costs["objective"] == "146"


def test_runs_export_of_an_unknown_run_exits_2_and_writes_nothing(tiny, tmp_path):
    path = tmp_path / "runs.duckdb"
    store.record(path, "base", "s", [], solve(load_scenario(tiny)))
    out = tmp_path / "new" / "capacity.csv"
    export = ["runs", "export", "capacity", str(out), "--store", str(path), "--run"]
    done = runner.invoke(app, [*export, "nosuch"])
    assert done.exit_code == 2 and f"no run named 'nosuch' in {path}" in done.output
    assert not (tmp_path / "new").exists()
    assert runner.invoke(app, [*export, "base"]).exit_code == 0 and len(pd.read_csv(out)) == 4


def test_bad_sweep_file_is_a_clear_error(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(yaml.safe_dump({"base": ".", "grid": {"x": ["not a mapping"]}}))
    result = runner.invoke(app, ["batch", str(sweep)])
    assert result.exit_code == 2 and "s.yaml: key grid.x" in result.output
    # an axis without labels would leave the grid with no runs at all, silently
    sweep.write_text(yaml.safe_dump({"base": ".", "grid": {"x": {}, "y": {"low": ["discount_rate = 0.05"]}}}))
    result = runner.invoke(app, ["batch", str(sweep)])
    assert result.exit_code == 2 and "s.yaml: key grid.x: Dictionary should have at least 1 item" in result.output
    # a variant's name becomes a folder name when its runs are exported
    sweep.write_text(yaml.safe_dump({"base": ".", "variants": {"a/b": ["discount_rate = 0.05"]}}))
    result = runner.invoke(app, ["batch", str(sweep)])
    assert result.exit_code == 2 and "key variants.a/b: expected a plain folder name" in result.output


def test_a_bound_a_few_ulps_above_its_objective_counts_as_the_objective():
    """a = 10 (bound 10 + 1e-12: round-off), b = 4 (bound 3): the difference 6 lies in [10 - 4, 10 - 3]."""
    from optimizer.highs import difference_range

    assert difference_range((10.0, 10.0 + 1e-12), (4.0, 3.0)) == pytest.approx((6.0, 6.0, 7.0), abs=1e-9)


def test_equal_optima_a_few_ulps_apart_are_no_difference():
    """The same plan's cost summed in two orders (here 1 ulp apart at 7.45e10 USD): the range holds 0."""
    from optimizer.highs import difference_range

    cost = 74_541_006_118.98213
    _, low, high = difference_range((cost - 1.52587890625e-05,) * 2, (cost, cost))
    assert low < 0 < high and high - low < 1e-6 * cost


@pytest.mark.parametrize(
    ("finer_status", "limits", "note", "stopped"),
    [("feasible", [60.0], "CUT_SHORT", True), ("optimal", [3600.0, None], "NOT_NARROWED", False)],
)
def test_a_finer_pair_that_proves_less_is_not_kept(tiny, monkeypatch, finer_status, limits, note, stopped):
    """Stand-in solves as above, except that the finer pair proves only a 20% gap: its range of
    variant - base ([-19.2, 21]) is wider than the first pair's ([-9.1, 11] at 10%), so it is dropped
    and the gaps the kept pair reached are recorded. Stopped by the time limit (feasible, short of its
    gap), the note says the re-solves were cut short; ended optimal at its own gap, with 3,600 s left
    or no limit at all, it says the range did not narrow and names no time limit."""
    from optimizer.pipeline.budget import Budget
    from optimizer.pipeline.solve import SolveResult
    from optimizer.studies import whatif

    def fake(scenario, tee=False, start=None):
        asked, cost = scenario.config.solver.mip_rel_gap, 101.0 if scenario.edits else 100.0
        status, reached = ("optimal", 0.1) if asked == 0.1 else (finer_status, 0.2)
        return SolveResult(
            {"status": status, "objective_usd": cost, "best_bound_usd": cost * (1 - reached), "mip_gap": reached}
        )

    monkeypatch.setattr(whatif, "solve", fake)
    base = load_scenario(tiny).with_solver(mip_rel_gap=0.1)
    variant = apply_edits(base, [FAST_A])
    for limit in limits:
        result = fake(variant)
        budget = None if limit is None else Budget.start(limit)
        assert whatif.tighten(base, variant, fake(base).summary, result, {}, budget=budget) is None
        record = result.summary["whatif"]
        assert record["note"] == getattr(whatif, note) and record["stopped_by_time_limit"] is stopped
        assert record["mip_rel_gap"] == 0.1 and record["reached_mip_gap"] == {"base": 0.1, "variant": 0.1}


def test_the_whatif_line_gives_the_gaps_proven_not_only_the_gap_asked():
    from optimizer.cli.studies import _gaps

    kept = {"mip_rel_gap": 1e-5, "reached_mip_gap": {"base": 0.000657, "variant": 0.000562}}
    assert _gaps(kept) == "asked 0.001%; proven: base 0.0657%, variant 0.0562%"
