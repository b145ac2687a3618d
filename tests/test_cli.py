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
