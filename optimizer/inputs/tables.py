"""Column contracts of the scenario tables, and validation with clear messages.

Validation runs in two passes so a cell that is not a number never causes a spurious
range or key error: first types (coercion, empty cells, missing columns, finite numbers), then
values (each column's checks, and the bound of its unit from optimizer.inputs.bounds).

A cell is blank when it is empty or holds only spaces, and only then: text such as NA, null or
nan is a value (an id, or not a number), never a blank. Cells are read with spaces around them
removed.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from optimizer.inputs import bounds
from optimizer.inputs.errors import ScenarioError, shown
from optimizer.inputs.files import read_text

# Where scenario files come from: a folder, or file name -> text in memory (edited scenarios are
# validated from the same text they are saved as, by the same code as files on disk).
Source = Path | Mapping[str, str]


def has_file(source: Source, file: str) -> bool:
    """Whether the source holds an entry of that name; one that is not a readable file (a folder,
    a broken link) counts, so reading it reports why instead of calling it missing."""
    return file in source if isinstance(source, Mapping) else os.path.lexists(source / file)


def file_text(source: Source, file: str) -> str:
    return source[file] if isinstance(source, Mapping) else read_text(source / file, file)


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its type, default and value checks. A column with a default, or whose cells may
    be blank, is optional: when absent it is added with the default (or blanks). A blank cell in a
    present column is an error unless `blank_allowed`, so a forgotten value never becomes a default."""

    name: str
    dtype: type
    default: float | None = None
    blank_allowed: bool = False
    checks: tuple[pa.Check, ...] = ()

    @property
    def numeric(self) -> bool:
        return self.dtype in (int, float)


@dataclass(frozen=True)
class TableSpec:
    file: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = ()
    extra_checks: dict[str, list[pa.Check]] = field(default_factory=dict)
    required_rows: bool = False  # a file with a header only is an error


def at_least(bound: float) -> pa.Check:
    return pa.Check.ge(bound, error=f"a number >= {bound:g}")


def greater_than(bound: float) -> pa.Check:
    return pa.Check.gt(bound, error=f"a number > {bound:g}")


def between(low: float, high: float, include_high: bool = True) -> pa.Check:
    upto = "to" if include_high else "up to, not including,"
    return pa.Check.in_range(low, high, include_max=include_high, error=f"a number from {low:g} {upto} {high:g}")


def one_of(values, what: str) -> pa.Check:
    return pa.Check.isin(sorted(values), error=what)


def read_table(folder: Source, spec: TableSpec, refs: dict[str, pa.Check] | None = None) -> pd.DataFrame:
    """Read `spec.file` from `folder` and return it typed, defaults filled, or raise ScenarioError.

    `refs` adds value checks by column, e.g. that a region_id is one listed in regions.csv.
    """
    if not has_file(folder, spec.file):
        raise ScenarioError(spec.file, ["file not found in the scenario folder"])
    raw = _read_cells(spec.file, file_text(folder, spec.file))
    if spec.required_rows and raw.empty:
        raise ScenarioError(spec.file, ["no rows: expected at least one below the header"])
    known = {c.name for c in spec.columns}
    unknown = [c for c in raw.columns if c not in known]
    absent = {
        c.name: c.default for c in spec.columns if c.name not in raw and (c.default is not None or c.blank_allowed)
    }
    raw = raw.assign(**absent)
    typed = _run(spec.file, _type_schema(spec), raw, raw)
    _check_finite(spec, typed, raw)
    checked = _run(spec.file, _value_schema(spec, refs or {}), typed, raw)
    return checked[[c.name for c in spec.columns] + unknown]


def _read_cells(file: str, text: str) -> pd.DataFrame:
    """Every cell as text, spaces around it removed; blank cells (and only they) as missing."""
    try:  # header=None: a row with more cells than the header is an error, not an index column
        table = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ScenarioError(file, [f"not a readable CSV file ({' '.join(str(err).split())})"]) from None
    header = [str(c).strip() for c in table.iloc[0]]
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise ScenarioError(file, [f"line 1: column {', '.join(twice)} appears more than once"])
    cells = table.iloc[1:].set_axis(header, axis=1).reset_index(drop=True).apply(lambda column: column.str.strip())
    return cells.mask(cells == "")


