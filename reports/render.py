"""Report files for a run folder: report.md, report.html and report.pdf, and the exports."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

from optimizer.pipeline.outputs import check_out_dir, record_written, written_files
from reports.compare import build_comparison
from reports.content import build_report
from reports.exports import export_renderers, present_tables
from reports.html import render_html
from reports.markdown import render_markdown
from reports.pdf import render_pdf
from reports.run import RunFolderError, read_run

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


def write_reports(run_dir: str | Path, export: bool = True, force: bool = False) -> list[Path]:
    """(Re)write the report files (and with `export` results.xlsx and the Parquet files) of a
    finished run folder, each atomically (temp file, then rename)."""
    run_dir = Path(run_dir)
    read_run(run_dir)  # fail with a clear RunFolderError before rendering anything
    renderers = report_renderers() | (export_renderers(present_tables(run_dir)) if export else {})
    return write_rendered(run_dir, {name: partial(render, run_dir) for name, render in renderers.items()}, force)


def write_comparison(run_dirs: list[str | Path], out_dir: str | Path, force: bool = False) -> list[Path]:
    """compare.html and compare.pdf side by side for several run folders, each written atomically."""
    report = build_comparison([read_run(folder) for folder in run_dirs])
    renderers = {"compare.html": partial(render_html, report), "compare.pdf": partial(render_pdf, report)}
    return write_rendered(Path(out_dir), renderers, force)


def write_rendered(folder: Path, renderers: dict[str, Callable[[], str | bytes]], force: bool) -> list[Path]:
    """Render each file and write it atomically into `folder`, which must be one gridsite may write
    these files into (OutputError, see check_out_dir); the marker then lists them. A file that fails
    to render is left out and named, with its error, in a RunFolderError once the others are written."""
    check_out_dir(folder, renderers, force)
    folder.mkdir(parents=True, exist_ok=True)
    written, errors = [], []
    for name, render in renderers.items():
        try:
            written.append(write_atomically(folder / name, render()))
        except Exception as err:  # noqa: BLE001 - one failed report must not cost the others
            errors.append(f"{name} not written ({type(err).__name__}: {err})")
    record_written(folder, (written_files(folder) or set()) | {path.name for path in written})
    if errors:
        raise RunFolderError(f"{folder}: " + "; ".join(errors))
    return written


def write_atomically(path: Path, data: str | bytes) -> Path:
    """Write `path` through a temporary file in its folder, then rename: never half-written."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(handle, "wb") as file:
        file.write(data.encode() if isinstance(data, str) else data)
    os.replace(temp, path)
    return path
