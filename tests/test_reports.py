"""HTML and PDF siting reports: numbers equal the result files, the HTML works in a real browser,
the PDF has the expected pages and text, and reports never need the model."""

from __future__ import annotations

import io
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import CHROMIUM, WIDTHS, chromium, layout_problems
from typer.testing import CliRunner

from formulations.objective import COMPONENTS
from optimizer import load_scenario, solve, write_results
from optimizer.cli import app
from optimizer.inputs.variants import apply_edits
from optimizer.pipeline.marginals import explain_limits
from optimizer.pipeline.outputs import write_rendered
from reports import comparison_files, export_renderers, report_files, report_renderers
from reports.document import Table, seconds, signed_usd, usd
from reports.figures import category_styles, lower48_states

SECTIONS = (
    "Executive summary",
    "Where to build",
    "When capacity comes online",
    "What it costs",
    "Who pays",
    "Grid load, emissions and water",
    "What limits this plan",
    "Assumptions and data sources",
    "How this plan was obtained",
)


@pytest.fixture(scope="module")
def run_dir(default_run, tmp_path_factory) -> Path:
    """The default scenario's run folder, written as `gridsite solve` writes it."""
    scenario, result = default_run
    out = tmp_path_factory.mktemp("default_run")
    analysed = replace(result, analysis=explain_limits(scenario, result).tables)
    tables = ["capacity", "service", "unserved", "costs", "sites", "limits", "lead_times"]
    extra = report_renderers() | export_renderers(tables)
    write_results(analysed, out, extra=extra, inputs=scenario.files())
    return out


def html_table(run: Path, title: str, page: str = "report.html") -> pd.DataFrame:
    """A table of an HTML report by its title (pandas parses '1,200' as 1200)."""
    html = io.StringIO((run / page).read_text())
    (table,) = pd.read_html(html, attrs={"id": Table(title, pd.DataFrame()).html_id})
    return table


def test_report_totals_equal_the_result_files(run_dir):
    costs = pd.read_csv(run_dir / "costs.csv")
    cost_table = html_table(run_dir, "Cost by component").set_index("component")
    assert cost_table.at["total", "discounted (USD)"] == round(costs["discounted_usd"].sum())
    assert cost_table.at["total", "undiscounted (USD)"] == round(costs["usd"].sum())
    by_component = costs.groupby("component")["discounted_usd"].sum().round()
    assert cost_table["discounted (USD)"].drop(["total", "spend (paid)"]).to_dict() == by_component.to_dict()
    penalty = costs.loc[costs["component"] == "unserved", "discounted_usd"].sum()
    assert cost_table.at["spend (paid)", "discounted (USD)"] == round(costs["discounted_usd"].sum() - penalty)
    assert cost_table.at["unserved", "counts as"] == "valuation"

    capacity = pd.read_csv(run_dir / "capacity.csv")
    total = html_table(run_dir, "IT MW in service by region and year").set_index("region").loc["total"]
    for year, mw in capacity.groupby("year")["capacity_mw"].sum().items():
        assert float(total[str(year)]) == round(mw)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert f"{summary['objective_usd'] / 1e9:,.2f} bn" in (run_dir / "report.html").read_text()


def capacity_grid_mw(run_dir: Path) -> float:
    capacity = pd.read_csv(run_dir / "capacity.csv")
    return capacity.loc[capacity["year"] == capacity["year"].max(), "grid_mw"].sum()


def test_spend_and_shortfall_are_apart_from_the_penalty(run_dir):
    """summary.json's spend, penalty and shortfall equal costs.csv and unserved.csv, and the summary and
    key figures say them apart, the penalty labelled a valuation."""
    summary = json.loads((run_dir / "summary.json").read_text())
    costs, unserved = pd.read_csv(run_dir / "costs.csv"), pd.read_csv(run_dir / "unserved.csv")
    penalty = costs.loc[costs["component"] == "unserved", "discounted_usd"].sum()
    assert summary["penalty_usd"] == pytest.approx(penalty) and penalty > 1e9
    assert summary["spend_usd"] == pytest.approx(costs["discounted_usd"].sum() - penalty)
    assert summary["spend_usd"] + summary["penalty_usd"] == pytest.approx(summary["objective_usd"])
    assert summary["shortfall_mw_years"] == pytest.approx(unserved["mw"].sum())
    figures = html_table(run_dir, "Key figures").set_index("item")["value"]
    assert figures["spend (discounted to 2026)"] == f"${summary['spend_usd'] / 1e9:,.2f} bn"
    assert figures["shortfall (demand not online)"] == f"{summary['shortfall_mw_years']:,.0f} MW-years"
    assert figures["unserved penalty on the shortfall (a valuation, not paid)"] == f"${penalty / 1e9:,.2f} bn"
    html = (run_dir / "report.html").read_text()
    assert f"It spends ${summary['spend_usd'] / 1e9:,.2f} bn (discounted to 2026)" in html
    grid = capacity_grid_mw(run_dir)
    assert f"({grid:,.0f} MW at the grid)" in html


