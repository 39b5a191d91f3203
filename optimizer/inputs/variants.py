"""Edits to a scenario's inputs (`--set`, `overrides:`, sweeps), and selections of table cells.

The edit language (one edit per string):

    edit    := NAME selector? ("." NAME)* op value
    selector:= "[" NAME "=" value ("," NAME "=" value)* "]"
    op      := "=" | "+=" | "-=" | "*="
    value   := a number, a word (PJM, abilene_wtx, null; true or false for a scenario.yaml key) or a "quoted string"

When the first NAME is a table's file stem (any table of `Scenario.tables()`), the edit sets a
column of that table, on the rows the selector keeps (all rows without one):
`regions[zone_id=PJM].lead_time_years += 2`, `zone_limits[zone_id=ERCOT].limit_mw *= 0.5`.
Otherwise it is a key path into scenario.yaml: `discount_rate = 0.05`, `solver.time_limit_s = 60`.

It is parsed with a small Lark grammar rather than regular expressions: quoted values may hold
`,` `]` or `=`, and a syntax error points at the column where the edit went wrong.
Edited inputs are serialized to the same text they are saved as and validated again by
`read_scenario`, so an edited scenario obeys exactly the rules of one read from files.
"""

from __future__ import annotations

import json
import numbers
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import lark
import numpy as np
import pandas as pd

from optimizer.inputs.errors import ScenarioError, shown
from optimizer.inputs.scenario import CONFIG_FILE, Scenario, read_scenario, read_yaml, scenario_files

GRAMMAR = r"""
    edit: NAME selector? ("." NAME)* OP value
    selection: NAME selector? "." NAME
    selector: "[" filter ("," filter)* "]"
    filter: NAME "=" value
    value: STRING | WORD
    OP: "+=" | "-=" | "*=" | "="
    NAME: /[A-Za-z_][A-Za-z0-9_]*/
    WORD: /[^\s\[\],="]+/
    STRING: /"[^"]*"/
    %ignore /\s+/
"""
_PARSER = lark.Lark(GRAMMAR, start=["edit", "selection"], parser="lalr")
EXAMPLE = "an edit such as regions[zone_id=PJM].lead_time_years += 2 or discount_rate = 0.05"

Value = str | int | float | None
YAML_BOOLEANS = {"true": True, "false": False}  # a scenario.yaml key set to a word: true/false as in YAML


@dataclass(frozen=True)
class Edit:
    """One parsed edit: `path[0]` names a table or a scenario.yaml key."""

    text: str
    path: tuple[str, ...]
    filters: tuple[tuple[str, Value], ...]
    op: str
    value: Value

    def error(self, problem: str) -> ScenarioError:
        return ScenarioError(f"edit '{shown(self.text)}'", [problem])


@lru_cache(maxsize=65536)  # outcomes sampled from integers repeat the same edit texts many times
def parse_edit(text: str, start: str = "edit") -> Edit:
    """Parse one edit (or, with start="selection", a `table[filters].column` without op and value),
    or raise ScenarioError pointing at the column where it goes wrong."""
    try:
        tree = _PARSER.parse(text, start=start)
    except lark.exceptions.UnexpectedInput as err:
        expected = EXAMPLE if start == "edit" else "a selection such as regions[zone_id=PJM].region_id"
        raise ScenarioError(
            f"{start} '{shown(text)}'", [f"column {err.column}: not understood; expected {expected}"]
        ) from None
    names, filters, op, value = [], [], "=", None
    for child in tree.children:
        if isinstance(child, lark.Token) and child.type == "NAME":
            names.append(str(child))
        elif isinstance(child, lark.Token):
            op = str(child)
        elif child.data == "selector":
            filters = [(str(f.children[0]), _value(f.children[1])) for f in child.children]
        else:
            value = _value(child)
    return Edit(text, tuple(names), tuple(filters), op, value)


def _value(tree: lark.Tree) -> Value:
    token = tree.children[0]
    if token.type == "STRING":
        return str(token)[1:-1]
    if token.lower() in ("null", "none"):
        return None
    for kind in (int, float):
        try:
            number = kind(token)
        except ValueError:
            continue
        # An integer beyond a float's range is an infinity to pandas: say so, the checks reject it.
        return number if abs(number) <= sys.float_info.max else float(token)
    return str(token)


