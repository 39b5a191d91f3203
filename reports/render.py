"""Report files for run folders, by name, ready to render: report.md, report.html and report.pdf,
the exports, and comparisons. Writing them is the caller's (optimizer.pipeline.outputs.write_rendered)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
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


def report_files(run_dir: str | Path, export: bool = True) -> dict[str, Callable[[], str | bytes]]:
    """The report files (and with `export` results.xlsx and the Parquet files) of a finished run
    folder, by name; RunFolderError now if the folder holds no plan."""
    run_dir = Path(run_dir)
    read_run(run_dir)  # fail with a clear RunFolderError before rendering anything
    renderers = report_renderers() | (export_renderers(present_tables(run_dir)) if export else {})
    return {name: partial(render, run_dir) for name, render in renderers.items()}


def comparison_files(run_dirs: list[str | Path]) -> dict[str, Callable[[], str | bytes]]:
    """compare.html and compare.pdf side by side for several run folders, by name."""
    report = build_comparison([read_run(folder) for folder in run_dirs])
    return {"compare.html": partial(render_html, report), "compare.pdf": partial(render_pdf, report)}
