"""Bad input: one clear message naming file, line and column; exit 2; nothing written."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
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


# Issue 16: input that once crashed, hung or was wrongly accepted. Each is rejected with exit 2, a
# message naming the file (and line and column, or key) and nothing written.
CONFIG = "name: s\nfirst_year: 2026\nlast_year: 2027\n"
HOSTILE = {
    "1: scenario.yaml in Latin-1": ("scenario.yaml", "name: é\n".encode("latin-1"), "line 1: byte 0xe9 is not UTF-8"),
    "1: scenario.yaml in UTF-16": ("scenario.yaml", CONFIG.encode("utf-16"), "line 1: byte 0xff is not UTF-8"),
    "1: a table not UTF-8": ("regions.csv", b"region_id\n\xff\n", "regions.csv: line 2: byte 0xff is not UTF-8"),
    "2: deep nesting": ("scenario.yaml", CONFIG + "x: " + "[" * 3000 + "]" * 3000, "nested more than 20 levels"),
    "3: alias chain": (
        "scenario.yaml",
        "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" + CONFIG,
        "scenario.yaml: line 2, column 8: not valid YAML (aliases (*name) are not allowed",
    ),
    "3: alias as the name": ("scenario.yaml", "x: &i s\nname: *i\nfirst_year: 2026\nlast_year: 2027\n", "aliases"),
    "5: year far in the past": (
        "scenario.yaml",
        "name: s\nfirst_year: -2000000000\nlast_year: 2027\n",
        "key first_year: expected a finite number from 1900 to 2200 (a calendar year), got -2000000000",
    ),
    "5: horizon too long": ("scenario.yaml", "name: s\nfirst_year: 1990\nlast_year: 2190\n", "longer than 100 years"),
    "6: inf in a table": ("demand.csv", "demand_id,year,mw\nus,2026,inf\n", "line 2, column mw: expected a finite"),
    "6: Infinity": ("demand.csv", "demand_id,year,mw\nus,2026,Infinity\n", "column mw: expected a finite number"),
    "6: 1e309": ("regions.csv", GOOD_REGIONS.replace(",100,1", ",1e309,1"), "line 2, column max_mw: expected a finite"),
    "6: 400 digits": ("demand.csv", f"demand_id,year,mw\nus,2026,{'9' * 400}\n", "got '99999999999999999999"),
    "6: 400-digit year": ("demand.csv", f"demand_id,year,mw\nus,{'9' * 400},1\n", "column year: expected a whole"),
    "6: nan is not blank": ("demand.csv", "demand_id,year,mw\nus,2026,nan\n", "column mw: expected a finite number"),
    "6: nan in a column that may be blank": (
        "regions.csv",
        "region_id,zone_id,lat,lon,max_mw,module_mw\na,Z,39,-77,100,nan\n",
        "line 2, column module_mw: expected a finite number, got 'nan'",
    ),
    "6: YAML .inf": ("scenario.yaml", CONFIG + "discount_rate: .inf\n", "key discount_rate: Input should be a finite"),
    "6: YAML 1e309": (
        "scenario.yaml",
        CONFIG + "unserved_penalty_usd_per_mw_year: 1e309\n",
        "key unserved_penalty_usd_per_mw_year: Input should be a finite number",
    ),
    "6: demand beyond the MW bound": (
        "demand.csv",
        "demand_id,year,mw\nus,2026,1e25\n",
        "line 2, column mw: expected a finite number from -1e+07 to 1e+07 (MW), got '1e25'",
    ),
    "6: cost beyond the USD bound": (
        "regions.csv",
        "region_id,zone_id,lat,lon,max_mw,capex_usd_per_mw\na,Z,39,-77,100,1e13\n",
        "column capex_usd_per_mw: expected a finite number from -1e+12 to 1e+12 (USD)",
    ),
    "6: penalty beyond the USD bound": (
        "scenario.yaml",
        CONFIG + "unserved_penalty_usd_per_mw_year: 1.0e+13\n",
        "key unserved_penalty_usd_per_mw_year: expected a finite number from -1e+12 to 1e+12 (USD)",
    ),
    "7: first_year: no": ("scenario.yaml", "name: s\nfirst_year: no\nlast_year: 2027\n", "key first_year: Input"),
    "7: threads: yes": ("scenario.yaml", CONFIG + "solver: {threads: yes}\n", "key solver.threads: Input should be"),
    "7: load_factor: on": ("scenario.yaml", CONFIG + "load_factor: on\n", "key load_factor: Input should be a valid"),
    "7: cost_allocation: yes": ("scenario.yaml", CONFIG + "cost_allocation: yes\n", "key cost_allocation"),
    "7: a number as text": ("scenario.yaml", CONFIG + 'discount_rate: "0.05"\n', "key discount_rate: Input should"),
    "8: threads beyond the cores": (
        "scenario.yaml",
        CONFIG + "solver: {threads: 1000000}\n",
        "key solver.threads: Input should be less than or equal to",
    ),
    "a row longer than the header": (
        "demand.csv",
        "demand_id,year,mw\nus,2026,5,x\n",
        "demand.csv: not a readable CSV file (Error tokenizing data. C error: Expected 3 fields in line 2, saw 4)",
    ),
    "a column twice": ("demand.csv", "demand_id,year,mw,mw\nus,2026,5,6\n", "line 1: column mw appears more than once"),
    "9: regions.csv with a header only": (
        "regions.csv",
        "region_id,zone_id,lat,lon,max_mw\n",
        "regions.csv: no rows: expected at least one below the header",
    ),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_input_is_rejected_naming_the_file(folder, tmp_path, case):
    file, content, expected = HOSTILE[case]
    (folder / file).write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    assert expected in str(caught.value)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert expected in result.output.replace("\n", " ") or expected in result.output
    assert not out.exists()


def test_numbers_as_yaml_1_2_reads_them(folder):
    """5e7 is a number, as in YAML 1.2 (PyYAML's YAML 1.1 would make it text, then an error)."""
    (folder / "scenario.yaml").write_text(CONFIG + "unserved_penalty_usd_per_mw_year: 5e7\n")
    assert load_scenario(folder).config.unserved_penalty_usd_per_mw_year == 5e7


@pytest.mark.parametrize("text", ["NA", "null", "None", "nan", "N/A", "#N/A", "n/a", "NULL"])
def test_ids_that_pandas_reads_as_missing_are_ids(folder, text):
    """Defect 10: only an empty cell is blank; a pool named null is a pool, not no pool."""
    (folder / "regions.csv").write_text(
        f"region_id,zone_id,lat,lon,max_mw,pool_id\n{text},{text},39,-77,100,{text}\nb,Z,33,-97,100,\n"
    )
    (folder / "local_limits.csv").write_text(f"pool_id,year,limit_mw\n{text},2026,10\n")
    scenario = load_scenario(folder)
    assert scenario.regions["region_id"].tolist() == [text, "b"]
    assert scenario.regions["zone_id"].iloc[0] == text
    assert scenario.regions["pool_id"].iloc[0] == text and pd.isna(scenario.regions["pool_id"].iloc[1])
    assert load_scenario(scenario.files()).regions.equals(scenario.regions)  # and they survive a round trip


def test_a_cell_of_spaces_is_blank(folder):
    (folder / "regions.csv").write_text("region_id,zone_id,lat,lon,max_mw\na,  ,39,-77,100\n")
    with pytest.raises(ScenarioError, match="line 2, column zone_id: empty cell"):
        load_scenario(folder)


def _variant(tmp_path, folder, base: str):
    variant = tmp_path / "variant"
    variant.mkdir(exist_ok=True)
    (variant / "scenario.yaml").write_text(yaml.safe_dump({"base": base}))
    return variant


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("latin1", "regions.csv: line 2: byte 0xe9 is not UTF-8"),
        ("folder", "x.csv: is a folder, expected a file"),
        ("loop", "loop.csv: cannot be read (Too many levels of symbolic links)"),
    ],
)
def test_unreadable_files_of_a_variant_folder_are_named(folder, tmp_path, entry, expected):
    """Defect 4: a variant folder's CSV files that are not readable UTF-8 files."""
    variant = _variant(tmp_path, folder, "../s")
    if entry == "latin1":
        (variant / "regions.csv").write_bytes("region_id,zone_id,lat,lon,max_mw\né,Z,39,-77,100\n".encode("latin-1"))
    elif entry == "folder":
        (variant / "x.csv").mkdir()
    else:
        (variant / "loop.csv").symlink_to("loop.csv")
    result = CliRunner().invoke(app, ["validate", str(variant)])
    assert result.exit_code == 2 and expected in result.output, result.output


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("../ba\0se", "key base: '../ba\\x00se': no scenario folder there"),
        ("x" * 6000, "no scenario folder there"),
        ("../missing", "key base: '../missing': no scenario folder there"),
        ("/etc", "key base: '/etc': scenario.yaml: file not found in the scenario folder"),
        ("link", "key base: 'link': scenario.yaml: file not found"),
        ("../s/regions.csv", "key base: '../s/regions.csv': no scenario folder there"),
    ],
)
def test_a_bad_base_is_named(folder, tmp_path, base, expected):
    """Defects 4 and 11: a base with a NUL character, too long, missing, not a scenario, a link to a
    folder that is not one, or a file."""
    variant = _variant(tmp_path, folder, base)
    (variant / "link").symlink_to(tmp_path)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(variant)
    assert expected in str(caught.value)
    result = CliRunner().invoke(app, ["validate", str(variant)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_an_error_in_a_base_names_the_base_and_its_file(folder, tmp_path):
    (folder / "demand.csv").write_text("demand_id,year,mw\nus,2026,-1\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_variant(tmp_path, folder, "../s"))
    assert str(caught.value) == (
        "scenario.yaml: key base: '../s': demand.csv: line 2, column mw: expected a number >= 0, got '-1'"
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("regions.max_mw = inf", "regions.csv after edits ['regions.max_mw = inf']: line 2, column max_mw: expected a"),
        ("regions.capex_usd_per_mw = inf", "column capex_usd_per_mw: expected a finite number, got 'inf'"),
        (f"regions.max_mw = {'9' * 400}", "column max_mw: expected a finite number, got 'inf'"),
        ("regions.max_mw *= 1e6", "column max_mw: expected a finite number from -1e+07 to 1e+07 (MW)"),
        ("discount_rate = nan", "key discount_rate: Input should be a finite number"),
        ("solver.threads = 1000000", "key solver.threads: Input should be less than or equal to"),
        ("first_year = 0", "key first_year: expected a finite number from 1900 to 2200"),
    ],
)
def test_edits_obey_the_same_bounds(folder, tmp_path, edit, expected):
    """Defects 6 and 8 through --set: an infinite cost once solved as optimal with objective NaN, and
    a million threads aborted the process."""
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out), "--set", edit])
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--threads", "1000000", "solver settings: key threads: Input should be less than or equal to"),
        ("--time-limit", "nan", "key time_limit_s: Input should be a finite number"),
        ("--time-limit", "inf", "key time_limit_s: Input should be a finite number"),
        ("--gap", "2", "key mip_rel_gap: expected a finite number from -1 to 1 (a share)"),
    ],
)
def test_command_line_numbers_obey_the_same_bounds(folder, tmp_path, option, value, expected):
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out"), option, value])
    assert result.exit_code == 2 and expected in result.output, result.output


