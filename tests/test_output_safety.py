"""Outputs never cost a user's files or a solved plan (issue 16, defects 13-17): gridsite deletes or
replaces only files it wrote (listed in each folder's marker), refuses other folders unless --force,
keeps names to one folder, neutralises formulas in results.xlsx and draws names as plain text."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from scenario_factory import write_scenario
from typer.testing import CliRunner

from optimizer import load_scenario, solve
from optimizer.cli import app
from optimizer.pipeline.outputs import MARKER, written_files
from optimizer.studies import store

runner = CliRunner()
FAST = ["--no-report", "--no-export", "--no-limits"]


@pytest.fixture
def tiny(tmp_path) -> Path:
    return write_scenario(
        tmp_path / "tiny",
        regions=[{"region_id": "a", "capex_usd_per_mw": 1}, {"region_id": "b", "capex_usd_per_mw": 2}],
        demand=[("us", 2026, 50)],
    )


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def users_folder(tmp_path) -> Path:
    """A folder of the user's own files, named like gridsite's results (defect 16)."""
    folder = tmp_path / "mine"
    (folder / "inputs").mkdir(parents=True)
    (folder / "inputs" / "draft.csv").write_text("my draft\n")
    (folder / "report.md").write_text("my report\n")
    (folder / "capacity.parquet").write_bytes(b"my data")
    return folder


def test_solve_refuses_a_folder_it_did_not_write(tiny, users_folder):
    before = _snapshot(users_folder)
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(users_folder), *FAST])
    assert result.exit_code == 2
    assert "holds files gridsite did not write" in result.output and "--force" in result.output
    assert _snapshot(users_folder) == before


def test_force_writes_into_it_and_keeps_what_gridsite_does_not_write(tiny, users_folder):
    (users_folder / "notes.txt").write_text("keep me\n")
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(users_folder), "--force", *FAST])
    assert result.exit_code == 0, result.output
    assert (users_folder / "notes.txt").read_text() == "keep me\n"  # not a name gridsite writes
    assert not (users_folder / "inputs" / "draft.csv").exists()  # inputs/ holds exactly the run's inputs
    assert "capacity.csv" in written_files(users_folder) and "notes.txt" not in written_files(users_folder)


def test_a_rerun_removes_only_the_files_the_earlier_run_wrote(tiny, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(tiny), "--out", str(out), *FAST]).exit_code == 0
    assert json.loads((out / MARKER).read_text())["files"] == sorted(_snapshot(out).keys() - {MARKER})
    (out / "notes.txt").write_text("keep me\n")
    (out / "inputs" / "mine.txt").write_text("mine\n")
    (tiny / "regions.csv").write_text("region_id,zone_id,lat,lon,max_mw\na,Z,39,-77,10\n")  # infeasible now
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out), *FAST])
    assert result.exit_code == 3
    assert not (out / "capacity.csv").exists()  # the earlier plan's files are gone
    assert (out / "notes.txt").read_text() == "keep me\n" and (out / "inputs" / "mine.txt").read_text() == "mine\n"


def test_a_file_gridsite_would_write_but_did_not_is_refused(tiny, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(tiny), "--out", str(out), *FAST]).exit_code == 0
    (out / "report.md").write_text("my own report\n")  # the run above wrote no report
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out)])
    assert result.exit_code == 2 and "report.md not written by gridsite" in result.output
    assert (out / "report.md").read_text() == "my own report\n"


def test_out_naming_a_file_exits_2_before_solving(tiny, tmp_path, monkeypatch):
    """Defect 17: once a FileExistsError traceback after the whole solve."""
    target = tmp_path / "results.txt"
    target.write_text("mine\n")
    monkeypatch.setattr("optimizer.pipeline.solve.solve", lambda *a, **k: pytest.fail("solved anyway"))
    for out in (target, target / "inner"):
        result = runner.invoke(app, ["solve", str(tiny), "--out", str(out)])
        assert result.exit_code == 2 and "is a file" in result.output, result.output
    assert target.read_text() == "mine\n"


def test_whatif_names_stay_one_folder_inside_out(tiny, tmp_path):
    """Defect 15: --name .. once wrote the variant over the parent of --out."""
    parent = tmp_path / "P"
    (parent / "inputs").mkdir(parents=True)
    (parent / "inputs" / "x.csv").write_text("mine\n")
    (parent / "report.md").write_text("mine\n")
    before = _snapshot(parent)
    for name in ("..", ".", "a/b", "../x", "", "base", "x" * 300):
        result = runner.invoke(app, ["whatif", str(tiny), "--name", name, "--out", str(parent / "inner")])
        assert result.exit_code == 2 and "--name" in result.output, (name, result.output)
    assert _snapshot(parent) == before


def test_whatif_refuses_run_folders_it_did_not_write(tiny, tmp_path):
    (tmp_path / "w" / "base").mkdir(parents=True)
    (tmp_path / "w" / "base" / "summary.json").write_text("not json")
    result = runner.invoke(app, ["whatif", str(tiny), "--set", "discount_rate = 0.1", "--out", str(tmp_path / "w")])
    assert result.exit_code == 2 and "holds files gridsite did not write" in result.output
    assert (tmp_path / "w" / "base" / "summary.json").read_text() == "not json"


def test_compare_and_report_refuse_files_they_did_not_write(tiny, tmp_path, users_folder):
    run = tmp_path / "run"
    assert runner.invoke(app, ["solve", str(tiny), "--out", str(run), *FAST]).exit_code == 0
    (users_folder / "compare.html").write_text("mine\n")
    result = runner.invoke(app, ["compare", str(run), str(run), "--out", str(users_folder)])
    assert result.exit_code == 2 and (users_folder / "compare.html").read_text() == "mine\n"
    (run / "report.pdf").write_text("mine\n")
    result = runner.invoke(app, ["report", str(run), "--no-export"])
    assert result.exit_code == 2 and "report.pdf not written by gridsite" in result.output
    assert (run / "report.pdf").read_text() == "mine\n"


FORMULAS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)"]


def test_formulas_in_ids_stay_text_in_results_xlsx(tmp_path):
    """Defect 13: a region id =HYPERLINK(...) once became a live formula in results.xlsx."""
    regions = [{"region_id": text, "zone_id": text, "capex_usd_per_mw": i + 1} for i, text in enumerate(FORMULAS)]
    folder = write_scenario(tmp_path / "s", regions=regions, demand=[("=1+1", 2026, 50)], name="=2+2")
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(folder), "--out", str(out), "--no-report", "--no-limits"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out / "results.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert set(FORMULAS) | {"=1+1", "=2+2"} <= texts  # kept as written
    assert all(cell.quotePrefix for cell in cells if isinstance(cell.value, str) and cell.value[0] in "=+-@")
    assert set(pd.read_csv(out / "capacity.csv")["region_id"]) == set(FORMULAS)  # CSV: verbatim (documented)


MATHTEXT = r"$\frac{a$"


def test_names_reach_figures_as_plain_text(tmp_path):
    """Defect 14: a zone named $\\frac{a$ once crashed matplotlib's mathtext and lost the whole solve."""
    regions = [{"region_id": MATHTEXT, "zone_id": MATHTEXT, "capex_usd_per_mw": 1}, {"region_id": "$x^2$"}]
    folder = write_scenario(tmp_path / "s", regions=regions, demand=[("d", 2026, 50)], name=MATHTEXT)
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(folder), "--out", str(out), "--no-limits"])
    assert result.exit_code == 0, result.output
    assert "report_errors" not in json.loads((out / "summary.json").read_text())
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF") and MATHTEXT in (out / "report.html").read_text()


