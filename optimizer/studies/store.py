"""The results store: a DuckDB file with one row per run and long result tables keyed by run.

`runs` holds one row per run (name, input hash, edits, status, objective, gap, times, message);
every result table of a run (capacity, costs, service, unserved, ... as `SolveResult.tables` names
them), its MIP start (`mip_start`) and its effective inputs (`inputs`: file name and text) is a long
table with a leading `run` column, so a run folder can be written back (`write_run_folder`) and
reported on without solving again. Each run is
written in one transaction (its old rows, if any, replaced), so a batch killed at any moment leaves
every run either complete or absent. The file is opened only
for the length of one transaction, so `gridsite runs ...` can read it while a batch is running.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.load import load_scenario
from optimizer.pipeline.outputs import write_results
from optimizer.pipeline.solve import SolveResult

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    name VARCHAR PRIMARY KEY,
    sweep VARCHAR,
    input_hash VARCHAR,
    edits VARCHAR,            -- JSON list of the edits applied to the sweep's base
    status VARCHAR,
    message VARCHAR,
    objective_usd DOUBLE,
    best_bound_usd DOUBLE,
    mip_gap DOUBLE,
    build_seconds DOUBLE,
    solve_seconds DOUBLE,
    warm_start VARCHAR,       -- JSON: MIP start values given and dropped, or null for a cold solve
    recorded_at TIMESTAMPTZ,
    summary VARCHAR           -- the run's full summary.json
)
"""
INPUTS = "inputs"  # the table of each run's input files
NOT_RESULTS = ("mip_start", INPUTS)  # stored tables that are no result tables
EXPORT_FORMATS = {".csv": "csv", ".parquet": "parquet"}
LOCK_WAIT_S = 30.0  # another process (a batch, a reader) may hold the file for one transaction