def test_executive_summary_names_the_shortfall_and_its_cause(run_dir):
    """The default scenario is short in 2026-2028 (see README); the summary gives the MW from
    unserved.csv and, for 2026, the regions still waiting for their interconnection."""
    html = (run_dir / "report.html").read_text()
    unserved = pd.read_csv(run_dir / "unserved.csv").groupby("year")["mw"].sum()
    for year, mw in unserved.items():
        assert f"{mw:,.0f} MW in {year}" in html
    regions = pd.read_csv(run_dir / "inputs" / "regions.csv")
    paths = pd.read_csv(run_dir / "inputs" / "interconnection.csv")
    fastest = paths.groupby("region_id")["lead_time_years"].min().reindex(regions["region_id"])
    waiting = int(((regions["lead_time_years"].to_numpy() > 0) | (fastest.to_numpy() > 0)).sum())
    assert f"{waiting} of {len(regions)} regions cannot get power until after 2026" in html


def test_executive_summary_gives_gpus_served_against_gpus_demanded(run_dir):
    """The default states demand in GPUs: the summary's last-year counts are service.csv's GPUs and
    those plus unserved.csv's."""
    service, unserved = (pd.read_csv(run_dir / f"{name}.csv") for name in ("service", "unserved"))
    last = service["year"].max()
    served = service.loc[service["year"] == last, "gpus"].sum()
    demanded = served + unserved.loc[unserved["year"] == last, "gpus"].sum()
    assert served > 0
    shown = f"{served / 1e6:,.2f} million of {demanded / 1e6:,.2f} million GPUs are served in {last}"
    assert shown in (run_dir / "report.html").read_text()


def test_limits_section_lists_the_binding_zone_limits(run_dir):
    limits = pd.read_csv(run_dir / "limits.csv")
    binding = limits[limits["binding"]]
    assert not binding.empty  # the default scenario reaches some zone limits (e.g. SPP in 2028)
    shown = html_table(run_dir, "Power limits reached or valued")
    labels = binding["limit_id"] + " (" + binding["level"] + ")"
    assert set(zip(shown["limit"], shown["year"])) >= set(zip(labels, binding["year"]))
    reached = dict(zip(zip(labels, binding["year"]), binding["binding"]))
    assert all(
        reached.get((limit, year), False) == (flag == "yes")
        for limit, year, flag in shown[["limit", "year", "reached"]].itertuples(index=False)
        if (limit, year) in reached
    )


def test_lead_time_savings_split_spend_from_penalty_and_respect_tolerance(run_dir):
    """Each saving is spend plus penalty; a saving whose range includes 0 reads 'within solver
    tolerance', never $0; the summary's top saving is proven and split."""
    lead = pd.read_csv(run_dir / "lead_times.csv")
    assert (lead["spend_saving_usd"] + lead["penalty_saving_usd"]).to_numpy() == pytest.approx(lead["saving_usd"])
    table = html_table(run_dir, "Value of one year earlier interconnection")
    within = (lead["saving_low_usd"] <= 0) & (lead["saving_high_usd"] >= 0)
    assert within.any() and (~within).any()
    assert (table["saving if 1 year earlier"] == "within solver tolerance").sum() == within.sum()
    assert not table["saving if 1 year earlier"].isin(["$0", "0"]).any()
    top = lead[~within].sort_values("saving_usd").iloc[-1]
    html = (run_dir / "report.html").read_text()
    words = (
        f"connecting {top['region_id']} one year earlier would bring power sooner: "
        f"${top['penalty_saving_usd'] / 1e9:,.2f} bn less unserved penalty"
    )
    assert words in html


