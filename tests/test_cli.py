"""`python -m etl` end to end: build from the snapshot, import files, keep the last good data."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from etl.cli import main
from etl.raw_store import find_latest_pull
from tests.fixtures.records import FIXTURE_RECORDS, write_fixture_records

ROOT = Path(__file__).resolve().parents[1]


def _count(db: Path, sql: str = "SELECT count(*) FROM trials") -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()[0][0]


def test_help_explains_every_subcommand() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "etl", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    for command in ("refresh", "import", "build", "changes", "eligibility"):
        assert command in result.stdout


def test_build_from_bundled_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    out = io.StringIO()
    assert main(["build", "--db", str(db), "--raw-dir", str(tmp_path / "raw")], out=out) == 0
    assert _count(db) == 332
    assert "332 trials from 332 records" in out.getvalue()
    # The bundle's four history pulls and its current pull: five refreshes, the latest gives `trials`.
    assert _count(db, "SELECT count(*) FROM refreshes WHERE source_kind = 'bundled'") == 5
    assert "History: 5 refresh(es); the current tables describe the latest pull, 2026-08-22" in out.getvalue()
    # --if-missing leaves an existing database alone.
    out = io.StringIO()
    assert main(["build", "--if-missing", "--db", str(db)], out=out) == 0
    assert "nothing to do" in out.getvalue()
    # ... unless an older version of the code built it: the app could not read it, so it is rebuilt.
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE warehouse_info SET schema_version = schema_version - 1")
    out = io.StringIO()
    assert main(["build", "--if-missing", "--db", str(db), "--raw-dir", str(tmp_path / "raw")], out=out) == 0
    assert "built by another version of this code; rebuilding it" in out.getvalue()
    assert _count(db) == 332


def test_import_keeps_raw_pull_and_skips_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_fixture_records(tmp_path / "in.ndjson")
    path.write_text(path.read_text() + "{broken\n")
    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    out = io.StringIO()
    assert main(["import", str(path), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=out) == 0
    assert _count(db) == len(FIXTURE_RECORDS)
    assert "No data timestamp given" in out.getvalue()
    assert f"line {len(FIXTURE_RECORDS) + 1}: not valid JSON" in capsys.readouterr().err
    pull = find_latest_pull(raw)
    assert pull is not None and pull.meta["record_count"] == len(FIXTURE_RECORDS)
    assert pull.meta["source"] == "file import"
    # build --source latest rebuilds from that pull: one pull is one refresh, however often it is rebuilt.
    build = ["build", "--source", "latest", "--db", str(db), "--raw-dir", str(raw), "--no-bundle"]
    assert main(build, out=io.StringIO()) == 0
    assert _count(db, "SELECT count(*) FROM refreshes") == 1
    # Without --no-bundle the bundle's five pulls come first; the import (dated by its import time) is latest.
    assert main(build[:-1], out=io.StringIO()) == 0
    assert _count(db, "SELECT count(*) FROM refreshes") == 6
    assert _count(db) == len(FIXTURE_RECORDS)


def test_import_of_nothing_usable_keeps_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    good = write_fixture_records(tmp_path / "good.ndjson")
    assert main(["import", str(good), "--db", str(db), "--raw-dir", str(raw)], out=io.StringIO()) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"studies": [{"no": "protocol"}]}))
    assert main(["import", str(bad), "--db", str(db), "--raw-dir", str(raw)], out=io.StringIO()) == 1
    assert "the database was not changed" in capsys.readouterr().err
    assert _count(db) == len(FIXTURE_RECORDS)
    assert main(["import", str(tmp_path / "missing.json"), "--db", str(db)], out=io.StringIO()) == 2


def test_refresh_against_unreachable_server_keeps_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import stamina

    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    assert main(["build", "--db", str(db), "--raw-dir", str(raw)], out=io.StringIO()) == 0
    stamina.set_testing(True, attempts=2)
    try:
        code = main(
            ["refresh", "--db", str(db), "--raw-dir", str(raw), "--base-url", "http://127.0.0.1:9"],
            out=io.StringIO(),
        )
    finally:
        stamina.set_testing(False)
    assert code == 1
    assert "The current data stays in place" in capsys.readouterr().err
    assert _count(db) == 332
    assert find_latest_pull(raw) is None


def test_eligibility_prints_json_lines(tmp_path: Path) -> None:
    text = tmp_path / "criteria.txt"
    text.write_text(
        "Inclusion Criteria:\n1. Age 18-65 years\n2. eGFR ≥ 30 mL/min/1.73m2\n\n"
        "Exclusion Criteria:\n* LVEF < 45%\n"
    )
    out = io.StringIO()
    assert main(["eligibility", str(text)], out=out) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    found = {(r["measure"], r["op"], r["value"], r["value_high"], r["section"]) for r in rows}
    assert found == {
        ("age_years", "range", 18.0, 65.0, "inclusion"),
        ("egfr_ml_min_1_73m2", ">=", 30.0, None, "inclusion"),
        ("lvef_pct", "<", 45.0, None, "exclusion"),
    }
    assert all(set(r) >= {"measure", "op", "value", "value_high", "unit", "section", "span"} for r in rows)


# --- Refresh against a local stand-in registry: complete or nothing ----------------------------


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A database and raw folder already serving the fixture records (10 trials); no rate limit."""
    from etl.extract import ctgov

    monkeypatch.setattr(ctgov.RateLimiter, "wait", lambda self: None)
    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    good = write_fixture_records(tmp_path / "good.ndjson")
    # Dated before the stand-in registry's data timestamp, so a refresh's pull is the latest.
    args = [
        "import",
        str(good),
        "--as-of",
        "2026-01-01",
        "--db",
        str(db),
        "--raw-dir",
        str(raw),
        "--no-bundle",
    ]
    assert main(args, out=io.StringIO()) == 0
    return db, raw