def _check_finite(spec: TableSpec, typed: pd.DataFrame, raw: pd.DataFrame) -> None:
    """A number cell that reads as NaN or an infinity (nan, inf, 1e309) is not a number a plan can use."""
    problems = [
        (index, f"line {index + 2}, column {c.name}: expected a finite number, got '{shown(raw.at[index, c.name])}'")
        for c in spec.columns
        if c.numeric
        for index in typed.index[raw[c.name].notna() & ~np.isfinite(typed[c.name].astype(float))]
    ]
    if problems:
        raise ScenarioError(spec.file, [text for _, text in sorted(problems)])


def _type_schema(spec: TableSpec) -> pa.DataFrameSchema:
    columns = {c.name: pa.Column(c.dtype, coerce=True, nullable=c.blank_allowed) for c in spec.columns}
    return pa.DataFrameSchema(columns, strict=False)


def _value_schema(spec: TableSpec, refs: dict[str, pa.Check]) -> pa.DataFrameSchema:
    columns = {}
    for c in spec.columns:
        checks = list(c.checks) + ([refs[c.name]] if c.name in refs else [])
        checks += [_bounded(c.name)] if c.numeric else []
        columns[c.name] = pa.Column(checks=checks, nullable=c.blank_allowed, unique=(spec.key == (c.name,)))
    unique = list(spec.key) if len(spec.key) > 1 else None
    return pa.DataFrameSchema(columns, unique=unique, strict=False)


def _bounded(name: str) -> pa.Check:
    bound = bounds.bound_of(name)
    return pa.Check.in_range(bound.low, bound.high, error=bounds.expected(name))


def _run(file: str, schema: pa.DataFrameSchema, frame: pd.DataFrame, raw: pd.DataFrame) -> pd.DataFrame:
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise ScenarioError(file, _describe(err.failure_cases, raw)) from None


def _describe(cases: pd.DataFrame, raw: pd.DataFrame) -> list[str]:
    """Turn pandera's failure table into one sentence per bad cell, in file order, quoting the
    cell as written in the file."""
    problems: list[tuple[float, str]] = []
    seen_keys: set[int] = set()
    seen_cells: set[tuple] = set()  # one problem per cell: the first check it fails
    for case in cases.itertuples(index=False):
        check, column, value, index = str(case.check), case.column, case.failure_case, case.index
        if check.startswith("dtype(") or (index is None and str(value).startswith("TypeError")):
            continue  # echoes of a failed coercion, already reported once
        if check == "column_in_dataframe":
            problems.append((-1, f"missing required column '{value}'"))
            continue
        if check == "multiple_fields_uniqueness":
            if index in seen_keys:
                continue
            seen_keys.add(index)
            same_row = cases[(cases["index"] == index) & (cases["check"] == check)]
            key = ", ".join(f"{c}={raw.at[index, c]}" for c in same_row["column"])
            problems.append((index, f"line {index + 2}: duplicate row for {key}"))
            continue
        if (index, column) in seen_cells:
            continue
        seen_cells.add((index, column))
        where = f"line {index + 2}, column {column}"
        value = shown(raw.at[index, column]) if pd.notna(raw.at[index, column]) else None
        if check == "not_nullable" and value is not None:  # text such as nan that reads as a missing number
            problems.append((index, f"{where}: expected a finite number, got '{value}'"))
        elif check.startswith("coerce_dtype"):
            kind = "a whole number" if "int" in check else "a number"
            problems.append((index, f"{where}: expected {kind}, got '{value}'"))
        elif check == "not_nullable":
            problems.append((index, f"{where}: empty cell, expected a value"))
        elif check == "field_uniqueness":
            problems.append((index, f"{where}: duplicate id '{value}', expected each id once"))
        else:
            problems.append((index, f"{where}: expected {check}, got '{value}'"))
    return [text for _, text in sorted(problems, key=lambda p: p[0])]
