"""Bad input: one clear message naming file, line and column; exit 2; nothing written."""

from __future__ import annotations

import pytest
from scenario_factory import write_scenario
from typer.testing import CliRunner

from optimizer import ScenarioError, load_scenario
from optimizer.cli import app

GOOD_REGIONS = "region_id,zone_id,lat,lon,max_mw,lead_time_years\na,Z,39,-77,100,1\nb,Z,33,-97,100,0\n"
GOOD_DEMAND = "demand_id,year,mw\nus,2026,50\nus,2027,80\n"


@pytest.fixture
def folder(tmp_path):
    folder = write_scenario(tmp_path / "s", regions=[{"region_id": "a"}], demand=[("us", 2026, 1)], last_year=2027)
    (folder / "regions.csv").write_text(GOOD_REGIONS)
    (folder / "demand.csv").write_text(GOOD_DEMAND)
    return folder


CASES = {
    "missing file": ("demand.csv", None, "demand.csv: file not found"),
    "missing column": ("regions.csv", "region_id,zone_id,lat,lon\na,Z,39,-77\n", "missing required column 'max_mw'"),
    "wrong type": (
        "regions.csv",
        GOOD_REGIONS.replace("a,Z,39,-77,100", "a,Z,39,-77,lots"),
        "line 2, column max_mw: expected a number, got 'lots'",
    ),
    "year not whole": (
        "demand.csv",
        "demand_id,year,mw\nus,2026.5,5\n",
        "line 2, column year: expected a whole number, got '2026.5'",
    ),
    "empty cell": (
        "regions.csv",
        GOOD_REGIONS.replace("b,Z,33,-97,100,0", "b,,33,-97,100,0"),
        "line 3, column zone_id: empty cell",
    ),
    "blank optional cell": (
        "regions.csv",
        GOOD_REGIONS.replace("b,Z,33,-97,100,0", "b,Z,33,-97,100,"),
        "line 3, column lead_time_years: empty cell",
    ),
    "negative mw": (
        "demand.csv",
        "demand_id,year,mw\nus,2026,-3\n",
        "line 2, column mw: expected a number >= 0, got '-3'",
    ),
    "negative cost": (
        "regions.csv",
        "region_id,zone_id,lat,lon,max_mw,capex_usd_per_mw\na,Z,39,-77,100,-1\n",
        "line 2, column capex_usd_per_mw: expected a number >= 0, got '-1'",
    ),
    "zero module": (
        "regions.csv",
        "region_id,zone_id,lat,lon,max_mw,module_mw\na,Z,39,-77,100,0\n",
        "line 2, column module_mw: expected a number > 0",
    ),
    "latitude out of range": (
        "regions.csv",
        "region_id,zone_id,lat,lon,max_mw\na,Z,139,-77,100\n",
        "line 2, column lat: expected a number from -90 to 90",
    ),
    "duplicate id": ("regions.csv", GOOD_REGIONS.replace("b,Z", "a,Z"), "line 3, column region_id: duplicate id 'a'"),
    "duplicate demand row": (
        "demand.csv",
        GOOD_DEMAND + "us,2027,10\n",
        "line 4: duplicate row for demand_id=us, year=2027",
    ),
    "demand year outside horizon": (
        "demand.csv",
        "demand_id,year,mw\nus,2031,5\n",
        "line 2, column year: expected a year from 2026 to 2027",
    ),
    "service names unknown region": (
        "service_costs.csv",
        "demand_id,region_id,usd_per_mw_year\nus,zz,1\n",
        "service_costs.csv: line 2, column region_id: expected a region_id listed in regions.csv, got 'zz'",
    ),
    "service names unknown demand": (
        "service_costs.csv",
        "demand_id,region_id,usd_per_mw_year\neu,a,1\n",
        "line 2, column demand_id: expected a demand_id listed in demand.csv, got 'eu'",
    ),
    "zone limit names unknown zone": (
        "zone_limits.csv",
        "zone_id,year,limit_mw\nQ,2026,5\n",
        "zone_limits.csv: line 2, column zone_id: expected a zone_id used in regions.csv, got 'Q'",
    ),
    "broken yaml": (
        "scenario.yaml",
        "name: [oops\nfirst_year: 2026\n",
        "scenario.yaml: line 2, column 11: not valid YAML",
    ),
    "yaml not a mapping": ("scenario.yaml", "- 1\n- 2\n", "scenario.yaml: expected a mapping"),
    "horizon reversed": (
        "scenario.yaml",
        "name: s\nfirst_year: 2028\nlast_year: 2026\n",
        "first_year 2028 is after last_year 2026",
    ),
    "missing key": ("scenario.yaml", "name: s\nfirst_year: 2026\n", "scenario.yaml: key last_year: missing"),
    "unknown key": (
        "scenario.yaml",
        "name: s\nfirst_year: 2026\nlast_year: 2027\ndiscount: 0.1\n",
        "key discount: unknown key",
    ),
    "bad solver setting": (
        "scenario.yaml",
        "name: s\nfirst_year: 2026\nlast_year: 2027\nsolver: {threads: 0}\n",
        "key solver.threads: Input should be greater than or equal to 1, got 0",
    ),
    "negative penalty": (
        "scenario.yaml",
        "name: s\nfirst_year: 2026\nlast_year: 2027\nunserved_penalty_usd_per_mw_year: -1\n",
        "key unserved_penalty_usd_per_mw_year",
    ),
    "unknown path kind": (
        "interconnection.csv",
        "region_id,path_id,kind,lead_time_years,max_mw\na,p,magic,0,10\n",
        "interconnection.csv: line 2, column kind: expected one of queue, flexible, onsite, colocation, got 'magic'",
    ),
    "full curtailment": (
        "interconnection.csv",
        "region_id,path_id,kind,lead_time_years,max_mw,curtailment_share\na,p,flexible,0,10,1\n",
        "line 2, column curtailment_share: expected a number from 0 up to, not including, 1, got '1'",
    ),
    "duplicate path": (
        "interconnection.csv",
        "region_id,path_id,kind,lead_time_years,max_mw\na,p,queue,0,10\na,p,onsite,0,10\n",
        "line 3: duplicate row for region_id=a, path_id=p",
    ),
    "onsite path without its fuel cost": (
        "interconnection.csv",
        "region_id,path_id,kind,lead_time_years,max_mw,energy_price_usd_per_mwh\na,grid,queue,0,10,\na,gas,onsite,0,10,\n",
        "interconnection.csv: line 3, column energy_price_usd_per_mwh: empty cell, expected the onsite path's fuel cost",
    ),
    "tariff for unknown region": (
        "tariffs.csv",
        "region_id,energy_price_usd_per_mwh\nzz,50\n",
        "tariffs.csv: line 2, column region_id: expected a region_id listed in regions.csv, got 'zz'",
    ),
    "min take above one": (
        "tariffs.csv",
        "region_id,min_take_share\na,1.5\n",
        "tariffs.csv: line 2, column min_take_share: expected a number from 0 to 1, got '1.5'",
    ),
    "local limit for unknown pool": (
        "local_limits.csv",
        "pool_id,year,limit_mw\naep,2026,5\n",
        "local_limits.csv: line 2, column pool_id: expected a pool_id used in regions.csv, got 'aep'",
    ),
    "pue below one": (
        "regions.csv",
        "region_id,zone_id,lat,lon,max_mw,pue\na,Z,39,-77,100,0.9\n",
        "line 2, column pue: expected a number >= 1, got '0.9'",
    ),
    "demand in mw and gpus": (
        "demand.csv",
        "demand_id,year,mw,gpu_id,gpus\nus,2026,5,,100\n",
        "demand.csv: line 2: expected either mw, or gpus with gpu_id, not both",
    ),
    "demand in neither": (
        "demand.csv",
        "demand_id,year,mw,gpu_id,gpus\nus,2026,,,\n",
        "demand.csv: line 2: expected either mw, or gpus with gpu_id, not neither",
    ),
    "unknown gpu": (
        "demand.csv",
        "demand_id,year,mw,gpu_id,gpus\nus,2026,,h100,100\n",
        "demand.csv: line 2, column gpu_id: expected a gpu_id listed in gpus.csv, got 'h100'",
    ),
    "unknown cost allocation": (
        "scenario.yaml",
        "name: s\nfirst_year: 2026\nlast_year: 2027\ncost_allocation: bogus\n",
        "scenario.yaml: key cost_allocation",
    ),
    "salvage without asset lives": (
        "scenario.yaml",
        "name: s\nfirst_year: 2026\nlast_year: 2027\nsalvage: straight_line\n",
        "regions.csv: line 2, column asset_life_years: empty cell, expected the asset life in years",
    ),
    "water limit naming neither basin nor region": (
        "water_limits.csv",
        "basin_id,region_id,year,limit_megalitres\n,,2026,5\n",
        "water_limits.csv: line 2: expected a basin_id or a region_id, not both or neither",
    ),
    "load factor above one": (
        "scenario.yaml",
        "name: s\nfirst_year: 2026\nlast_year: 2027\nload_factor: 1.5\n",
        "key load_factor: Input should be less than or equal to 1, got 1.5",
    ),
    "not a csv": ("regions.csv", 'region_id,zone_id\n"unclosed,Z\n', "regions.csv: "),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_named_exactly(folder, tmp_path, case):
    file, content, expected = CASES[case]
    if content is None:
        (folder / file).unlink()
    else:
        (folder / file).write_text(content)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    assert expected in str(caught.value)

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_several_problems_are_reported_together_in_file_order(folder):
    (folder / "regions.csv").write_text("region_id,zone_id,lat,lon,max_mw\na,Z,39,-77,-1\nb,Z,33,-97,x\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    # Types are checked first: the range check waits until every cell is a number.
    assert caught.value.problems == ["line 3, column max_mw: expected a number, got 'x'"]


def test_unknown_scenario_folder(tmp_path):
    with pytest.raises(ScenarioError, match="scenario folder not found"):
        load_scenario(tmp_path / "nowhere")


def test_unknown_files_and_columns_are_named_with_a_suggestion(folder, tmp_path):
    (folder / "regions.csv").write_text("region_id,zone_id,lat,lon,max_mw,lead_time_year\na,Z,39,-77,100,1\n")
    (folder / "zone_limit.csv").write_text("zone_id,year,limit_mw\nZ,2026,5\n")
    scenario = load_scenario(folder)
    assert scenario.warnings == (
        "zone_limit.csv: not a scenario table, ignored (did you mean 'zone_limits.csv'?)",
        "regions.csv: unknown column 'lead_time_year' ignored (did you mean 'lead_time_years'?)",
    )
    result = CliRunner().invoke(
        app, ["solve", str(folder), "--out", str(tmp_path / "out"), "--no-report", "--no-export"]
    )
    assert "warning: regions.csv: unknown column 'lead_time_year' ignored" in result.output
    summary = (tmp_path / "out" / "summary.json").read_text()
    assert "did you mean 'zone_limits.csv'?" in summary