def _texts(records: list[dict]) -> list[str]:
    return [json.dumps(r) for r in records]


def _pull_folders(raw: Path) -> list[str]:
    return sorted(p.name for p in raw.iterdir())


def test_refresh_short_of_total_count_fails_and_changes_nothing(
    served: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.registry_server import ScriptedRegistry, serve_registry

    db, raw = served
    before = _pull_folders(raw)
    texts = _texts(FIXTURE_RECORDS)
    # 4 + 0 (with a token) + 3 = 7 of the 12 announced.
    registry = ScriptedRegistry([texts[:4], [], texts[4:7]], total=12)
    with serve_registry(registry) as url:
        code = main(
            [
                "refresh",
                "--db",
                str(db),
                "--raw-dir",
                str(raw),
                "--no-bundle",
                "--base-url",
                url,
                "--page-size",
                "4",
            ],
            out=io.StringIO(),
        )
    err = capsys.readouterr().err
    assert code == 1
    assert "incomplete pull" in err and "announced 12 studies" in err and "with 7" in err
    assert "The current data stays in place" in err
    assert _count(db) == len(FIXTURE_RECORDS)
    assert _pull_folders(raw) == before


def test_refresh_complete_pull_records_counts_truthfully(served: tuple[Path, Path]) -> None:
    from tests.registry_server import ScriptedRegistry, serve_registry

    db, raw = served
    texts = _texts(FIXTURE_RECORDS)
    registry = ScriptedRegistry([texts[:4], [], texts[4:]], total=len(texts))
    with serve_registry(registry) as url:
        code = main(
            [
                "refresh",
                "--db",
                str(db),
                "--raw-dir",
                str(raw),
                "--no-bundle",
                "--base-url",
                url,
                "--page-size",
                "4",
            ],
            out=io.StringIO(),
        )
    assert code == 0
    pull = find_latest_pull(raw)
    assert pull is not None
    meta = json.loads((pull.folder / "meta.json").read_text())
    assert (meta["count_total"], meta["record_count"], meta["complete"]) == (10, 10, True)


def test_refresh_max_pages_needs_allow_partial_and_then_says_so(
    served: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.registry_server import ScriptedRegistry, serve_registry

    db, raw = served
    texts = _texts(FIXTURE_RECORDS)
    registry = ScriptedRegistry([texts[:4], texts[4:8], texts[8:]], total=len(texts))
    args = [
        "refresh",
        "--db",
        str(db),
        "--raw-dir",
        str(raw),
        "--no-bundle",
        "--page-size",
        "4",
        "--max-pages",
        "1",
    ]
    with serve_registry(registry) as url:
        assert main([*args, "--base-url", url], out=io.StringIO()) == 1
        assert "--allow-partial" in capsys.readouterr().err
        assert main([*args, "--base-url", url, "--allow-partial"], out=io.StringIO()) == 0
    assert "this pull is incomplete" in capsys.readouterr().err
    assert _count(db) == 4
    # The partial pull is never what a later build picks up: it rebuilds from the last complete one.
    assert main(["build", "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO()) == 0
    assert _count(db) == len(FIXTURE_RECORDS)


POISON_ENROLLMENT = (
    '{"protocolSection": {"identificationModule": {"nctId": "NCT09990001", "briefTitle": "CAR-T"}, '
    '"designModule": {"enrollmentInfo": {"count": 18446744073709551616}}}}'
)
POISON_HUGE_FLOAT = (
    '{"protocolSection": {"identificationModule": {"nctId": "NCT09990002"}, '
    '"designModule": {"enrollmentInfo": {"count": 1e308}}}}'
)
POISON_DEEP = (
    '{"protocolSection": {"identificationModule": {"nctId": "NCT09990003"}}, "x": '
    + "[" * 100_000
    + "]" * 100_000
    + "}"
)


def _problems(db: Path) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        cell = con.sql("SELECT problems FROM refreshes ORDER BY refresh_id DESC LIMIT 1").fetchall()[0][0]
    return json.loads(cell)


def test_refresh_with_poison_records_loads_the_rest_and_records_each_problem(
    served: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.registry_server import ScriptedRegistry, serve_registry

    db, raw = served
    texts = [*_texts(FIXTURE_RECORDS), POISON_ENROLLMENT, POISON_HUGE_FLOAT, POISON_DEEP]
    registry = ScriptedRegistry([texts[:7], texts[7:]], total=len(texts))
    with serve_registry(registry) as url:
        code = main(
            [
                "refresh",
                "--db",
                str(db),
                "--raw-dir",
                str(raw),
                "--no-bundle",
                "--base-url",
                url,
                "--page-size",
                "7",
            ],
            out=io.StringIO(),
        )
    err = capsys.readouterr().err
    assert code == 0, err
    assert _count(db) == len(FIXTURE_RECORDS) + 2  # the too-deep record is skipped, the others load
    assert _count(db, "SELECT count(*) FROM trials WHERE nct_id = 'NCT09990001'") == 1
    assert _count(db, "SELECT count(enrollment_count) FROM trials WHERE nct_id LIKE 'NCT0999000%'") == 0
    found = {(p["nct_id"], p["field"], p["action"]) for p in _problems(db)}
    assert found == {
        ("NCT09990001", "designModule.enrollmentInfo.count", "value dropped"),
        ("NCT09990002", "designModule.enrollmentInfo.count", "value dropped"),
        ("NCT09990003", None, "record skipped"),
    }
    assert "NCT09990001 designModule.enrollmentInfo.count: 18446744073709551616 is out of range" in err
    assert "NCT09990003: nested too deeply to read (record skipped)" in err


def test_build_from_a_saved_raw_pull_with_poison_records_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from etl.raw_store import PullWriter

    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    # A pull saved by an older version, which kept whatever the registry sent.
    with PullWriter(raw, {"source": "ClinicalTrials.gov API v2"}) as writer:
        for text in [*_texts(FIXTURE_RECORDS), POISON_ENROLLMENT, POISON_HUGE_FLOAT, POISON_DEEP]:
            writer.write_line(text)
        writer.commit()
    code = main(
        ["build", "--source", "latest", "--db", str(db), "--raw-dir", str(raw), "--no-bundle"],
        out=io.StringIO(),
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert _count(db) == len(FIXTURE_RECORDS) + 2
    assert {p["nct_id"] for p in _problems(db)} == {"NCT09990001", "NCT09990002", "NCT09990003"}
    assert "nested too deeply to read (record skipped) [studies.ndjson.gz line 13]" in err


# --- One writer at a time; leftovers of killed runs --------------------------------------------


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_second_writer_says_a_refresh_is_running_and_stops(
    served: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from etl.lock import hold_write_lock

    db, raw = served
    done: list[int] = []

    def other_writer() -> None:
        done.append(main(["build", "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO()))

    import threading

    with hold_write_lock(db, "python -m etl refresh"):
        # Another thread (like a second app session) has its own lock file handle: it is refused.
        thread = threading.Thread(target=other_writer)
        thread.start()
        thread.join()
    assert done == [75]
    err = capsys.readouterr().err
    assert "python -m etl refresh (process" in err and "is already writing" in err
    assert "Try again when it has finished" in err
    assert _count(db) == len(FIXTURE_RECORDS)


def test_stale_lock_of_a_killed_run_does_not_block(served: tuple[Path, Path]) -> None:
    from etl.lock import lock_path_for

    db, raw = served
    lock_path_for(db).write_text(json.dumps({"pid": _dead_pid(), "purpose": "python -m etl refresh"}))
    assert main(["build", "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO()) == 0


def test_concurrent_loads_in_one_process_wait_their_turn_without_name_clashes(tmp_path: Path) -> None:
    import threading

    from etl.pipeline import load_tables, transform_records

    db = tmp_path / "w.duckdb"
    derived = transform_records(FIXTURE_RECORDS, {})
    errors: list[BaseException] = []

    def load() -> None:
        try:
            load_tables(derived, {"source": "test"}, db)
        except BaseException as exc:  # any failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Each load is a one-refresh warehouse (history across pulls is etl/rebuild.py's): the last wins whole.
    assert _count(db, "SELECT count(*) FROM refreshes") == 1
    assert _count(db) == len(FIXTURE_RECORDS)
    assert not [p for p in tmp_path.iterdir() if ".building-" in p.name]


def test_leftovers_of_a_killed_run_are_removed_by_the_next(
    served: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    db, raw = served
    dead = _dead_pid()
    building = db.with_name(f".{db.name}.building-{dead}")
    building.write_bytes(b"half a database")
    wal = db.with_name(f".{db.name}.building-{dead}-0a1b2c3d.wal")
    wal.write_bytes(b"")
    half_pull = raw / f".20260101T000000000000Z-pid{dead}-x1y2"
    half_pull.mkdir()
    (half_pull / "studies.ndjson.gz").write_bytes(b"")
    old_style = raw / ".20250101T000000000000Z-abcd"  # an older version's name, no pid: by age
    old_style.mkdir()
    os.utime(old_style, (0, 0))
    alive = db.with_name(f".{db.name}.building-{os.getpid()}-ffff0000")  # a live writer's: kept
    alive.write_bytes(b"")
    assert main(["build", "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO()) == 0
    assert not building.exists() and not wal.exists()
    assert not half_pull.exists() and not old_style.exists()
    assert alive.exists()
    assert "left half-written by a run that was stopped" in capsys.readouterr().err


# --- Arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--page-size", "0", "from 1 to 1000"),
        ("--page-size", "5000", "from 1 to 1000"),
        ("--page-size", "ten", "whole number"),
        ("--base-url", "clinicaltrials.gov", "http:// or https://"),
        ("--base-url", "ftp://example.org", "http:// or https://"),
        ("--base-url", "http://", "http:// or https://"),
        ("--base-url", "http://host:port", "not a valid URL"),
        ("--base-url", "https://x.test/api?query.term=1", "no ?query"),
    ],
)
def test_bad_refresh_arguments_are_argument_errors(
    option: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["refresh", option, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and says in err
    assert "Traceback" not in err


# --- Import: nothing lost without saying so ---------------------------------------------------


def _gz_records(path: Path, count: int) -> Path:
    import gzip

    with gzip.open(path, "wt") as fh:
        for n in range(1, count + 1):
            ident = {"nctId": f"NCT{n:08d}", "briefTitle": "x" * 300}
            record = {"protocolSection": {"identificationModule": ident}, "pad": str(n) * 200}
            fh.write(json.dumps(record) + "\n")
    return path


def test_import_of_a_truncated_gz_fails_unless_allow_partial(
    served: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, raw = served
    before = _pull_folders(raw)
    path = _gz_records(served[0].parent / "cut.ndjson.gz", 120)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert (
        main(["import", str(path), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO())
        == 1
    )
    err = capsys.readouterr().err
    assert "cannot be read to its end" in err and "truncated" in err
    assert re_search(r"(\d+) records were read from it, stopping at line \d+", err)
    assert "the database was not changed" in err and "--allow-partial" in err
    assert _count(db) == len(FIXTURE_RECORDS)
    assert _pull_folders(raw) == before

    out = io.StringIO()
    code = main(
        ["import", str(path), "--allow-partial", "--db", str(db), "--raw-dir", str(raw), "--no-bundle"],
        out=out,
    )
    err = capsys.readouterr().err
    assert code == 0
    read = int(re_search(r"(\d+) records were read from it", err).group(1))  # type: ignore[union-attr]
    assert 0 < read < 120
    assert f"--allow-partial: loading the {read} records that were read" in err
    assert _count(db) == read
    assert find_latest_pull(raw).meta["source"] == "file import"  # type: ignore[union-attr]
    assert find_latest_pull(raw).meta["record_count"] == len(FIXTURE_RECORDS)  # type: ignore[union-attr]


def re_search(pattern: str, text: str):
    import re

    return re.search(pattern, text)


def test_import_with_an_undecodable_byte_loses_one_record_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = [
        json.dumps({"protocolSection": {"identificationModule": {"nctId": f"NCT{n:08d}"}}}).encode()
        for n in range(1, 101)
    ]
    data[49] = data[49][:-3] + b"\xff" + data[49][-3:]
    path = tmp_path / "s.ndjson"
    path.write_bytes(b"\n".join(data) + b"\n")
    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    assert (
        main(["import", str(path), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO())
        == 0
    )
    assert _count(db) == 99
    err = capsys.readouterr().err
    assert "s.ndjson line 50: not UTF-8 text" in err
    assert _problems(db)[0]["where"] == "s.ndjson line 50"


def test_import_of_duplicates_keeps_the_latest_update_and_reports_the_merge(tmp_path: Path) -> None:
    def copy(title: str, updated: str) -> dict:
        return {
            "protocolSection": {
                "identificationModule": {"nctId": "NCT00000001", "briefTitle": title},
                "statusModule": {"lastUpdatePostDateStruct": {"date": updated}},
            }
        }

    path = tmp_path / "dups.ndjson"
    copies = [copy("newest", "2025-06-01"), copy("stale", "2023-01-01")]
    path.write_text("\n".join(json.dumps(r) for r in copies))
    db = tmp_path / "w.duckdb"
    out = io.StringIO()
    assert (
        main(
            ["import", str(path), "--db", str(db), "--raw-dir", str(tmp_path / "raw"), "--no-bundle"], out=out
        )
        == 0
    )
    assert _count(db, "SELECT count(*) FROM trials WHERE brief_title = 'newest'") == 1
    assert "Merged 1 duplicate record(s) sharing an NCT ID" in out.getvalue()


def test_folder_import_lists_files_skipped_for_their_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_fixture_records(folder / "STUDIES.NDJSON")
    (folder / "more.ndjson.bz2").write_bytes(b"BZh9")
    (folder / "readme.txt").write_text("hello")
    db = tmp_path / "w.duckdb"
    args = ["import", str(folder), "--db", str(db), "--raw-dir", str(tmp_path / "raw"), "--no-bundle"]
    assert main(args, out=io.StringIO()) == 0
    assert _count(db) == len(FIXTURE_RECORDS)
    assert "skipped 2 file(s) not named .json, .ndjson or .jsonl" in capsys.readouterr().err


# --- Errors a person can act on: one sentence, never a traceback -------------------------------


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    return errors[0]


def test_permission_denied_is_one_sentence(
    served: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno
    import os

    db, raw = served

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    assert main(["build", "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO()) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert f"permission denied: cannot write {db}" in line and "--db" in line
    assert _count(db) == len(FIXTURE_RECORDS)


def test_disk_full_is_one_sentence(
    served: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno
    import os

    db, raw = served

    def full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(os, "replace", full)
    path = write_fixture_records(db.parent / "again.ndjson")
    assert (
        main(["import", str(path), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO())
        == 1
    )
    line = _one_error_line(capsys.readouterr().err)
    assert "the disk is full" in line and "Free some space" in line
    assert _count(db) == len(FIXTURE_RECORDS)


def test_database_write_failure_inside_duckdb_is_one_sentence(
    served: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import etl.load

    db, raw = served

    def broken_connect(*args: object, **kwargs: object) -> None:
        raise duckdb.IOException('Could not write file ".w.duckdb.building": No space left on device')

    monkeypatch.setattr(etl.load.duckdb, "connect", broken_connect)
    assert main(["build", "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO()) == 1
    assert "the disk is full" in _one_error_line(capsys.readouterr().err)


def test_missing_data_folder_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import etl.cli
    import etl.vocab

    missing = tmp_path / "data"
    monkeypatch.setattr(etl.cli, "SNAPSHOT_DIR", missing / "snapshot")
    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    assert main(["build", "--db", str(db), "--raw-dir", str(raw)], out=io.StringIO()) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "snapshot" in line and "is missing" in line and "git checkout -- data" in line

    # Vocabularies gone too: the import reads the records but cannot classify them.
    monkeypatch.setattr(etl.vocab, "VOCAB_DIR", missing / "vocab")
    etl.vocab.load_vocabulary.cache_clear()
    try:
        path = write_fixture_records(tmp_path / "in.ndjson")
        assert (
            main(
                ["import", str(path), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"],
                out=io.StringIO(),
            )
            == 1
        )
    finally:
        etl.vocab.load_vocabulary.cache_clear()
    line = _one_error_line(capsys.readouterr().err)
    assert "not found" in line and "data/ folder is incomplete" in line
    assert not db.exists()


def test_corrupt_or_older_database_is_replaced_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    records = write_fixture_records(tmp_path / "in.ndjson")
    db.write_bytes(b"this is not a database" * 100)
    assert (
        main(
            ["import", str(records), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO()
        )
        == 0
    )
    err = capsys.readouterr().err
    assert f"note: {db} cannot be read" in err and "Traceback" not in err
    assert _count(db) == len(FIXTURE_RECORDS)

    # A database from an older version: no problems columns in its refresh history.
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE refreshes DROP COLUMN problems")
        con.execute("ALTER TABLE refreshes DROP COLUMN problem_count")
    assert (
        main(
            ["import", str(records), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO()
        )
        == 0
    )
    assert _count(db, "SELECT count(*) FROM refreshes") == 2
    # Older still: no refresh history at all.
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE refreshes")
    assert (
        main(
            ["import", str(records), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"], out=io.StringIO()
        )
        == 0
    )
    assert "comes from an older version of this code" in capsys.readouterr().err
