"""Report files for a run folder: report.md, report.html and report.pdf, and the exports."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from reports.compare import build_comparison
from reports.content import build_report
from reports.exports import export_renderers, present_tables
from reports.html import render_html
from reports.markdown import render_markdown
from reports.pdf import render_pdf
from reports.run import read_run

Renderer = Callable[[Path], str | bytes]


def report_renderers() -> dict[str, Renderer]:
    """File name -> function rendering it from a run folder. HTML and PDF share one build of the
    content (figures take most of the time), cached per folder for this set of renderers."""
    content = cache(lambda folder: build_report(read_run(folder)))
    return {
        "report.md": render_markdown,
        "report.html": lambda folder: render_html(content(Path(folder))),
        "report.pdf": lambda folder: render_pdf(content(Path(folder))),
    }


def comparison_renderers(base_dir: Path, stem: str) -> dict[str, Renderer]:
    """<stem>.html and <stem>.pdf comparing a run folder (the argument of each renderer) with the
    reference run folder `base_dir`; both share one build of the content."""
    content = cache(lambda folder: build_comparison([read_run(base_dir), read_run(folder)]))
    return {
        f"{stem}.html": lambda folder: render_html(content(Path(folder))),
        f"{stem}.pdf": lambda folder: render_pdf(content(Path(folder))),
    }


def write_reports(run_dir: str | Path, export: bool = True) -> list[Path]:
    """(Re)write the report files (and with `export` results.xlsx and the Parquet files) of a
    finished run folder, each atomically (temp file, then rename)."""
    run_dir = Path(run_dir)
    read_run(run_dir)  # fail with a clear RunFolderError before rendering anything
    renderers = report_renderers() | (export_renderers(present_tables(run_dir)) if export else {})
    rendered = {name: render(run_dir) for name, render in renderers.items()}
    return [write_atomically(run_dir / name, data) for name, data in rendered.items()]


def write_comparison(run_dirs: list[str | Path], out_dir: str | Path) -> list[Path]:
    """compare.html and compare.pdf side by side for several run folders, each written atomically."""
    report = build_comparison([read_run(folder) for folder in run_dirs])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        write_atomically(out / "compare.html", render_html(report)),
        write_atomically(out / "compare.pdf", render_pdf(report)),
    ]


def write_atomically(path: Path, data: str | bytes) -> Path:
    """Write `path` through a temporary file in its folder, then rename: never half-written."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(handle, "wb") as file:
        file.write(data.encode() if isinstance(data, str) else data)
    os.replace(temp, path)
    return path
