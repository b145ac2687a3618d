"""Rebuild the warehouse from every pull, oldest data first: current tables from the latest, plus history."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from etl.classify import classify_trials
from etl.extract.files import RecordBatch, iter_records
from etl.history import HistoryBuilder, derive_trial_changes, extract_trial_states
from etl.load import REFRESHES_SCHEMA, write_warehouse
from etl.lock import hold_write_lock
from etl.memory import pause_gc
from etl.pipeline import LOAD_LOCK_WAIT_S, BuildSummary, NoRecordsError, read_meta_problems, transform_records
from etl.problems import DataProblem, problems_to_json
from etl.pulls import BASIS_IMPORT_TIME, PullSource, kind_of_meta, list_pulls
from etl.transform.records import build_tables_from_frames, frame_records


@dataclass(frozen=True)
class RebuildSummary(BuildSummary):
    """A build's summary plus the refreshes it holds and the pulls it could not use."""

    refresh_count: int = 0
    latest_pull: PullSource | None = None
    unusable_pulls: list[str] = field(default_factory=list)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _nct_id(record: dict) -> str:
    return record["protocolSection"]["identificationModule"]["nctId"].strip()


@dataclass
class _PullStates:
    """One pull's trial states and, per trial, the digest of the record text they came from."""

    states: pl.DataFrame
    digests: dict[str, bytes]
    record_count: int
    skipped_count: int
    problems: list[DataProblem]


def classify_states(records: list[dict], as_of: object) -> pl.DataFrame:
    """Tracked states of some records: flatten, classify, pick the tracked fields (no eligibility)."""
    if not records:
        return extract_trial_states(_EMPTY_TABLES)
    tables = build_tables_from_frames(frame_records(records))
    return extract_trial_states(classify_trials(tables, as_of=as_of))  # type: ignore[arg-type]


def read_pull_states(pull: PullSource, previous: _PullStates | None) -> _PullStates:
    """A pull's states; a record whose text is the same as in the previous pull keeps its state
    (classification is per trial and deterministic), so only new or edited records are classified."""
    batch = RecordBatch()
    texts: list[str] = []
    entries: dict[str, tuple[bytes, dict | None]] = {}
    record_count = 0
    old = previous.digests if previous else {}
    with pause_gc():
        for record in iter_records(pull.studies_path, batch, on_text=texts.append):
            text = texts.pop()
            record_count += 1
            nct_id, digest = _nct_id(record), _digest(text)
            # The last record of a repeated study wins, as in the current tables.
            entries[nct_id] = (digest, None if old.get(nct_id) == digest else record)
    if record_count == 0:
        raise NoRecordsError(f"no usable study records in {pull.studies_path}")
    if batch.failures:
        # A kept pull that cannot be read to its end is left out whole, never half-used.
        raise NoRecordsError("; ".join(f.describe() for f in batch.failures))
    changed = [record for _, record in entries.values() if record is not None]
    fresh = classify_states(changed, pull.data_date)
    kept_ids = [nct_id for nct_id, (_, record) in entries.items() if record is None]
    parts = [fresh]
    if kept_ids and previous is not None:
        parts.insert(0, previous.states.filter(pl.col("nct_id").is_in(kept_ids)))
    states = pl.concat(parts).sort("nct_id")
    digests = {nct_id: digest for nct_id, (digest, _) in entries.items()}
    problems = [*read_meta_problems(pull.meta), *(p.to_data_problem() for p in batch.problems)]
    # Records the registry's answer held but could not be used are counted in the pull's meta.
    skipped = len(batch.problems) + int(pull.meta.get("skipped_count") or 0)  # type: ignore[call-overload]
    return _PullStates(states, digests, record_count, skipped, problems)


def make_refresh_row(
    refresh_id: int,
    pull: PullSource,
    states: pl.DataFrame,
    record_count: int,
    skipped: int,
    built_at: str,
    problems: Sequence[DataProblem] = (),
) -> dict:
    meta = pull.meta
    query = meta.get("query")
    # A live pull's query is its request parameters: stored as JSON, read back with json.loads.
    query_text = None if query is None else query if isinstance(query, str) else json.dumps(query)
    shown = states.filter(pl.col("is_car_based").fill_null(False) & pl.col("is_autoimmune").fill_null(False))
    return {
        "refresh_id": refresh_id,
        "data_timestamp": pull.data_timestamp,
        "data_date": pull.data_date,
        "data_timestamp_basis": pull.data_timestamp_basis,
        "source_kind": pull.kind,
        "source": str(meta.get("source") or pull.kind),
        "pull": pull.key,
        "query": query_text,
        "api_version": None if meta.get("api_version") is None else str(meta["api_version"]),
        "fetched_at": None if meta.get("fetched_at") is None else str(meta["fetched_at"]),
        "saved_at": None if meta.get("saved_at") is None else str(meta["saved_at"]),
        "loaded_at": built_at,
        "record_count": record_count,
        "trial_count": states.height,
        "shown_trial_count": shown.height,
        "skipped_count": skipped,
        "problem_count": len(problems),
        "problems": problems_to_json(problems),
    }


