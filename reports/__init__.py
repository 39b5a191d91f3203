"""Siting reports rendered from a run folder's result tables (never from the model)."""

from reports.exports import export_renderers
from reports.markdown import render_markdown
from reports.render import comparison_files, report_files, report_renderers

__all__ = ["comparison_files", "export_renderers", "render_markdown", "report_files", "report_renderers"]