def test_a_failing_report_keeps_the_solved_plan(tiny, tmp_path, monkeypatch):
    def broken(_folder):
        raise ValueError("the renderer broke")

    monkeypatch.setattr("reports.render.render_pdf", lambda _content: broken(None))
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out), "--no-limits", "--no-export"])
    assert result.exit_code == 0, result.output
    assert "warning: report.pdf not written: ValueError: the renderer broke" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["report_errors"] == {
        "report.pdf": "ValueError: the renderer broke"
    }
    assert (out / "capacity.csv").exists() and (out / "report.html").exists() and not (out / "report.pdf").exists()


def test_tornado_draws_run_names_as_plain_text(tiny, tmp_path):
    """Defect 14 in `runs tornado`: run names with mathtext."""
    path = tmp_path / "runs.duckdb"
    base = load_scenario(tiny)
    store.record(path, "base", "s", [], solve(base))
    store.record(path, MATHTEXT, "s", ["x"], solve(base.with_solver(mip_rel_gap=0.5)))
    for name in ("$\\sqrt{", "dearer $"):
        store.record(path, name, "s", ["x"], solve(base))
    result = runner.invoke(app, ["runs", "tornado", "--store", str(path), "--out", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t" / "tornado.pdf").read_bytes().startswith(b"%PDF")


def test_a_marker_cannot_lead_outside_the_folder(tiny, tmp_path):
    """A run folder from elsewhere may carry any marker: paths out of the folder are ignored, and a
    folder replaced by a link to another place is neither written through nor cleaned."""
    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(tiny), "--out", str(out), *FAST]).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "regions.csv").write_text("mine\n")
    (tmp_path / "precious.txt").write_text("mine\n")
    marker = json.loads((out / MARKER).read_text())
    marker["files"] += ["../precious.txt", str(tmp_path / "precious.txt")]
    (out / MARKER).write_text(json.dumps(marker))
    assert runner.invoke(app, ["solve", str(tiny), "--out", str(out), *FAST]).exit_code == 0
    assert (tmp_path / "precious.txt").read_text() == "mine\n"

    for path in (out / "inputs").iterdir():
        path.unlink()
    (out / "inputs").rmdir()
    (out / "inputs").symlink_to(elsewhere)
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out), *FAST])
    assert result.exit_code == 2 and "not written by gridsite" in result.output
    assert _snapshot(elsewhere) == {"regions.csv": b"mine\n"}


def test_tables_are_written_without_round_off():
    """Years stay whole where some rows have none (opening a region), and money or power below a
    millionth (the solver's round-off, -0.0 too) is written as 0; other columns are as they were."""
    from optimizer.pipeline.outputs import tidy

    table = pd.DataFrame(
        {
            "year": [2027.0, None],
            "mw": [-0.0, 1200.5],
            "saving_usd": [-1.4e-08, -5.0],
            "usd": [-2.7e-08, 3.0],
            "probability": [1e-08, 0.5],
        }
    )
    written = tidy(table).to_csv(index=False).splitlines()
    assert written == ["year,mw,saving_usd,usd,probability", "2027,0.0,0.0,0.0,1e-08", ",1200.5,-5.0,3.0,0.5"]
