"""A report as data, independent of its format: sections of sentences, figures and tables.
HTML (reports/html.py) and PDF (reports/pdf.py) render it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Figure:
    title: str
    png: bytes
    caption: str


@dataclass
class Table:
    title: str
    frame: pd.DataFrame  # already formatted as text, column names with units
    note: str = ""


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[Figure | Table] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section]


def usd(value: float) -> str:
    """USD in the unit a reader expects: billions, millions, or plain."""
    if abs(value) >= 1e9:
        return f"${value / 1e9:,.2f} bn"
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.1f} M"
    return f"${value:,.0f}"


def mw(value: float) -> str:
    return f"{value:,.0f} MW"
