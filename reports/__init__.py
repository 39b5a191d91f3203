"""Siting reports rendered from a run folder's result tables (never from the model)."""

from reports.markdown import render_markdown

__all__ = ["render_markdown"]