@contextmanager
def connect(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the store, waiting while another process holds the file."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        if not read_only:
            con.execute(RUNS_DDL)
        yield con
    finally:
        con.close()


def check_store(path: Path) -> None:
    """Raise ScenarioError unless `path` is a results store or names none yet in an existing folder:
    a store is never created over a file that is not one."""
    if not os.path.lexists(path):
        if not path.parent.is_dir():
            raise ScenarioError(str(path), ["the results store's folder does not exist"])
        return
    try:
        with connect(path, read_only=True):
            pass
    except duckdb.Error as err:
        raise ScenarioError(str(path), [f"not a results store (a DuckDB file): {err}"]) from None


def record(
    path: str | Path, name: str, sweep: str, edits: list[str], result: SolveResult, files: dict[str, str] | None = None
) -> None:
    """Record one finished run (any status) and its input files, replacing an earlier run of the same
    name, atomically."""
    summary = result.summary
    start = pd.DataFrame(list(result.integer_values.items()), columns=["variable", "value"])
    inputs = pd.DataFrame(list((files or {}).items()), columns=["file", "text"])
    tables = result.tables | {"mip_start": start, INPUTS: inputs}
    row = (
        name,
        sweep,
        summary.get("input_hash"),
        json.dumps(edits),
        summary["status"],
        summary.get("message"),
        summary.get("objective_usd"),
        summary.get("best_bound_usd"),
        summary.get("mip_gap"),
        summary.get("build_seconds"),
        summary.get("solve_seconds"),
        json.dumps(summary.get("warm_start")),
        datetime.now(UTC),
        json.dumps(summary, default=str),
    )
    with connect(path) as con:
        con.begin()
        _delete_run(con, name)
        con.execute(f"INSERT INTO runs VALUES ({', '.join('?' * len(row))})", row)
        for table, frame in tables.items():
            if not frame.empty:
                _insert(con, table, frame.assign(run=name)[["run", *frame.columns]])
        con.commit()  # nothing of this run is visible, or on disk, before this line


def _delete_run(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute("DELETE FROM runs WHERE name = ?", [name])
    for table in _result_tables(con):
        con.execute(f"DELETE FROM {table} WHERE run = ?", [name])


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append rows, creating the table from the first frame and adding any column it lacks (so a
    formulation that reports a new column needs no change here)."""
    if not _existing(con, [table]):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame LIMIT 0")
    known = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    for column in [c for c in frame.columns if c not in known]:
        kind = con.execute(f'SELECT typeof("{column}") FROM frame LIMIT 1').fetchone()[0]
        con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {kind}')
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")


def _existing(con: duckdb.DuckDBPyConnection, tables) -> list[str]:
    return [t for t in tables if t in _all_tables(con)]


def _result_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for t in _all_tables(con) if t != "runs"]


def _all_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall())


def stored_runs(path: str | Path) -> dict[str, tuple[str, str]]:
    """name -> (input hash, status) of the recorded runs a re-run need not solve again: all but those
    that ended in an error (a dead worker, a solver crash), which may not recur."""
    if not Path(path).exists():
        return {}
    with connect(path, read_only=True) as con:
        rows = con.execute(
            "SELECT name, input_hash, status FROM runs WHERE status <> 'error' AND input_hash IS NOT NULL"
        )
        return {name: (digest, status) for name, digest, status in rows.fetchall()}


def copy_run(path: str | Path, source: str, name: str, sweep: str, edits: list[str]) -> None:
    """Record `name` with the results of the stored run `source` (same inputs), atomically."""
    with connect(path) as con:
        con.begin()
        _delete_run(con, name)
        con.execute(
            "INSERT INTO runs SELECT ? AS name, ? AS sweep, input_hash, ? AS edits, status, "
            "'same inputs as run ' || name || '; its results are reused' AS message, objective_usd, best_bound_usd, "
            "mip_gap, build_seconds, solve_seconds, warm_start, now() AS recorded_at, "
            "json_merge_patch(summary, ?)::VARCHAR AS summary FROM runs WHERE name = ?",  # its own edits, and whence
            [name, sweep, json.dumps(edits), json.dumps({"edits": edits, "reused_from": source}), source],
        )
        for table in _result_tables(con):
            con.execute(f"INSERT INTO {table} SELECT * REPLACE (? AS run) FROM {table} WHERE run = ?", [name, source])
        con.commit()


def list_runs(path: str | Path) -> pd.DataFrame:
    with connect(path, read_only=True) as con:
        return con.execute(
            "SELECT name, status, objective_usd, mip_gap, solve_seconds, input_hash, edits, message "
            "FROM runs ORDER BY recorded_at, name"
        ).df()


def has_table(path: str | Path, table: str) -> bool:
    with connect(path, read_only=True) as con:
        return bool(_existing(con, [table]))


def read_table(path: str | Path, table: str, run: str | None = None) -> pd.DataFrame:
    """A whole table of the store, or one run's rows of it."""
    with connect(path, read_only=True) as con:
        return _select(con, path, table, run).df()


def export_table(path: str | Path, table: str, out_file: Path, run: str | None = None) -> int:
    """Write a table (or one run's rows) to .csv or .parquet, via a temporary file then a rename.
    KeyError, with nothing written, for a table or a run the store does not hold."""
    temporary = out_file.with_name(f".gridsite-{out_file.name}")
    try:
        with connect(path, read_only=True) as con:
            rows = _select(con, path, table, run)
            if run is not None:
                _summary_of(con, path, run)  # the run is recorded: a misspelt name is no empty table
            out_file.parent.mkdir(parents=True, exist_ok=True)
            literal = "'" + str(temporary).replace("'", "''") + "'"
            con.execute(f"COPY ({rows.sql_query()}) TO {literal} (FORMAT {EXPORT_FORMATS[out_file.suffix]})")
            count = con.execute(f"SELECT count(*) FROM ({rows.sql_query()})").fetchone()[0]
        os.replace(temporary, out_file)
    finally:
        temporary.unlink(missing_ok=True)
    return count


def _select(con: duckdb.DuckDBPyConnection, path, table: str, run: str | None) -> duckdb.DuckDBPyRelation:
    if table not in _all_tables(con):
        raise KeyError(f"no table '{table}' in {path} (tables: {', '.join(_all_tables(con))})")
    rows = con.table(table)
    return rows if run is None else rows.filter(duckdb.ColumnExpression("name" if table == "runs" else "run") == run)


def _summary_of(con: duckdb.DuckDBPyConnection, path, name: str) -> dict:
    """A recorded run's summary; KeyError when the store holds no run of that name."""
    row = con.execute("SELECT summary FROM runs WHERE name = ?", [name]).fetchone()
    if row is None:
        raise KeyError(f"no run named '{name}' in {path}")
    return json.loads(row[0])


def start_of(path: str | Path, run: str) -> dict[str, float]:
    """The stored MIP start (integer values) of a run, for warm-starting its variants."""
    try:
        frame = read_table(path, "mip_start", run)
    except KeyError:
        return {}
    return dict(zip(frame["variable"], frame["value"]))


def write_run_folder(path: str | Path, name: str, out_dir: str | Path, force: bool = False) -> Path:
    """Write a stored run as the run folder `gridsite solve` would have written (its summary, result
    tables, sites.geojson and inputs/), without solving. KeyError names what is missing: the run, or
    its inputs (stores written before they were kept)."""
    with connect(path, read_only=True) as con:
        summary = _summary_of(con, path, name)
        tables = {t: _select(con, path, t, name).df().drop(columns="run") for t in _result_tables(con)}
    files = dict(zip(tables[INPUTS]["file"], tables[INPUTS]["text"])) if INPUTS in tables else {}
    if not files:
        raise KeyError(f"run '{name}' in {path} has no stored inputs (recorded before they were kept); run it again")
    results = {t: frame for t, frame in tables.items() if t not in NOT_RESULTS and not frame.empty}
    if "unserved" not in results and "capacity" in results:
        results["unserved"] = pd.DataFrame(columns=["demand_id", "year", "mw"])  # no row: nothing unserved
    result = SolveResult(summary, results, regions=load_scenario(files).regions)
    return write_results(result, out_dir, inputs=files, force=force)
