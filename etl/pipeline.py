"""Records -> every table -> a new warehouse file: the one path all ETL commands share."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from etl.classify import classify_trials
from etl.eligibility import build_eligibility_tables
from etl.eligibility.tables import build_measure_table
from etl.load import write_warehouse
from etl.lock import hold_write_lock
from etl.memory import pause_gc
from etl.problems import DataProblem
from etl.transform.records import build_tables_from_frames, frame_records
from etl.transform.search import add_search_text


@dataclass(frozen=True)
class BuildSummary:
    """What a build wrote, for the CLI's summary line."""

    db_path: Path
    record_count: int
    trial_count: int
    shown_trial_count: int
    skipped_count: int
    table_row_counts: dict[str, int]
    # Records sharing an NCT ID, merged into one trial (the latest lastUpdatePostDate wins).
    duplicate_count: int = 0
    # Every value dropped or record skipped, as recorded in the refresh's `problems` column.
    problems: tuple[DataProblem, ...] = ()


def read_as_of_date(meta: Mapping[str, object]) -> date:
    """The date the data describes (the registry's data timestamp), else today in UTC."""
    stamp = meta.get("data_timestamp")
    if isinstance(stamp, str):
        for length, fmt in ((10, "%Y-%m-%d"), (7, "%Y-%m"), (4, "%Y")):
            try:
                return datetime.strptime(stamp[:length], fmt).date()
            except ValueError:
                continue
    return datetime.now(UTC).date()


# How long a load waits for another writer of the same database before giving up.
LOAD_LOCK_WAIT_S = 300.0


class NoRecordsError(ValueError):
    """A build was asked to replace the database with nothing."""


def derive_tables(frames: dict[str, pl.DataFrame], meta: Mapping[str, object]) -> dict[str, pl.DataFrame]:
    """Every derived table from flattened records (pure: no database, no network)."""
    tables = build_tables_from_frames(frames)
    tables = classify_trials(tables, as_of=read_as_of_date(meta))
    tables.update(build_eligibility_tables(tables["trials"]))
    tables["eligibility_measures"] = build_measure_table()
    tables["trials"] = add_search_text(
        tables["trials"], tables["trial_interventions"], tables["trial_conditions"]
    )
    return tables


@dataclass(frozen=True)
class DerivedTables:
    """Every table derived from one set of records, and how many records there were."""

    tables: dict[str, pl.DataFrame]
    record_count: int
    # Values dropped from their field while flattening (NCT ID, field, reason).
    field_problems: list[DataProblem] = field(default_factory=list)


def transform_records(records: Iterable[dict], meta: Mapping[str, object]) -> DerivedTables:
    """Flatten records (streamed once) and derive every table; NoRecordsError when there are none."""
    field_problems: list[DataProblem] = []
    with pause_gc():
        frames = frame_records(records, field_problems)
        if frames["studies"].height == 0:
            raise NoRecordsError("no usable study records; the database was not changed")
        return DerivedTables(derive_tables(frames, meta), frames["studies"].height, field_problems)


def read_meta_problems(meta: Mapping[str, object]) -> list[DataProblem]:
    """Problems a pull recorded when it was fetched (records the registry sent but were unreadable)."""
    items = meta.get("problems")
    if not isinstance(items, list):
        return []
    return [DataProblem.from_dict(item) for item in items if isinstance(item, dict)]


def load_tables(
    derived: DerivedTables,
    meta: Mapping[str, object],
    db_path: Path,
    skipped_count: int = 0,
    problems: Sequence[DataProblem] = (),
) -> BuildSummary:
    """Swap the tables of one pull in as the new warehouse (a history of one refresh).

    `problems` (records skipped while reading) join those the pull recorded and the values the
    transform dropped in the refresh record's `problems` column. A warehouse with history across
    pulls is built by etl/rebuild.py.
    """
    from etl.rebuild import single_pull_history

    tables = dict(derived.tables)
    record_count = derived.record_count
    trials = tables["trials"]
    all_problems = [*read_meta_problems(meta), *problems, *derived.field_problems]
    single_pull_history(tables, dict(meta), record_count, skipped_count, all_problems)
    # One writer at a time (two app sessions, the CLI and the app); a command already holding the
    # lock passes.
    with hold_write_lock(db_path, "a build", wait_s=LOAD_LOCK_WAIT_S):
        write_warehouse(tables, db_path, check_contract=True)
    shown = trials
    if {"is_car_based", "is_autoimmune"} <= set(trials.columns):
        shown = trials.filter(pl.col("is_car_based") & pl.col("is_autoimmune"))
    return BuildSummary(
        db_path=db_path,
        record_count=record_count,
        trial_count=trials.height,
        shown_trial_count=shown.height,
        skipped_count=skipped_count,
        table_row_counts={name: frame.height for name, frame in tables.items()},
        duplicate_count=record_count - trials.height,
        problems=tuple(all_problems),
    )


def build_warehouse(
    records: Iterable[dict],
    meta: Mapping[str, object],
    db_path: Path,
    skipped_count: int = 0,
    problems: list | None = None,
) -> BuildSummary:
    """Transform records (streamed once) and swap in a new warehouse at `db_path`.

    Raises NoRecordsError, leaving the current database, when there is no usable record.
    `problems` is the list a streaming reader fills with skipped records; it adds to skipped_count.
    """
    derived = transform_records(records, meta)
    found = list(problems or [])
    as_data = [p.to_data_problem() if hasattr(p, "to_data_problem") else p for p in found]
    return load_tables(derived, meta, db_path, skipped_count + len(found), as_data)


def read_meta_file(path: Path) -> dict:
    """A pull's or the snapshot's meta.json, or an empty dict when absent."""
    return json.loads(path.read_text()) if path.is_file() else {}
