"""A report as data, independent of its format: sections of sentences, figures and tables.
HTML (reports/html.py) and PDF (reports/pdf.py) render it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
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
    text_columns: tuple[str, ...] = ()  # left-aligned like the first column (numbers align right)
    highlight: tuple[int, ...] = ()  # rows (positions) to highlight, e.g. sites that change between runs

    @property
    def html_id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")

    def left_aligned(self) -> list[bool]:
        """Per column: whether it aligns left (the first, text columns, and both of an item/value pair)."""
        pairs = len(self.frame.columns) == 2
        return [i == 0 or pairs or c in self.text_columns for i, c in enumerate(self.frame.columns)]


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
    """USD in the unit a reader expects: billions, millions, or plain; a minus before the $ sign,
    and no minus on a value that rounds to zero."""
    size = abs(value)
    if size >= 1e9:
        text = f"${size / 1e9:,.2f} bn"
    elif size >= 1e6:
        text = f"${size / 1e6:,.1f} M"
    else:
        text = f"${size:,.0f}"
    return f"-{text}" if value < 0 and any(c in "123456789" for c in text) else text


def usd_unit(largest: float) -> tuple[float, str]:
    """The divisor and name of the unit an axis of USD values up to `largest` reads best in."""
    return next((unit, name) for unit, name in USD_UNITS if abs(largest) >= unit or unit == 1.0)


USD_UNITS = ((1e9, "billion USD"), (1e6, "million USD"), (1.0, "USD"))


def signed_usd(value: float) -> str:
    """A change in USD with its sign: +$1.20 bn, -$3.4 M, $0."""
    text = usd(value)
    return text if text.startswith("-") or not any(c in "123456789" for c in text) else f"+{text}"


def seconds(value: float) -> str:
    """A duration in seconds to three significant figures (whole seconds from 100 s): solver times
    and time limits are measured, not exact, so more digits say nothing."""
    return f"{value:,.0f}" if value >= 100 else f"{round(value, 3):.3g}"


def duration(value: float | None, missing: str = "n/a") -> str:
    """A measured time with its unit, e.g. '0.86 s' or '1,204 s' (see seconds); `missing` when none."""
    return missing if value is None or pd.isna(value) else f"{seconds(value)} s"


def gap(value: float | None, missing: str = "n/a") -> str:
    """A relative MIP gap as a percentage to three significant figures (0.001177: '0.118%', 1e-5:
    '0.001%', 0: '0%'): a bound's digits beyond those say nothing; `missing` when there is none."""
    if value is None or pd.isna(value):
        return missing
    percent = abs(round(value * 100, 6))  # finer is round-off, far below HiGHS's tolerances (and no -0)
    return f"{np.format_float_positional(percent, precision=3, unique=False, fractional=False, trim='-')}%"


def mw(value: float) -> str:
    return f"{value:,.0f} MW"


def number(value: float, decimals: int = 0) -> str:
    """A table cell: thousands separators, and never "-0" for a value that rounds to zero."""
    text = f"{value:,.{decimals}f}"
    return text.lstrip("-") if not any(c in "123456789" for c in text) else text
