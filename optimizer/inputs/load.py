"""Loading a scenario folder: a plain scenario, or a variant of another (`base:` and `overrides:`).

A variant's scenario.yaml names `base:` (a scenario folder, relative to this one) and/or
`overrides:` (a list of edits, see optimizer.inputs.variants). Keys it gives replace the base's
(nested mappings such as `solver:` merge), CSV files beside it replace the base's file of the same
name, then the overrides apply. A base may itself be a variant; a cycle is an error.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import yaml

from optimizer.inputs.errors import ScenarioError, shown
from optimizer.inputs.files import is_folder, read_text
from optimizer.inputs.scenario import CONFIG_FILE, Scenario, read_scenario, read_yaml
from optimizer.inputs.tables import Source
from optimizer.inputs.variants import EXAMPLE, apply_edits

VARIANT_KEYS = {"base", "overrides"}  # scenario.yaml keys that make a folder a variant of another
# Folders being resolved in this call chain, to report a `base:` cycle instead of recursing forever.
_RESOLVING: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("resolving", default=())


def load_scenario(folder: str | Path | Mapping[str, str]) -> Scenario:
    """Read and validate a scenario folder (or its files as text: file name -> content); raise
    ScenarioError naming file, line and column."""
    folder = folder if isinstance(folder, Mapping) else Path(folder)
    if isinstance(folder, Path) and not is_folder(folder):
        raise ScenarioError(str(folder), ["scenario folder not found"])
    raw = read_yaml(folder)
    if VARIANT_KEYS & raw.keys():
        return _load_variant(folder, raw)
    return read_scenario(folder, raw)


def _load_variant(folder: Source, raw: dict) -> Scenario:
    raw = dict(raw)
    base, overrides = raw.pop("base", None), raw.pop("overrides", None) or []
    if not isinstance(overrides, list) or not all(isinstance(e, str) for e in overrides):
        raise ScenarioError(CONFIG_FILE, [f"key overrides: expected a list of edits, each {EXAMPLE}"])
    files = dict(folder) if isinstance(folder, Mapping) else _folder_files(folder)
    edits: tuple[str, ...] = ()
    if base is not None:
        if not isinstance(folder, Path) or not isinstance(base, str):
            raise ScenarioError(CONFIG_FILE, ["key base: expected the path of a scenario folder"])
        parent = load_base(folder, base)
        raw = _merge(parent.config.model_dump(mode="json"), raw)
        files = parent.files() | files
        edits = parent.edits
    files[CONFIG_FILE] = yaml.safe_dump(raw)
    scenario = read_scenario(files, raw)
    return apply_edits(replace(scenario, source=folder if isinstance(folder, Path) else None, edits=edits), overrides)


def load_base(folder: Path, name: str, file: str = CONFIG_FILE) -> Scenario:
    """The scenario that key `base: name` of `file` in `folder` names (a variant's scenario.yaml, a
    sweep file); any problem with it is reported as one of that key, in that file."""
    base = folder / name
    where = f"key base: {shown(repr(name))}"
    if not is_folder(base):
        raise ScenarioError(file, [f"{where}: no scenario folder there"])
    chain = _RESOLVING.get() + (folder.resolve(),)
    if base.resolve() in chain:
        raise ScenarioError(file, [f"{where} is a base of itself (cycle: {' -> '.join(map(str, chain))})"])
    token = _RESOLVING.set(chain)
    try:
        return load_scenario(base)
    except ScenarioError as err:
        raise ScenarioError(file, [f"{where}: {line}" for line in str(err).splitlines()]) from None
    finally:
        _RESOLVING.reset(token)


def _folder_files(folder: Path) -> dict[str, str]:
    """Every CSV file of a variant folder; an entry that is not a readable UTF-8 file is an error."""
    return {p.name: read_text(p) for p in sorted(folder.glob("*.csv"))}


def _merge(base: dict, changes: dict) -> dict:
    """`base` with `changes` applied key by key, nested mappings (e.g. solver:) merged too."""
    merged = dict(base)
    for key, value in changes.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged
