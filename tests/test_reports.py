"""HTML and PDF siting reports: numbers equal the result files, the HTML works in a real browser,
the PDF has the expected pages and text, and reports never need the model."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer import load_scenario, write_results
from optimizer.cli import app
from optimizer.pipeline.marginals import explain_limits
from optimizer.pipeline.outputs import write_rendered
from reports import export_renderers, report_files, report_renderers
from reports.figures import lower48_states

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECTIONS = (
    "Executive summary",
    "Where to build",
    "When capacity comes online",
    "What it costs",
    "What limits this plan",
    "Assumptions and data sources",
    "How this plan was obtained",
)


@pytest.fixture(scope="module")
def run_dir(default_run, tmp_path_factory) -> Path:
    """The default scenario's run folder, written as `gridsite solve` writes it."""
    scenario, result = default_run
    out = tmp_path_factory.mktemp("default_run")
    analysed = replace(result, analysis=explain_limits(scenario, result))
    tables = ["capacity", "service", "unserved", "costs", "sites", "limits", "lead_times"]
    extra = report_renderers() | export_renderers(tables)
    write_results(analysed, out, extra=extra, inputs=scenario.files())
    return out


def html_table(run: Path, title: str, page: str = "report.html") -> pd.DataFrame:
    """A table of an HTML report by its title (pandas parses '1,200' as 1200)."""
    html = io.StringIO((run / page).read_text())
    (table,) = pd.read_html(html, attrs={"id": title.lower().replace(" ", "-")})
    return table


def test_report_totals_equal_the_result_files(run_dir):
    costs = pd.read_csv(run_dir / "costs.csv")
    cost_table = html_table(run_dir, "Cost by component").set_index("component")
    assert cost_table.at["total", "discounted (USD)"] == round(costs["discounted_usd"].sum())
    assert cost_table.at["total", "undiscounted (USD)"] == round(costs["usd"].sum())
    by_component = costs.groupby("component")["discounted_usd"].sum().round()
    assert cost_table["discounted (USD)"].drop("total").to_dict() == by_component.to_dict()

    capacity = pd.read_csv(run_dir / "capacity.csv")
    total = html_table(run_dir, "Capacity in service by region and year").set_index("region").loc["total"]
    for year, mw in capacity.groupby("year")["capacity_mw"].sum().items():
        assert float(total[f"{year} (MW)"]) == round(mw)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert f"{summary['objective_usd'] / 1e9:,.2f} bn" in (run_dir / "report.html").read_text()


def test_executive_summary_names_the_shortfall_and_its_cause(run_dir):
    """The default scenario is short in 2026-2028 (see README); the summary gives the MW from
    unserved.csv and, for 2026, the regions still waiting for their interconnection."""
    html = (run_dir / "report.html").read_text()
    unserved = pd.read_csv(run_dir / "unserved.csv").groupby("year")["mw"].sum()
    for year, mw in unserved.items():
        assert f"{mw:,.0f} MW in {year}" in html
    regions = pd.read_csv(run_dir / "inputs" / "regions.csv")
    waiting = int((regions["lead_time_years"] > 0).sum())  # first year 2026: any lead time waits
    assert f"{waiting} of {len(regions)} regions cannot connect until after 2026" in html


def test_executive_summary_gives_gpus_served_against_gpus_demanded(run_dir):
    """The default states demand in GPUs: the summary's last-year counts are service.csv's GPUs and
    those plus unserved.csv's."""
    service, unserved = (pd.read_csv(run_dir / f"{name}.csv") for name in ("service", "unserved"))
    last = service["year"].max()
    served = service.loc[service["year"] == last, "gpus"].sum()
    demanded = served + unserved.loc[unserved["year"] == last, "gpus"].sum()
    assert served > 0
    assert f"{served:,.0f} of {demanded:,.0f} GPUs are served in {last}" in (run_dir / "report.html").read_text()


def test_limits_section_lists_the_binding_zone_limits(run_dir):
    limits = pd.read_csv(run_dir / "limits.csv")
    binding = limits[limits["binding"]]
    assert not binding.empty  # the default scenario reaches some zone limits (e.g. SPP in 2028)
    shown = html_table(run_dir, "Binding power limits")
    labels = binding["limit_id"] + " (" + binding["level"] + ")"
    assert set(zip(shown["limit"], shown["year"])) >= set(zip(labels, binding["year"]))
    top = pd.read_csv(run_dir / "lead_times.csv").sort_values("saving_usd").iloc[-1]
    saving = f"${top['saving_usd'] / 1e9:,.2f} bn"
    assert (
        f"connecting {top['region_id']} one year earlier would save about {saving}"
        in (run_dir / "report.html").read_text()
    )


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


def test_lower48_map_is_offline_and_complete():
    states = lower48_states().to_crs("EPSG:4326")
    assert len(states) == 48 and "Texas" in set(states["STATE_NAME"]) and "Alaska" not in set(states["STATE_NAME"])
    west, south, east, north = states.total_bounds
    assert -125 < west < -124 and 24 < south < 25.5 and -67.5 < east < -66.5 and 49 < north < 49.5


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")
def test_html_report_in_headless_chromium(run_dir, tmp_path):
    """No console errors, no network requests, every figure decodes, and the page is not blank."""
    from PIL import Image
    from playwright.sync_api import sync_playwright

    problems, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        page = browser.new_page()
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto((run_dir / "report.html").as_uri())
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        headings = page.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.textContent)")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert problems == []
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert len(images) == 3 and all(done and width > 0 and height > 0 for done, width, height in images)
    assert tuple(headings) == SECTIONS
    screenshot = Image.open(tmp_path / "report.png").convert("L")
    low, high = screenshot.getextrema()
    assert high - low > 100 and len(screenshot.getcolors()) > 50  # text and figures, not a blank page


def test_report_command_rewrites_reports_without_the_scenario(run_dir, tmp_path):
    """A copy of the run folder without inputs/ (as an older run has) still renders, from results only."""
    copy = shutil.copytree(run_dir, tmp_path / "copy", ignore=shutil.ignore_patterns("inputs", "report.*"))
    result = CliRunner().invoke(app, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert {"report.md", "report.html", "report.pdf"} <= {p.name for p in copy.iterdir()}
    regions = html_table(copy, "Capacity in service by region and year")
    assert "lead time (years)" not in regions.columns  # needs inputs/regions.csv
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
    bad = CliRunner().invoke(app, ["compare", str(run_dir), str(tmp_path / "nowhere"), "--out", str(tmp_path / "c2")])
    assert bad.exit_code == 2 and "summary.json not found" in bad.output
