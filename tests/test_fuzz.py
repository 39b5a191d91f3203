"""Property-based tests of input handling (issue 16): whatever is mutated in any table, key, variant,
sweep file, edit or option, `gridsite` exits 0, 2 or 3 without a traceback, rejects exactly the
invalid inputs naming the file (or key or edit), writes nothing on exit 2 and touches nothing
outside --out. The mutations and their expected verdicts are bench/mutations.py; `python -m
bench.fuzz --n 5000` runs the same at scale (docs/benchmarks.md)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz import run_case
from bench.mutations import CONFIG, EITHER, SCENARIO, TABLES, Case, base_files, draw_case, rows, to_csv

# The CI budget; GRIDSITE_FUZZ_EXAMPLES raises it for a longer local run.
EXAMPLES = int(os.environ.get("GRIDSITE_FUZZ_EXAMPLES", "100"))
budget = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)


def _check(case: Case, **how) -> None:
    with tempfile.TemporaryDirectory(prefix="gridsite-fuzz-") as root:
        outcome = run_case(case, Path(root), **how)
    assert outcome.kind == "clean", f"{case.label} (expected {case.expect}): {outcome}"


@budget
@given(st.randoms(use_true_random=False))
def test_mutated_inputs_are_solved_or_rejected_cleanly(rng):
    _check(draw_case(rng), solve=True)


@settings(budget, max_examples=max(EXAMPLES // 10, 3))
@given(st.randoms(use_true_random=False))
def test_mutated_inputs_reach_the_reports_cleanly(rng):
    _check(draw_case(rng), solve=True, report=True)


CELLS = [(stem, column) for stem in TABLES for column in rows(stem)[0]]


@budget
@given(st.sampled_from(CELLS), st.integers(1, 2), st.text(max_size=50))
def test_any_text_in_any_cell(place, row, text):
    stem, column = place
    table = rows(stem)
    table[min(row, len(table) - 1)][table[0].index(column)] = text
    files = base_files() | {f"{SCENARIO}/{stem}.csv": to_csv(table)}
    case = Case(f"{stem}.csv {column} = {text!r}", EITHER, files, names=(f"{stem}.csv",))
    _check(case)


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@budget
@given(st.sampled_from([*CONFIG, "solver", "base", "overrides", "extra"]), YAML_VALUES)
def test_any_value_for_any_key(key, value):
    config = CONFIG | {key: value}
    case = Case(f"scenario.yaml {key}: {value!r}", EITHER, base_files(), names=("scenario.yaml",))
    case.files[f"{SCENARIO}/scenario.yaml"] = yaml.safe_dump(config, allow_unicode=True).encode()
    _check(case)


@budget
@given(st.text(max_size=60))
def test_any_edit(text):
    _check(Case(f"--set {text!r}", EITHER, base_files(), args=["--set", text], names=("edit '", "after edits")))