def test_executive_summary_cites_no_limit_the_plan_does_not_reach(run_dir):
    """limits.csv holds duals of an LP with module counts relaxed, where a limit the plan does not reach
    may have a value: the summary cites proven savings, and limits the plan reaches as LP estimates."""
    from reports.content import executive_summary
    from reports.run import read_run

    limits = pd.read_csv(run_dir / "limits.csv")
    valued = limits[~limits["binding"] & (limits["marginal_value_usd_per_mw"] > 0)]
    assert not valued.empty  # the default has some (e.g. SPP in 2028)
    summary = " ".join(executive_summary(read_run(run_dir)))
    for row in limits[~limits["binding"]].itertuples():
        assert f"{row.limit_id}'s {row.year}" not in summary
    assert "would lower the objective by" not in summary
    assert "What limits this plan most: connecting" in summary  # a lead time, proven by a re-solve


def test_who_pays_equals_upgrades_and_the_summary_totals(run_dir):
    upgrades = pd.read_csv(run_dir / "upgrades.csv")
    summary = json.loads((run_dir / "summary.json").read_text())
    by_region = html_table(run_dir, "Network upgrades by region").set_index("region")
    for region, row in upgrades.groupby("region_id")[["upgrade_cost_usd", "other_ratepayers_usd"]].sum().iterrows():
        if row["upgrade_cost_usd"] > 0.5:
            assert by_region.at[region, "other ratepayers pay"] == usd(row["other_ratepayers_usd"])
    assert by_region.at["total", "other ratepayers pay"] == usd(upgrades["other_ratepayers_usd"].sum())
    by_year = html_table(run_dir, "Network upgrades by year").set_index("year")
    assert by_year.at["total", "data centers pay"] == usd(upgrades["data_center_usd"].sum())
    html = (run_dir / "report.html").read_text()
    developer, system = (summary[k] - summary["penalty_usd"] for k in ("developer_cost_usd", "system_cost_usd"))
    assert f"the data centers spend {usd(developer)} on this plan and the system" in html
    assert f"{usd(system)}; the plan minimises" in html


def test_grid_load_emissions_and_water_equal_the_result_files(run_dir):
    table = html_table(run_dir, "Grid load, emissions and water by year").set_index("year")
    capacity = pd.read_csv(run_dir / "capacity.csv").groupby("year")[["capacity_mw", "grid_mw"]].sum()
    emissions = pd.read_csv(run_dir / "emissions.csv").groupby("year")["emissions_t"].sum() / 1e6
    water = pd.read_csv(run_dir / "water.csv").groupby("year")["water_megalitres"].sum()
    assert table["IT MW"].to_dict() == capacity["capacity_mw"].round().to_dict()
    assert table["grid MW"].to_dict() == capacity["grid_mw"].round().to_dict()
    assert table["emissions (Mt)"].to_dict() == emissions.round(1).to_dict()
    assert table["water (megalitres)"].to_dict() == water.round().to_dict()
    paths = pd.read_csv(run_dir / "capacity_by_path.csv")
    released = paths[paths["released_mw"] > 0]
    assert released["released_mw"].sum() > 0  # the default releases flexible bridges
    shown = html_table(run_dir, "Bridge power released")
    assert sorted(shown["region"]) == sorted(released["region_id"])


def test_time_to_power_and_regions_not_chosen(run_dir):
    """Power from = the later of the region's own first year and its fastest path's first year
    (first_year + ceil(lead)); every region the plan leaves out has a reason."""
    regions = pd.read_csv(run_dir / "inputs" / "regions.csv").set_index("region_id")
    paths = pd.read_csv(run_dir / "inputs" / "interconnection.csv")
    fastest = paths.groupby("region_id")["lead_time_years"].min()
    expected = (2026 + np.ceil(np.maximum(regions["lead_time_years"], fastest.reindex(regions.index)))).astype(int)
    table = html_table(run_dir, "Time to power by region").set_index("region")
    assert table["power from"].to_dict() == expected.to_dict()
    queue = paths[paths["kind"] == "queue"].set_index("region_id")["lead_time_years"]
    assert table["grid queue"].to_dict() == (2026 + np.ceil(queue)).astype(int).to_dict()
    capacity = pd.read_csv(run_dir / "capacity.csv")
    used = set(capacity.loc[capacity["capacity_mw"] > 0, "region_id"])
    assert set(table.index[table["first MW in plan"] == "not chosen"]) == set(regions.index) - used
    reasons = html_table(run_dir, "Regions not chosen, and why").set_index("region")
    assert set(reasons.index) == set(regions.index) - used
    assert set(reasons["main reason"]) <= {"lead time", "power limit", "cost"}
    assert "capex $15.0 M/MW" in reasons.at["reno_nvenergy", "details"]  # dearer than every chosen region


