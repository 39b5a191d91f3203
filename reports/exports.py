"""Exports of a run folder's tables: results.xlsx (one sheet per table) and one Parquet file per
table (sites as GeoParquet). Column names carry their units as in the CSV files."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from reports.run import read_csv

EXCEL_SHEET_CHARS = 31
# A sheet of more rows is slow to write (about 25,000 rows a second) and to open; such tables (service
# arcs at 1,000 sites) stay in their CSV and Parquet files.
WORKBOOK_MAX_ROWS = 50_000
FORMULA_STARTS = ("=", "+", "-", "@")  # text a spreadsheet would read as a formula


def present_tables(folder: Path) -> list[str]:
    """The tables this run folder holds: every CSV file, and the sites (GeoJSON)."""
    tables = sorted(path.stem for path in folder.glob("*.csv"))
    return tables + ["sites"] if _path(folder, "sites").is_file() else tables


def export_renderers(tables: list[str]) -> dict[str, Callable[[Path], bytes]]:
    """File name -> renderer for results.xlsx and <table>.parquet of each named table."""
    renderers = {f"{name}.parquet": (lambda folder, name=name: _parquet(folder, name)) for name in tables}
    return {"results.xlsx": lambda folder: render_xlsx(folder, tables)} | renderers


def render_xlsx(folder: Path, tables: list[str]) -> bytes:
    """A sheet per table, and a summary sheet; a table of more than WORKBOOK_MAX_ROWS rows is left out
    (named on the summary sheet), as its CSV and Parquet files hold it."""
    buffer = io.BytesIO()
    frames = {name: _table(folder, name).drop(columns="geometry", errors="ignore") for name in tables}
    left_out = {name: len(frame) for name, frame in frames.items() if len(frame) > WORKBOOK_MAX_ROWS}
    notes = pd.DataFrame(
        {
            "item": [f"not in this workbook: {name}" for name in left_out],
            "value": [f"{rows:,} rows; see {name}.csv or {name}.parquet" for name, rows in left_out.items()],
        }
    )
    with pd.ExcelWriter(buffer, engine="openpyxl") as workbook:
        pd.concat([_summary_rows(folder), notes]).to_excel(workbook, sheet_name="summary", index=False)
        for name, frame in frames.items():
            if name not in left_out:
                frame.to_excel(workbook, sheet_name=name[:EXCEL_SHEET_CHARS], index=False)
        for sheet in workbook.book.worksheets:
            _neutralise_formulas(sheet)
    return buffer.getvalue()


def _neutralise_formulas(sheet) -> None:
    """Keep text such as a region id `=HYPERLINK(...)` text: stored as a string (openpyxl would store
    it as a formula) and marked quote-prefixed, so the spreadsheet shows it as written, never runs it,
    and keeps it text when the cell is edited."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True


def _summary_rows(folder: Path) -> pd.DataFrame:
    """summary.json flattened to item/value rows (nested keys joined with '.')."""
    flat = pd.json_normalize(json.loads((folder / "summary.json").read_text())).iloc[0]
    return pd.DataFrame({"item": flat.index, "value": [str(v) for v in flat.to_numpy()]})


def _parquet(folder: Path, name: str) -> bytes:
    buffer = io.BytesIO()
    _table(folder, name).to_parquet(buffer, index=False)
    return buffer.getvalue()


def _table(folder: Path, name: str) -> pd.DataFrame:
    path = _path(folder, name)
    return gpd.read_file(path) if path.suffix == ".geojson" else read_csv(path)


def _path(folder: Path, name: str) -> Path:
    return folder / ("sites.geojson" if name == "sites" else f"{name}.csv")
