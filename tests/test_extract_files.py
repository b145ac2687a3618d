"""Reading record files: every accepted format, and bad records reported with file and line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from etl.extract.files import read_records
from tests.fixtures.records import FIXTURE_RECORDS


def _ids(records: list[dict]) -> list[str]:
    return [r["protocolSection"]["identificationModule"]["nctId"] for r in records]


def test_ndjson_gz_file(tmp_path: Path) -> None:
    path = tmp_path / "s.ndjson.gz"
    with gzip.open(path, "wt") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in FIXTURE_RECORDS)
    batch = read_records(path)
    assert _ids(batch.records) == _ids(FIXTURE_RECORDS)
    assert batch.problems == []


def test_api_page_and_json_array_and_folder(tmp_path: Path) -> None:
    (tmp_path / "page.json").write_text(json.dumps({"studies": FIXTURE_RECORDS[:3], "nextPageToken": "x"}))
    (tmp_path / "array.json").write_text(json.dumps(FIXTURE_RECORDS[3:5], indent=2))
    (tmp_path / "notes.txt").write_text("not a record file")
    assert len(read_records(tmp_path / "page.json").records) == 3
    assert len(read_records(tmp_path / "array.json").records) == 2
    batch = read_records(tmp_path)
    assert sorted(_ids(batch.records)) == sorted(_ids(FIXTURE_RECORDS[:5]))
    assert [p.name for p in batch.files] == ["array.json", "page.json"]


def test_single_pretty_printed_study(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(FIXTURE_RECORDS[0], indent=2))
    assert _ids(read_records(path).records) == [_ids(FIXTURE_RECORDS)[0]]


def test_malformed_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    good = json.dumps(FIXTURE_RECORDS[0])
    lines = [
        good,
        '{"protocolSection": {"identificationModule": {"nctId": "NCT0',  # truncated
        "[1, 2]",
        '{"protocolSection": {"identificationModule": {"nctId": "not-an-id"}}}',
        "",
        json.dumps(FIXTURE_RECORDS[1]),
    ]
    path = tmp_path / "mixed.ndjson"
    path.write_text("\n".join(lines) + "\n")
    batch = read_records(path)
    assert len(batch.records) == 2
    described = [p.describe() for p in batch.problems]
    assert described[0].startswith("mixed.ndjson line 2: not valid JSON")
    assert described[1] == "mixed.ndjson line 3: expected a study object, got list"
    assert described[2].startswith("mixed.ndjson line 4: no valid identificationModule.nctId")


def test_corrupt_gzip_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "broken.ndjson.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    batch = read_records(path)
    assert batch.records == []
    assert "cannot read file" in batch.problems[0].reason


def test_missing_path_raises_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        read_records(tmp_path / "nope.json")