def test_map_labels_every_region_without_overlap(run_dir):
    """Every candidate region is labelled; no two discs and no two labels overlap (columbus_aep and
    new_albany_aep, 20 km apart, are drawn side by side)."""
    from reports.figures import draw_map
    from reports.run import read_run

    fig, layout = draw_map(read_run(run_dir))
    sites = pd.read_csv(run_dir / "capacity.csv").query("year == 2035 and capacity_mw > 0")
    assert set(layout.discs) == set(sites["region_id"]) and len(layout.labels) == 23
    discs = list(layout.discs.values())
    for i, (x, y, r) in enumerate(discs):
        for x2, y2, r2 in discs[i + 1 :]:
            assert np.hypot(x - x2, y - y2) >= r + r2
    boxes = list(layout.labels.values())
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]


def test_exports_hold_the_same_tables_as_the_csv_files(run_dir):
    import geopandas as gpd

    sheets = pd.read_excel(run_dir / "results.xlsx", sheet_name=None)
    assert set(sheets) == {"summary", "capacity", "service", "unserved", "costs", "sites", "limits", "lead_times"}
    summary = sheets["summary"].set_index("item")["value"]
    assert float(summary["objective_usd"]) == pytest.approx(
        json.loads((run_dir / "summary.json").read_text())["objective_usd"]
    )
    for name in ("capacity", "service", "unserved", "costs", "limits", "lead_times"):
        csv = pd.read_csv(run_dir / f"{name}.csv")
        pd.testing.assert_frame_equal(pd.read_parquet(run_dir / f"{name}.parquet"), csv, check_dtype=False)
        pd.testing.assert_frame_equal(sheets[name], csv, check_dtype=False)
    sites = gpd.read_parquet(run_dir / "sites.parquet")
    assert sites.crs.to_epsg() == 4326 and len(sites) == len(sheets["sites"]) == 23


def test_a_table_too_long_for_a_workbook_is_named_not_written(run_dir, monkeypatch):
    from reports import exports

    monkeypatch.setattr(exports, "WORKBOOK_MAX_ROWS", 300)
    sheets = pd.read_excel(io.BytesIO(exports.render_xlsx(run_dir, ["capacity", "costs"])), sheet_name=None)
    rows = len(pd.read_csv(run_dir / "costs.csv"))
    assert rows > 300 and len(sheets["capacity"]) <= 300
    assert set(sheets) == {"summary", "capacity"}
    note = sheets["summary"].set_index("item")["value"]["not in this workbook: costs"]
    assert note == f"{rows:,} rows; see costs.csv or costs.parquet"


