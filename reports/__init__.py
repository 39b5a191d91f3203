"""Siting reports rendered from a run folder's result tables (never from the model)."""

from reports.exports import export_renderers
from reports.markdown import render_markdown
from reports.render import report_renderers, write_comparison, write_reports

__all__ = ["export_renderers", "render_markdown", "report_renderers", "write_comparison", "write_reports"]