SWEEP = {
    "base": "s",
    "samples": {
        "count": 2,
        "seed": 1,
        "draws": [{"edit": "discount_rate = {value}", "distribution": "uniform", "args": [0, 0.1]}],
    },
}


def _draw(**changes) -> dict:
    return {"samples": SWEEP["samples"] | {"draws": [SWEEP["samples"]["draws"][0] | changes]}}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (_draw(edit="regions[region_id={oops}].max_mw = {value}"), "the edit may hold {key} and {value} only"),
        (_draw(edit="discount_rate = {0}"), "the edit may hold {key} and {value} only"),
        (_draw(edit="discount_rate = {value!r}"), "the edit may hold {key} and {value} only"),
        (_draw(edit="discount_rate = {value"), "the edit is not a template"),
        (_draw(edit="discount_rate = 1"), "the edit must hold {value}"),
        (_draw(edit="regions[region_id={key}].max_mw = {value}"), "{key} needs for_each"),
        (_draw(args=[0, 1, 10**11]), "uniform takes at most 2 args"),
        (_draw(args=[0, ".inf"]), "Input should be a valid number"),
        ({"samples": SWEEP["samples"] | {"seed": -1}}, "key samples.seed: Input should be greater than or equal to 0"),
        ({"samples": SWEEP["samples"] | {"count": 10**9}}, "key samples.count: Input should be less than or equal to"),
        ({"samples": SWEEP["samples"] | {"count": True}}, "key samples.count: Input should be a valid integer"),
    ],
)
def test_bad_sweep_draws_are_named(folder, tmp_path, changes, expected):
    """Defect 12: draw templates that str.format cannot fill, a negative seed, numpy's size argument."""
    sweep = tmp_path / "study.yaml"
    sweep.write_text(yaml.safe_dump(SWEEP | changes))
    result = CliRunner().invoke(app, ["batch", str(sweep)])
    assert result.exit_code == 2, result.output
    assert "study.yaml: key samples" in result.output and expected in result.output
    assert not (tmp_path / "runs.duckdb").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name: é\n".encode("latin-1"), "study.yaml: line 1: byte 0xe9 is not UTF-8"),
        (b"base: s\nvariants: {a: &x [discount_rate = 0.1], b: *x}\n", "study.yaml: line 2, column 44: not valid YAML"),
        (("base: s\ngrid: " + "{a: " * 50 + "x" + "}" * 50).encode(), "nested more than 20 levels"),
        (b"base: nope\n", "study.yaml: key base: 'nope': no scenario folder there"),
        (b"base: s/regions.csv\n", "study.yaml: key base: 's/regions.csv': no scenario folder there"),
    ],
)
def test_unreadable_sweep_files_are_named(folder, tmp_path, content, expected):
    sweep = tmp_path / "study.yaml"
    sweep.write_bytes(content)
    result = CliRunner().invoke(app, ["batch", str(sweep)])
    assert result.exit_code == 2 and expected in result.output, result.output


def test_a_store_that_is_another_file_is_refused_untouched(folder, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("a user's notes\n")
    sweep = tmp_path / "study.yaml"
    sweep.write_text(yaml.safe_dump(SWEEP | {"store": "notes.txt"}))
    result = CliRunner().invoke(app, ["batch", str(sweep)])
    assert result.exit_code == 2 and "notes.txt: not a results store (a DuckDB file)" in result.output
    assert notes.read_text() == "a user's notes\n"
    listed = CliRunner().invoke(app, ["runs", "list", "--store", str(notes)])
    assert listed.exit_code == 2 and "not a readable results store" in listed.output