def test_inputs_folder_reloads_to_the_same_scenario(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    assert load_scenario(run_dir / "inputs").input_hash() == summary["input_hash"]


def test_pdf_has_every_section_and_the_totals(run_dir):
    from pypdf import PdfReader

    reader = PdfReader(run_dir / "report.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 4  # summary, map, build-out, costs at the least
    for title in SECTIONS:
        assert title in text
    costs = pd.read_csv(run_dir / "costs.csv")
    assert f"{round(costs['discounted_usd'].sum()):,}" in text
    images = sum(len(page.images) for page in reader.pages)
    assert images == 3  # map, build-out, costs
    lowest = []
    reader.pages[0].extract_text(visitor_text=lambda text, cm, tm, *_: lowest.append(tm[5]) if text.strip() else None)
    assert "Key figures" in reader.pages[0].extract_text()
    assert min(lowest) < reader.pages[0].mediabox.height / 2  # page 1 is filled past its middle


def test_lower48_map_is_offline_and_complete():
    states = lower48_states().to_crs("EPSG:4326")
    assert len(states) == 48 and "Texas" in set(states["STATE_NAME"]) and "Alaska" not in set(states["STATE_NAME"])
    west, south, east, north = states.total_bounds
    assert -125 < west < -124 and 24 < south < 25.5 and -67.5 < east < -66.5 and 49 < north < 49.5


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
def test_html_report_in_headless_chromium(run_dir, tmp_path):
    """No console errors, no network requests, every figure decodes, and the page is not blank."""
    from PIL import Image

    problems, requests = [], []
    with chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto((run_dir / "report.html").as_uri())
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        headings = page.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.textContent)")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert problems == []
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert len(images) == 3 and all(done and width > 0 and height > 0 for done, width, height in images)
    assert tuple(headings) == SECTIONS
    screenshot = Image.open(tmp_path / "report.png").convert("L")
    low, high = screenshot.getextrema()
    assert high - low > 100 and len(screenshot.getcolors()) > 50  # text and figures, not a blank page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
def test_html_report_fits_900_and_1400_px_windows(run_dir, tmp_path):
    """At 900 and 1,400 px wide nothing overflows the window, no table scrolls sideways, no cell clips
    its text and no two text blocks or figures overlap (element bounding boxes); screenshots of both
    are taken as a reviewer would see them."""
    with chromium(tmp_path / "profile") as browser:
        for width in WIDTHS:
            shot = tmp_path / f"report-{width}.png"
            assert layout_problems(browser, run_dir / "report.html", width, shot) == {}, width
            assert shot.stat().st_size > 100_000


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
def test_layout_check_finds_overflow_and_overlap(tmp_path):
    """The check above is not vacuous: a table wider than the window and two overlapping paragraphs are found."""
    page = tmp_path / "bad.html"
    cells = "".join(f"<td>region_number_{i}</td>" for i in range(40))
    page.write_text(
        "<html><body><div class='wide' style='overflow-x:auto'><table id='t'><tr>" + cells + "</tr></table></div>"
        "<p style='position:absolute;top:100px'>first</p><p style='position:absolute;top:105px'>second</p></body></html>"
    )
    with chromium(tmp_path / "profile") as browser:
        found = layout_problems(browser, page, 900)
    assert found["wide_tables"] == ["t"] and len(found["overlaps"]) == 1


def test_report_command_rewrites_reports_without_the_scenario(run_dir, tmp_path):
    """A copy of the run folder without inputs/ (as an older run has) still renders, from results only."""
    copy = shutil.copytree(run_dir, tmp_path / "copy", ignore=shutil.ignore_patterns("inputs", "report.*"))
    result = CliRunner().invoke(app, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert {"report.md", "report.html", "report.pdf"} <= {p.name for p in copy.iterdir()}
    assert "No interconnection paths in the run" in (copy / "report.html").read_text()  # they are in inputs/
    assert not [p for p in copy.iterdir() if p.name.startswith(".")]


def test_report_command_on_a_folder_without_a_plan_exits_2(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({"status": "infeasible", "message": "no way"}))
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "no plan to report (status infeasible: no way)" in result.output
    assert CliRunner().invoke(app, ["report", str(tmp_path / "missing")]).exit_code == 2


def test_any_cost_components_with_or_without_region_id(run_dir, tmp_path):
    """costs.csv may gain per-region rows (region_id) and new components; totals still match."""
    copy = shutil.copytree(run_dir, tmp_path / "copy")
    costs = pd.read_csv(copy / "costs.csv").assign(region_id="")
    carbon = pd.DataFrame(
        {
            "component": "carbon",
            "year": 2030,
            "usd": [1e6, 2e6],
            "discounted_usd": [7e5, 1.4e6],
            "region_id": ["abilene_wtx", "dfw_oncor"],
        }
    )
    pd.concat([costs, carbon]).to_csv(copy / "costs.csv", index=False)
    write_rendered(copy, report_files(copy), force=False)
    table = html_table(copy, "Cost by component").set_index("component")
    assert table.at["carbon", "discounted (USD)"] == 2_100_000
    assert table.at["total", "discounted (USD)"] == round(costs["discounted_usd"].sum() + 2.1e6)


def test_comparison_sets_runs_side_by_side(run_dir, tmp_path):
    """The same run twice, under two folder names: each column repeats that run's totals."""
    other = shutil.copytree(run_dir, tmp_path / "again")
    result = CliRunner().invoke(app, ["compare", str(run_dir), str(other), "--out", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    name = json.loads((run_dir / "summary.json").read_text())["scenario"]
    labels = [f"{name} ({run_dir.name})", f"{name} (again)"]
    costs = html_table(tmp_path / "cmp", "Discounted cost by component", "compare.html").set_index("component")
    capacity = html_table(tmp_path / "cmp", "MW in service by year", "compare.html").set_index("year")
    total_usd = round(pd.read_csv(run_dir / "costs.csv")["discounted_usd"].sum())
    by_year = pd.read_csv(run_dir / "capacity.csv").groupby("year")["capacity_mw"].sum().round()
    for label in labels:
        assert costs.at["total", f"{label} (USD)"] == total_usd
        assert capacity[f"{label} (MW)"].to_dict() == by_year.to_dict()
    assert (tmp_path / "cmp" / "compare.pdf").read_bytes().startswith(b"%PDF")
    differences = html_table(tmp_path / "cmp", "Differences", "compare.html").set_index("run")
    assert differences.at[labels[1], "objective"] == "within solver tolerance"  # the same run: 0, within its gaps
    solver = html_table(tmp_path / "cmp", "Solver runs", "compare.html").set_index("run")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert solver.at[labels[0], "build time (s)"] == float(seconds(summary["build_seconds"]))
    bad = CliRunner().invoke(app, ["compare", str(run_dir), str(tmp_path / "nowhere"), "--out", str(tmp_path / "c2")])
    assert bad.exit_code == 2 and "summary.json not found" in bad.output


@pytest.fixture(scope="module")
def variant_dir(default_run, tmp_path_factory) -> Path:
    """The default scenario without flexible connections (as data/no_flexible_load): other sites."""
    scenario, result = default_run
    variant = apply_edits(scenario, [NO_FLEXIBLE])
    out = tmp_path_factory.mktemp("no_flexible")
    write_results(solve(variant, start=result.integer_values), out, inputs=variant.files())
    return out


NO_FLEXIBLE = "interconnection[kind=flexible].max_mw = 0"


def test_comparison_names_edits_signs_differences_and_highlights_changed_sites(run_dir, variant_dir, tmp_path):
    result = CliRunner().invoke(app, ["compare", str(run_dir), str(variant_dir), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    base, variant = (json.loads((d / "summary.json").read_text()) for d in (run_dir, variant_dir))
    runs = html_table(tmp_path, "Runs", "compare.html")
    assert runs["edits"].tolist() == ["none", NO_FLEXIBLE]
    row = html_table(tmp_path, "Differences", "compare.html").iloc[0]
    low = variant["best_bound_usd"] - base["objective_usd"]
    high = variant["objective_usd"] - base["best_bound_usd"]
    assert low > 0  # proven: without flexible connections the plan costs more
    assert row["objective"] == signed_usd(variant["objective_usd"] - base["objective_usd"])
    assert row["range (proven bounds)"] == f"{signed_usd(low)} to {signed_usd(high)}"
    assert row["spend"] == signed_usd(variant["spend_usd"] - base["spend_usd"])
    assert row["unserved penalty"] == signed_usd(variant["penalty_usd"] - base["penalty_usd"])
    last = [
        pd.read_csv(d / "capacity.csv").query("year == 2035").set_index("region_id")["capacity_mw"]
        for d in (run_dir, variant_dir)
    ]
    differ = set(last[0].index[(last[0] - last[1]).abs() > 0.5])
    assert differ and highlighted_rows(tmp_path / "compare.html") == differ


def highlighted_rows(page: Path) -> set[str]:
    return set(re.findall(r'<tr class="changed"><td>([^<]+)</td>', page.read_text()))


def test_palette_tells_every_cost_component_apart():
    styles = category_styles(len(COMPONENTS))
    assert len(set(styles)) == len(COMPONENTS) == 18


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
def test_comparison_fits_900_and_1400_px_windows(run_dir, variant_dir, tmp_path):
    write_rendered(tmp_path / "cmp", comparison_files([run_dir, variant_dir]), force=False)
    with chromium(tmp_path / "profile") as browser:
        for width in WIDTHS:
            assert layout_problems(browser, tmp_path / "cmp" / "compare.html", width) == {}, width