def rebuild_warehouse(
    pulls: list[PullSource],
    db_path: Path,
    on_pull: Callable[[int, int, PullSource], None] | None = None,
) -> RebuildSummary:
    """Fold every pull (oldest data first) into history; the latest usable pull gives the current
    tables. Writes a new file and swaps it in; NoRecordsError (database untouched) when no pull is usable.
    """
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    builder = HistoryBuilder()
    rows: list[dict] = []
    unusable: list[str] = []
    previous: _PullStates | None = None
    used: list[PullSource] = []
    for index, pull in enumerate(pulls):
        if on_pull is not None:
            on_pull(index, len(pulls), pull)
        try:
            current = read_pull_states(pull, previous)
        except (NoRecordsError, OSError) as exc:
            unusable.append(f"{pull.key}: {exc}")
            continue
        refresh_id = len(rows) + 1
        builder.add(refresh_id, current.states)
        rows.append(
            make_refresh_row(
                refresh_id,
                pull,
                current.states,
                current.record_count,
                current.skipped_count,
                built_at,
                current.problems,
            )
        )
        used.append(pull)
        previous = current
    if not used:
        raise NoRecordsError("no usable pull; the database was not changed")
    latest = used[-1]
    # The current tables: every table (eligibility too) from the latest pull, read once more in full.
    batch = RecordBatch()
    derived = transform_records(iter_records(latest.studies_path, batch), latest.meta)
    tables = dict(derived.tables)
    # The latest refresh also records the values the full transform dropped.
    latest_problems = [*previous.problems, *derived.field_problems] if previous else []  # type: ignore[union-attr]
    rows[-1] |= {"problem_count": len(latest_problems), "problems": problems_to_json(latest_problems)}
    refreshes = pl.DataFrame(rows, schema=REFRESHES_SCHEMA)
    history = builder.finish()
    tables["refreshes"] = refreshes
    tables["trial_history"] = history
    tables["trial_changes"] = derive_trial_changes(history, refreshes)
    # One writer at a time (two app sessions, the CLI and the app); a command already holding the
    # lock passes.
    with hold_write_lock(db_path, "a build", wait_s=LOAD_LOCK_WAIT_S):
        write_warehouse(tables, db_path, check_contract=True)
    trials = tables["trials"]
    shown = trials.filter(pl.col("is_car_based") & pl.col("is_autoimmune"))
    return RebuildSummary(
        db_path=db_path,
        record_count=derived.record_count,
        trial_count=trials.height,
        shown_trial_count=shown.height,
        skipped_count=rows[-1]["skipped_count"],
        table_row_counts={name: frame.height for name, frame in tables.items()},
        duplicate_count=derived.record_count - trials.height,
        problems=tuple(latest_problems),
        refresh_count=len(rows),
        latest_pull=latest,
        unusable_pulls=unusable,
    )


class NoPullError(NoRecordsError):
    """There is no pull at all to build from (no bundle, nothing kept)."""


def rebuild_from_store(
    db_path: Path,
    raw_dir: Path | None,
    snapshot_dir: Path | None,
    *,
    include: Path | None = None,
    on_pull: Callable[[int, int, PullSource], None] | None = None,
) -> RebuildSummary:
    """Rebuild from the bundle (None: left out) and every complete kept pull under `raw_dir`.

    `include` is the folder of a pull marked incomplete that the person asked to load
    (--allow-partial): it is used for this build only, a later build leaves it out. The one path
    behind `build`, `import`, `refresh` and the app's refresh button."""
    pulls = list_pulls(snapshot_dir, raw_dir, include=include)
    if not pulls:
        bundle = "left out (--no-bundle)" if snapshot_dir is None else f"{snapshot_dir} is missing"
        raise NoPullError(
            f"no pull to build from: the bundled snapshot {bundle} and no complete pull is kept under "
            f"{raw_dir}. If the data/ folder is incomplete, restore it with `git checkout -- data`; "
            "or run import or refresh."
        )
    return rebuild_warehouse(pulls, db_path, on_pull=on_pull)


def single_pull_history(
    tables: dict[str, pl.DataFrame],
    meta: dict,
    record_count: int,
    skipped: int,
    problems: Sequence[DataProblem] = (),
) -> None:
    """Add refreshes, trial_history and trial_changes for a warehouse built from one pull (in place)."""
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    stamp = meta.get("data_timestamp")
    basis = str(meta.get("data_timestamp_basis") or "meta.json") if stamp else BASIS_IMPORT_TIME
    pull = PullSource("records", kind_of_meta(meta), Path(), meta, str(stamp or built_at), basis)
    states = extract_trial_states(tables)
    builder = HistoryBuilder()
    builder.add(1, states)
    row = make_refresh_row(1, pull, states, record_count, skipped, built_at, problems)
    refreshes = pl.DataFrame([row], schema=REFRESHES_SCHEMA)
    history = builder.finish()
    tables["refreshes"] = refreshes
    tables["trial_history"] = history
    tables["trial_changes"] = derive_trial_changes(history, refreshes)


_EMPTY_TABLES = build_tables_from_frames(frame_records([]))


def describe_pull(pull: PullSource) -> str:
    """'2026-04-25 (bundled, snapshot/history/2026-04-25)' for progress and summaries."""
    return f"{pull.data_timestamp} ({pull.kind}, {pull.key})"
