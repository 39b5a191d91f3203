"""Edits and `base:` variants: what they change, the optima they lead to, and their errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from scenario_factory import write_scenario
from typer.testing import CliRunner

from optimizer import ScenarioError, load_scenario, solve
from optimizer.cli import app
from optimizer.inputs.variants import apply_edits, parse_edit

runner = CliRunner()


@pytest.fixture
def tiny(tmp_path):
    """a (capex 1, lead 1 yr) and b (capex 2, modules of 40 MW); 50 then 80 MW: optimum 160 (README)."""
    return write_scenario(
        tmp_path / "tiny",
        regions=[
            {"region_id": "a", "zone_id": "PJM", "capex_usd_per_mw": 1, "lead_time_years": 1},
            {"region_id": "b", "zone_id": "ERCOT", "capex_usd_per_mw": 2, "module_mw": 40},
        ],
        demand=[("us", 2026, 50), ("us", 2027, 80)],
        service_costs=[("us", "a", 0), ("us", "b", 0)],
        last_year=2027,
    )


def region(scenario, region_id, column):
    return scenario.regions.set_index("region_id").at[region_id, column]


def test_parse_edit_reads_paths_filters_operators_and_typed_values():
    edit = parse_edit('regions[zone_id=PJM, region_id="a b"].lead_time_years += 2')
    assert edit.path == ("regions", "lead_time_years")
    assert edit.filters == (("zone_id", "PJM"), ("region_id", "a b"))
    assert (edit.op, edit.value) == ("+=", 2)
    assert parse_edit("solver.time_limit_s=60.5").path == ("solver", "time_limit_s")
    assert parse_edit("solver.time_limit_s = null").value is None


def test_edits_reach_cells_by_key_whole_columns_and_scalars(tiny):
    base = load_scenario(tiny)
    edited = apply_edits(
        base,
        [
            "regions[zone_id=PJM].lead_time_years += 2",
            "regions.max_mw *= 0.5",
            "regions[region_id=b].capex_usd_per_mw = 3",
            "service_costs[demand_id=us, region_id=b].usd_per_mw_year = 7",
            "discount_rate = 0.05",
            "solver.time_limit_s = 60",
            "solver.lp_start = false",
        ],
    )
    assert region(edited, "a", "lead_time_years") == 3 and region(edited, "b", "lead_time_years") == 0
    assert region(edited, "a", "max_mw") == 500 and region(edited, "b", "max_mw") == 500
    assert region(edited, "b", "capex_usd_per_mw") == 3 and region(edited, "a", "capex_usd_per_mw") == 1
    costs = edited.service_costs.set_index("region_id")["usd_per_mw_year"]
    assert costs["b"] == 7 and costs["a"] == 0
    assert edited.config.discount_rate == 0.05 and edited.config.solver.time_limit_s == 60
    assert edited.config.solver.lp_start is False  # true/false are YAML's booleans for a key
    assert edited.source == tiny and len(edited.edits) == 7
    assert region(base, "a", "lead_time_years") == 1  # the base is left as it was


def test_edits_change_the_optimum_as_computed_by_hand(tiny):
    """No lead time at a: 80 MW from a at capex 1 = 80. Cheap b (capex 0.5) instead: two 40 MW
    modules in 2026 (80 MW) cover both years, 40."""
    base = load_scenario(tiny)
    assert solve(apply_edits(base, ["regions[region_id=a].lead_time_years = 0"])).summary[
        "objective_usd"
    ] == pytest.approx(80)
    assert solve(apply_edits(base, ["regions[region_id=b].capex_usd_per_mw *= 0.25"])).summary[
        "objective_usd"
    ] == pytest.approx(40)


BAD_EDITS = {
    "unknown table or key": (
        "regionz[zone_id=PJM].max_mw = 1",
        "unknown name 'regionz'; expected one of: regions, demand",
    ),
    "unknown column": ("regions[zone_id=PJM].foo = 1", "regions.csv has no column 'foo'"),
    "unknown filter column": ("regions[zone=PJM].max_mw = 1", "regions.csv has no column 'zone'"),
    "filter matches nothing": ("regions[zone_id=MISO].max_mw = 1", "no row of regions.csv has zone_id = MISO"),
    "a blank cell matches nothing": ("regions[pool_id=nan].max_mw = 1", "no row of regions.csv has pool_id = nan"),
    "word for a number": ("regions[region_id=a].max_mw = lots", "regions.csv column max_mw holds numbers; got 'lots'"),
    "arithmetic on text": ("regions.zone_id += 1", "+= needs a number in regions.csv column zone_id"),
    "unknown yaml key": ("solver.nope = 1", "unknown name 'nope'; expected one of: mip_rel_gap, time_limit_s, threads"),
    "syntax": ("regions[zone_id=PJM].max_mw == 1", "column 30: not understood"),
    "filter on a yaml key": ("discount_rate[x=1] = 1", "is a scenario.yaml key"),
    "breaks table rules": ("regions[region_id=b].max_mw = -5", "regions.csv after edits"),
    "breaks yaml rules": ("first_year = 2030", "scenario.yaml after edits"),
    "word for a yaml number": ("discount_rate = abc", "key discount_rate: Input should be a valid number"),
}


@pytest.mark.parametrize("text, expected", BAD_EDITS.values(), ids=BAD_EDITS.keys())
def test_bad_edits_are_clear_errors(tiny, text, expected):
    with pytest.raises(ScenarioError) as err:
        apply_edits(load_scenario(tiny), [text])
    assert expected in str(err.value)


def test_whole_numbers_stay_whole_and_text_keys_take_words(tmp_path):
    folder = write_scenario(tmp_path / "s", regions=[{"region_id": "a"}], demand=[("us", 2027, 5)], last_year=2027)
    edited = apply_edits(load_scenario(folder), ["demand.year -= 1", 'name = "renamed run"'])
    assert edited.demand["year"].tolist() == [2026] and edited.name == "renamed run"


def test_edited_value_breaking_a_rule_names_line_and_column(tiny):
    with pytest.raises(
        ScenarioError, match=r"regions.csv after edits .*: line 3, column max_mw: expected a number >= 0, got '-5.0'"
    ):
        apply_edits(load_scenario(tiny), ["regions[region_id=b].max_mw = -5"])


def test_effective_inputs_round_trip_to_the_same_hash(tiny):
    edited = apply_edits(load_scenario(tiny), ["regions.max_mw *= 0.5", "regions[region_id=b].module_mw = null"])
    again = load_scenario(edited.files())
    assert again.input_hash() == edited.input_hash() != load_scenario(tiny).input_hash()
    assert pd.isna(region(again, "b", "module_mw"))


def test_base_and_overrides_in_scenario_yaml(tiny, tmp_path):
    variant = tmp_path / "variant"
    variant.mkdir()
    (variant / "scenario.yaml").write_text(
        yaml.safe_dump(
            {
                "base": "../tiny",
                "name": "slip",
                "solver": {"time_limit_s": 30},
                "overrides": ["regions[region_id=a].lead_time_years += 1"],
            }
        )
    )
    (variant / "demand.csv").write_text("demand_id,year,mw\nus,2026,10\nus,2027,20\n")
    scenario = load_scenario(variant)
    assert scenario.name == "slip" and scenario.config.last_year == 2027  # base keys kept unless replaced
    assert scenario.config.solver.time_limit_s == 30 and scenario.config.solver.mip_rel_gap == 0.0  # merged
    assert scenario.demand["mw"].tolist() == [10, 20]  # this folder's file replaces the base's
    assert region(scenario, "a", "lead_time_years") == 2 and scenario.edits == (
        "regions[region_id=a].lead_time_years += 1",
    )
    # a stays closed both years: 20 MW from b in one 40 MW module at capex 2 = 80.
    assert solve(scenario).summary["objective_usd"] == pytest.approx(80)


def test_base_cycle_is_an_error(tmp_path):
    for name, other in (("x", "y"), ("y", "x")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "scenario.yaml").write_text(f"base: ../{other}\nname: {name}\n")
    with pytest.raises(ScenarioError, match="is a base of itself"):
        load_scenario(tmp_path / "x")


def test_cli_solve_with_set_saves_effective_inputs(tiny, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["solve", str(tiny), "--out", str(out), "--set", "regions[region_id=a].lead_time_years = 0"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(80)
    assert summary["edits"] == ["regions[region_id=a].lead_time_years = 0"]
    saved = load_scenario(out / "inputs")
    assert saved.input_hash() == summary["input_hash"] and region(saved, "a", "lead_time_years") == 0


def test_a_time_limited_solve_hashes_its_inputs_as_asked(tiny, tmp_path):
    """The command's budget gives the solve what is left of --time-limit; that share is not an input,
    so two runs and a re-solve of the saved inputs carry one input hash."""
    hashes = []
    for name in ("one", "two"):
        result = runner.invoke(app, ["solve", str(tiny), "--out", str(tmp_path / name), "--time-limit", "60"])
        assert result.exit_code == 0, result.output
        summary = json.loads((tmp_path / name / "summary.json").read_text())
        assert summary["solver"]["time_limit_s"] < 60  # the budget's share, not the 60 s asked for
        hashes.append(summary["input_hash"])
    saved = load_scenario(tmp_path / "one" / "inputs")
    assert hashes[0] == hashes[1] == saved.input_hash() == load_scenario(tiny).with_solver(time_limit_s=60).input_hash()


def test_cli_bad_set_exits_2_and_writes_nothing(tiny, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out), "--set", "regions[zone_id=MISO].max_mw = 1"])
    assert result.exit_code == 2 and "no row of regions.csv has zone_id = MISO" in result.output
    assert not out.exists()