def apply_edits(scenario: Scenario, edits: Sequence[str]) -> Scenario:
    """The scenario with `edits` applied in order, validated like files; ScenarioError when an edit
    names an unknown table, column or key, matches no row, or gives a value of the wrong type."""
    if not edits:
        return scenario
    config = scenario.config.model_dump(mode="json")
    tables = {stem: frame.copy() for stem, frame in scenario.tables().items()}
    for text in edits:
        edit = parse_edit(text)
        if edit.path[0] in tables:
            _edit_table(edit, tables[edit.path[0]])
        else:
            _edit_config(edit, config, tables)
    try:
        files = scenario_files(config, tables)
        edited = read_scenario(files, read_yaml(files))
    except ScenarioError as err:
        raise ScenarioError(f"{err.file} after edits {shown(list(edits))}", err.problems) from None
    return replace(edited, source=scenario.source, edits=scenario.edits + tuple(edits))


def select_values(scenario: Scenario, text: str) -> list:
    """The cells a selection such as `regions[zone_id=PJM].region_id` names, in table order."""
    selection = parse_edit(text, start="selection")
    tables = scenario.tables()
    if selection.path[0] not in tables:
        raise selection.error(f"unknown table '{selection.path[0]}'; expected one of: {', '.join(tables)}")
    frame = tables[selection.path[0]]
    rows, column = _selected(selection, frame)
    return frame.loc[rows, column].tolist()


def _edit_table(edit: Edit, frame: pd.DataFrame) -> None:
    file = f"{edit.path[0]}.csv"
    rows, column = _selected(edit, frame)
    numeric = pd.api.types.is_numeric_dtype(frame[column])
    updated = frame[column].to_numpy(dtype=object, copy=True)  # numpy, not pandas: an outcome holds thousands of edits
    updated[rows] = [_combine(edit, old, numeric, f"{file} column {column}") for old in updated[rows]]
    frame[column] = pd.to_numeric(updated) if numeric else updated  # numeric stays numeric for the next edit


def _selected(edit: Edit, frame: pd.DataFrame) -> tuple[np.ndarray, str]:
    """The rows an edit's selector keeps (a mask; all without one) and the column it names."""
    file = f"{edit.path[0]}.csv"
    if len(edit.path) != 2:
        raise edit.error(f"expected {edit.path[0]}[column=value].column or {edit.path[0]}.column")
    rows = np.ones(len(frame), dtype=bool)
    for column, value in edit.filters:
        rows &= _matches(frame[_column(edit, frame, column, file)], value)
    if not rows.any():
        wanted = ", ".join(f"{c} = {v}" for c, v in edit.filters)
        raise edit.error(f"no row of {file} has {wanted}")
    return rows, _column(edit, frame, edit.path[1], file)


def _column(edit: Edit, frame: pd.DataFrame, column: str, file: str) -> str:
    if column not in frame:
        raise edit.error(f"{file} has no column '{column}' (columns: {', '.join(map(str, frame.columns))})")
    return column


def _matches(cells: pd.Series, value: Value) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(cells) and isinstance(value, int | float):
        return cells.to_numpy() == value
    return (cells.to_numpy().astype(str) == str(value)) & cells.notna().to_numpy()  # a blank matches nothing


def _edit_config(edit: Edit, config: dict, tables: Mapping[str, pd.DataFrame]) -> None:
    node = config
    for depth, name in enumerate(edit.path):
        if not isinstance(node, dict) or name not in node:
            known = list(tables) + list(config) if depth == 0 else list(node) if isinstance(node, dict) else ["(none)"]
            raise edit.error(f"unknown name '{name}'; expected one of: {', '.join(known)}")
        if depth < len(edit.path) - 1:
            node = node[name]
    key = edit.path[-1]
    if edit.filters:
        raise edit.error(f"'{'.'.join(edit.path)}' is a scenario.yaml key; [...] selects table rows only")
    if edit.op == "=":  # any value: scenario.yaml's own validation judges it
        node[key] = YAML_BOOLEANS.get(edit.value.lower(), edit.value) if isinstance(edit.value, str) else edit.value
    else:
        current = node[key]
        numeric = isinstance(current, int | float) and not isinstance(current, bool)
        node[key] = _combine(edit, current, numeric, f"{CONFIG_FILE} key {'.'.join(edit.path)}")


def _combine(edit: Edit, old, numeric: bool, what: str):
    """The new value of one cell or key."""
    value = edit.value
    if edit.op == "=":
        if numeric and value is not None and not isinstance(value, int | float):
            raise edit.error(f"{what} holds numbers; got '{value}'")
        return value if numeric or value is None else str(value)
    if not numeric or old is None or pd.isna(old):
        raise edit.error(f"{edit.op} needs a number in {what}, which holds {json.dumps(old, default=str)}")
    if not isinstance(value, int | float):
        raise edit.error(f"{edit.op} needs a number; got '{value}'")
    result = old + value if edit.op == "+=" else old - value if edit.op == "-=" else old * value
    return int(result) if isinstance(old, numbers.Integral) and float(result).is_integer() else result
