"""The possible futures (outcomes) of an uncertain scenario, each a validated deterministic scenario.

An outcome is the scenario with its edits applied (the --set grammar) and no `uncertainty:` section.
Explicit outcomes carry their probability; sampled ones (`samples:`, optimizer.inputs.draws) share
what the explicit ones leave, equally. Edits may change any value but not the set of ids (the key
columns of every table), so every outcome has the same regions, paths and demand centres.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import pandas as pd

from optimizer.inputs.draws import draw_edits
from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.scenario import CONFIG_FILE, TABLE_SPECS, Scenario, read_scenario, read_yaml, scenario_files
from optimizer.inputs.tables import ColumnSpec
from optimizer.inputs.variants import apply_edits, select_values

WHERE = f"{CONFIG_FILE} key uncertainty"
MEAN_VALUE = "mean_value"  # the name of the scenario of probability-weighted mean inputs


@dataclass(frozen=True)
class Outcome:
    name: str
    probability: float
    edits: tuple[str, ...]


def outcomes(scenario: Scenario) -> list[Outcome]:
    """The scenario's outcomes, explicit ones first, then samples named sample_0000, sample_0001, ..."""
    settings = scenario.config.uncertainty
    if settings is None:
        return []
    listed = [Outcome(o.name, o.probability, tuple(o.edits)) for o in settings.outcomes]
    samples = settings.samples
    if samples is not None:
        share = (1.0 - sum(o.probability for o in listed)) / samples.count
        keys_of = partial(select_values, scenario)
        listed += [Outcome(f"sample_{i:04d}", share, draw_edits(samples, i, keys_of)) for i in range(samples.count)]
    names = [o.name for o in listed]
    if len(set(names)) != len(names):
        raise ScenarioError(WHERE, ["outcome names must differ from the samples' names (sample_0000, ...)"])
    return listed


def deterministic(scenario: Scenario) -> Scenario:
    """The scenario without its `uncertainty:` section (the model of one assumed future)."""
    return replace(scenario, config=scenario.config.model_copy(update={"uncertainty": None}))


_EXPANDED: dict[str, list[tuple[Outcome, Scenario]]] = {}  # the last scenario's, by input hash


def outcome_scenarios(scenario: Scenario) -> list[tuple[Outcome, Scenario]]:
    """Each outcome with its validated scenario; ScenarioError names the outcome of a bad edit. The
    last scenario's are kept (the command line validates them before it solves, within a time budget
    that leaves the input hash as it was), each given the scenario's own time limit."""
    digest = scenario.input_hash()
    if digest not in _EXPANDED:
        _EXPANDED.clear()
        _EXPANDED[digest] = _expand(scenario)
    seconds, asked = scenario.config.solver.time_limit_s, scenario.asked_time_limit_s
    return [(outcome, _timed(edited, seconds, asked)) for outcome, edited in _EXPANDED[digest]]


def _timed(edited: Scenario, seconds: float | None, asked: tuple[float | None] | None) -> Scenario:
    if edited.config.solver.time_limit_s == seconds and edited.asked_time_limit_s == asked:
        return edited
    solver = edited.config.solver.model_copy(update={"time_limit_s": seconds})
    return replace(edited, config=edited.config.model_copy(update={"solver": solver}), asked_time_limit_s=asked)


def _expand(scenario: Scenario) -> list[tuple[Outcome, Scenario]]:
    base = deterministic(scenario)
    pairs = []
    for outcome in outcomes(scenario):
        try:
            edited = apply_edits(base, outcome.edits)
        except ScenarioError as err:
            raise ScenarioError(f"{WHERE}, outcome {outcome.name}: {err.file}", err.problems) from None
        _check_same_ids(base, edited, outcome.name)
        pairs.append((outcome, replace(edited, edits=scenario.edits)))
    return pairs


def _check_same_ids(base: Scenario, edited: Scenario, name: str) -> None:
    for stem, table in base.tables().items():
        key = list(TABLE_SPECS[stem].key)
        if not table[key].reset_index(drop=True).equals(edited.tables()[stem][key].reset_index(drop=True)):
            raise ScenarioError(
                f"{WHERE}, outcome {name}",
                [f"its edits change the ids of {stem}.csv ({', '.join(key)}); an outcome may change values only"],
            )


def mean_value_scenario(scenario: Scenario, pairs: list[tuple[Outcome, Scenario]]) -> Scenario:
    """The deterministic scenario of probability-weighted mean inputs: every number of every table
    (whole numbers rounded) and of scenario.yaml that the outcomes change, averaged over them. A
    column of listed values (a 0/1 flag) takes each row's most probable value instead, as an average
    of such values need not be one of them."""
    weights = np.array([outcome.probability for outcome, _ in pairs])
    tables = {}
    for stem, table in deterministic(scenario).tables().items():
        mean = table.copy()
        specs = {spec.name: spec for spec in TABLE_SPECS[stem].columns}
        for column in set(table.columns) - set(TABLE_SPECS[stem].key):
            if not pd.api.types.is_numeric_dtype(table[column]) or pd.api.types.is_bool_dtype(table[column]):
                continue
            stacked = np.vstack([edited.tables()[stem][column].to_numpy(float) for _, edited in pairs])
            if np.array_equal(stacked.min(axis=0), stacked.max(axis=0), equal_nan=True):
                continue  # the same in every outcome
            if column in specs and _listed_values(specs[column]):
                mean[column] = _most_probable(stacked, weights)
                continue
            averaged = np.average(stacked, axis=0, weights=weights)  # nan (a blank) stays nan
            integer = pd.api.types.is_integer_dtype(table[column])
            mean[column] = np.round(averaged).astype(table[column].dtype) if integer else averaged
        tables[stem] = mean
    config = _mean_config([edited.config.model_dump(mode="json") for _, edited in pairs], weights)
    config["name"] = f"{scenario.name}_{MEAN_VALUE}"
    files = scenario_files(config, tables)
    return replace(read_scenario(files, read_yaml(files)), edits=scenario.edits)


def _listed_values(spec: ColumnSpec) -> bool:
    """Whether a column's values must be one of a list (pandera's isin check)."""
    return any(check.name == "isin" for check in spec.checks)


def _most_probable(stacked: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each column's value of greatest total probability over the rows (outcomes); on a tie the
    smallest such value, a blank (nan) counting as a value of its own, after every number."""
    keyed = np.where(np.isnan(stacked), np.inf, stacked)
    result = np.empty(stacked.shape[1])
    for j in range(stacked.shape[1]):
        values, inverse = np.unique(keyed[:, j], return_inverse=True)  # sorted, so argmax picks the smallest
        result[j] = values[np.argmax(np.bincount(inverse, weights=weights))]
    return np.where(np.isinf(result), np.nan, result)


def _mean_config(configs: list[dict], weights: np.ndarray) -> dict:
    """The first config with each number that differs between them averaged (nested keys too)."""
    mean = dict(configs[0])
    for key, value in mean.items():
        values = [config[key] for config in configs]
        if isinstance(value, dict):
            mean[key] = _mean_config(values, weights)
        elif isinstance(value, int | float) and not isinstance(value, bool) and len(set(values)) > 1:
            averaged = float(np.average(values, weights=weights))
            mean[key] = round(averaged) if isinstance(value, int) else averaged
    return mean
