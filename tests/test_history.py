"""History across refreshes: the bundled pulls in date order, trial_history ranges, net trial_changes,
idempotent rebuilds, imports placed by their data timestamp."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import shutil
from pathlib import Path

import duckdb
import polars as pl

from etl.cli import main
from etl.extract.files import read_records
from etl.history import HistoryBuilder, derive_trial_changes, extract_trial_states
from etl.paths import SNAPSHOT_DIR
from etl.pipeline import transform_records
from etl.pulls import list_pulls
from etl.rebuild import read_pull_states

HISTORY_DIR = SNAPSHOT_DIR / "history"
DATES = ["2026-04-25", "2026-05-25", "2026-06-25", "2026-07-25", "2026-08-22"]

# Counted by hand-written Python straight from the bundled files (sets of NCT IDs per pull and the
# statusModule.overallStatus of each record), independently of the ETL: see _read_bundle below.
NEW_APR_TO_MAY = [
    "NCT07556120",
    "NCT07558850",
    "NCT07570862",
    "NCT07573332",
    "NCT07577583",
]


def _read_bundle() -> dict[str, dict[str, dict]]:
    """date -> nct_id -> record, read with gzip and json only."""
    paths = [HISTORY_DIR / d / "studies.ndjson.gz" for d in DATES[:-1]] + [SNAPSHOT_DIR / "studies.ndjson.gz"]
    pulls = {}
    for day, path in zip(DATES, paths, strict=True):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh]
        pulls[day] = {r["protocolSection"]["identificationModule"]["nctId"]: r for r in records}
    return pulls


def _status(record: dict) -> str:
    return record["protocolSection"]["statusModule"]["overallStatus"]


def _rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql, params=params or []).fetchall()


def _changes(db: Path, from_day: str, to_day: str, kind: str) -> list[tuple]:
    """Net changes of one kind between two refreshes, every trial (the query the CLI and app use)."""
    out = io.StringIO()
    code = main(
        ["changes", "--db", str(db), "--since", from_day, "--until", to_day, "--all", "--format", "json"],
        out=out,
    )
    assert code == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    return sorted((r["nct_id"], r["old"], r["new"]) for r in rows if r["kind"] == kind)


def test_the_bundle_is_five_refreshes_in_date_order(history_db: Path) -> None:
    rows = _rows(history_db, "SELECT refresh_id, data_timestamp, source_kind, trial_count FROM refreshes")
    assert rows == [
        (1, "2026-04-25", "bundled", 284),
        (2, "2026-05-25", "bundled", 296),
        (3, "2026-06-25", "bundled", 298),
        (4, "2026-07-25", "bundled", 306),
        (5, "2026-08-22", "bundled", 332),
    ]
    # The current tables are the latest pull.
    assert _rows(history_db, "SELECT count(*) FROM trials") == [(332,)]


def test_counts_match_the_bundled_files(history_db: Path) -> None:
    bundle = _read_bundle()
    for earlier, later in itertools.pairwise(DATES):
        a, b = bundle[earlier], bundle[later]
        seen_before = set().union(*(set(bundle[d]) for d in DATES[: DATES.index(earlier) + 1]))
        expected_new = sorted(n for n in set(b) - set(a) if n not in seen_before)
        expected_returned = sorted(n for n in set(b) - set(a) if n in seen_before)
        expected_dropped = sorted(set(a) - set(b))
        expected_status = sorted(
            (n, _status(a[n]), _status(b[n])) for n in set(a) & set(b) if _status(a[n]) != _status(b[n])
        )
        assert [n for n, _, _ in _changes(history_db, earlier, later, "new")] == expected_new
        assert [n for n, _, _ in _changes(history_db, earlier, later, "returned")] == expected_returned
        assert [n for n, _, _ in _changes(history_db, earlier, later, "dropped")] == expected_dropped
        assert _changes(history_db, earlier, later, "status") == expected_status


def test_named_examples_from_the_bundle(history_db: Path) -> None:
    new = _changes(history_db, "2026-04-25", "2026-05-25", "new")
    assert len(new) == 12
    assert [n for n, _, _ in new][:5] == NEW_APR_TO_MAY
    status = _changes(history_db, "2026-04-25", "2026-05-25", "status")
    assert len(status) == 8
    assert ("NCT07053800", "NOT_YET_RECRUITING", "RECRUITING") in status
    # NCT07053800 left the pulls on 2026-06-25 (the only trial to) and came back on 2026-08-22.
    assert _changes(history_db, "2026-05-25", "2026-06-25", "dropped") == [
        ("NCT07053800", "RECRUITING", None)
    ]
    assert _changes(history_db, "2026-07-25", "2026-08-22", "returned") == [
        ("NCT07053800", None, "NOT_YET_RECRUITING")
    ]
    assert len(_changes(history_db, "2026-07-25", "2026-08-22", "new")) == 25
    assert ("NCT07432334", "NOT_YET_RECRUITING", "RECRUITING") in _changes(
        history_db, "2026-06-25", "2026-07-25", "status"
    )
    assert len(_changes(history_db, "2026-05-25", "2026-06-25", "status")) == 19
    assert len(_changes(history_db, "2026-06-25", "2026-07-25", "status")) == 5
    assert len(_changes(history_db, "2026-07-25", "2026-08-22", "status")) == 10


def test_changes_are_the_net_difference(history_db: Path) -> None:
    # NCT04146051's start date is absent from the 2026-06-25 pull and back on 2026-07-25: each step
    # is in its own history, but comparing 2026-05-25 with 2026-07-25 shows no change.
    steps = _rows(
        history_db,
        "SELECT from_data_timestamp, old_value, new_value FROM trial_changes "
        "WHERE nct_id = 'NCT04146051' AND kind = 'start_date' ORDER BY to_refresh_id",
    )
    assert steps == [("2026-05-25", "2019-12-04", None), ("2026-06-25", None, "2019-12-04")]
    assert "NCT04146051" not in [
        n for n, _, _ in _changes(history_db, "2026-05-25", "2026-07-25", "start_date")
    ]
    # Dropped and back again between the two: neither dropped nor returned, only the net status move.
    assert _changes(history_db, "2026-05-25", "2026-08-22", "dropped") == []
    assert _changes(history_db, "2026-05-25", "2026-08-22", "returned") == []
    assert ("NCT07053800", "RECRUITING", "NOT_YET_RECRUITING") in _changes(
        history_db, "2026-05-25", "2026-08-22", "status"
    )


def _state(nct_id: str, status: str, enrollment: int) -> dict:
    return {"nct_id": nct_id, "overall_status": status, "enrollment_count": enrollment, "phases": ["PHASE1"]}


def _states(*rows: dict) -> pl.DataFrame:
    base = extract_trial_states(
        {
            "trials": pl.DataFrame({"nct_id": [r["nct_id"] for r in rows]}),
            "trial_conditions": pl.DataFrame(
                schema={
                    "nct_id": pl.String,
                    "term_type": pl.String,
                    "term_order": pl.Int32,
                    "term": pl.String,
                }
            ),
            "trial_sites": pl.DataFrame(schema={"nct_id": pl.String}),
        }
    )
    values = pl.DataFrame(list(rows)).cast({"enrollment_count": pl.Int64})
    return (
        base.drop("overall_status", "enrollment_count", "phases")
        .join(values, on="nct_id")
        .select(base.columns)
    )


def test_history_ranges_and_net_rule_on_small_states() -> None:
    builder = HistoryBuilder()
    builder.add(1, _states(_state("NCT00000001", "RECRUITING", 10), _state("NCT00000002", "RECRUITING", 5)))
    builder.add(2, _states(_state("NCT00000001", "SUSPENDED", 10), _state("NCT00000002", "RECRUITING", 5)))
    builder.add(3, _states(_state("NCT00000001", "RECRUITING", 12)))
    history = builder.finish()
    # Unchanged stretches are one row: NCT00000002 holds 1..2 in one range, then it is gone.
    assert history.select("nct_id", "valid_from_refresh_id", "valid_to_refresh_id").rows() == [
        ("NCT00000001", 1, 1),
        ("NCT00000001", 2, 2),
        ("NCT00000001", 3, 3),
        ("NCT00000002", 1, 2),
    ]
    refreshes = pl.DataFrame(
        {"refresh_id": [1, 2, 3], "data_timestamp": ["2026-01-01", "2026-02-01", "2026-03-01"]}
    )
    changes = derive_trial_changes(history, refreshes)
    steps = changes.select("nct_id", "to_refresh_id", "kind", "old_value", "new_value").rows()
    assert ("NCT00000001", 2, "status", "RECRUITING", "SUSPENDED") in steps
    assert ("NCT00000001", 3, "status", "SUSPENDED", "RECRUITING") in steps
    assert ("NCT00000002", 3, "dropped", "RECRUITING", None) in steps
    # Net from 1 to 3: RECRUITING -> SUSPENDED -> RECRUITING is no status change; enrollment moved.
    with duckdb.connect(":memory:") as con:
        from etl.history import CHANGES_BODY, ONE_PAIR

        con.register("trial_history", history)
        con.register("refreshes", refreshes)
        net = con.sql("WITH " + ONE_PAIR + CHANGES_BODY, params=[1, 3]).pl()
    assert sorted(net.select("nct_id", "kind", "old_value", "new_value").rows()) == [
        ("NCT00000001", "enrollment", "10", "12"),
        ("NCT00000002", "dropped", "RECRUITING", None),
    ]


def test_reused_states_equal_a_full_classification() -> None:
    # Unchanged records keep their state from the previous pull; the result must equal classifying all.
    previous = None
    for pull in list_pulls(SNAPSHOT_DIR, None):
        current = read_pull_states(pull, previous)
        full = extract_trial_states(
            transform_records(read_records(pull.studies_path).records, pull.meta).tables
        )
        assert current.states.equals(full), pull.key
        previous = current


_CLOCK_COLUMNS = {("refreshes", "loaded_at"), ("warehouse_info", "written_at")}


def _table_contents(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        names = [r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        contents = {}
        for name in names:
            columns = [
                r[0]
                for r in con.sql(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                    params=[name],
                ).fetchall()
            ]
            # The build's own clock times differ; every other value must repeat exactly.
            kept = ", ".join(f'"{c}"' for c in columns if (name, c) not in _CLOCK_COLUMNS)
            contents[name] = con.sql(f'SELECT {kept} FROM "{name}"').fetchall()
    return contents


def test_rebuilding_twice_gives_identical_tables(history_db: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.duckdb"
    assert main(["build", "--source", "snapshot", "--db", str(again)], out=io.StringIO()) == 0
    first, second = _table_contents(history_db), _table_contents(again)
    assert set(first) == set(second)
    assert {"refreshes", "trial_history", "trial_changes"} <= set(first)
    for name in first:
        assert first[name] == second[name], name


def test_import_as_of_lands_between_refreshes(tmp_path: Path) -> None:
    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    # The 2026-06-25 records, imported as if pulled on 2026-06-10.
    records = tmp_path / "june.ndjson.gz"
    shutil.copy(HISTORY_DIR / "2026-06-25" / "studies.ndjson.gz", records)
    out = io.StringIO()
    code = main(
        ["import", str(records), "--as-of", "2026-06-10", "--db", str(db), "--raw-dir", str(raw)], out=out
    )
    assert code == 0, out.getvalue()
    assert "Data timestamp 2026-06-10 (from --as-of)" in out.getvalue()
    assert "the current tables describe the latest pull, 2026-08-22" in out.getvalue()
    rows = _rows(db, "SELECT refresh_id, data_timestamp, source_kind FROM refreshes ORDER BY refresh_id")
    assert [r[1] for r in rows] == [
        "2026-04-25",
        "2026-05-25",
        "2026-06-10",
        "2026-06-25",
        "2026-07-25",
        "2026-08-22",
    ]
    assert rows[2] == (3, "2026-06-10", "file")
    assert _rows(db, "SELECT count(*) FROM trials") == [(332,)]
    # The same records a fortnight apart: nothing changed between them; May -> June 10 is May -> June 25.
    assert _changes(db, "2026-06-10", "2026-06-25", "status") == []
    assert _changes(db, "2026-05-25", "2026-06-10", "status") == _changes(
        db, "2026-05-25", "2026-06-25", "status"
    )
    assert _changes(db, "2026-05-25", "2026-06-10", "dropped") == [("NCT07053800", "RECRUITING", None)]


def test_import_reads_meta_json_or_says_it_used_the_import_time(tmp_path: Path) -> None:
    folder = tmp_path / "download"
    folder.mkdir()
    shutil.copy(HISTORY_DIR / "2026-04-25" / "studies.ndjson.gz", folder / "studies.ndjson.gz")
    (folder / "meta.json").write_text(json.dumps({"data_timestamp": "2026-03-01"}))
    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    out = io.StringIO()
    assert main(["import", str(folder), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=out) == 0
    assert "Data timestamp 2026-03-01 (from meta.json)" in out.getvalue()
    assert "(0 skipped)" in out.getvalue()  # meta.json is not read as records
    (folder / "meta.json").unlink()
    out = io.StringIO()
    assert main(["import", str(folder), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=out) == 0
    assert "No data timestamp given" in out.getvalue()
    rows = _rows(db, "SELECT data_timestamp, data_timestamp_basis FROM refreshes ORDER BY refresh_id")
    assert rows[0] == ("2026-03-01", "meta.json")
    assert rows[1][1] == "import time (no data timestamp given)"


def test_an_unusable_pull_is_left_out_and_changes_nothing_else(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    broken = raw / "20260901T000000000000Z"
    broken.mkdir(parents=True)
    with gzip.open(broken / "studies.ndjson.gz", "wt") as fh:
        fh.write("{not json\n")
    (broken / "meta.json").write_text(json.dumps({"source": "file import", "data_timestamp": "2026-09-01"}))
    db = tmp_path / "w.duckdb"
    out = io.StringIO()
    assert main(["build", "--db", str(db), "--raw-dir", str(raw)], out=out) == 0
    assert "left out an unusable pull: raw/20260901T000000000000Z" in out.getvalue()
    assert _rows(db, "SELECT count(*), max(data_timestamp) FROM refreshes") == [(5, "2026-08-22")]
