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


def test_corrupt_gzip_is_a_read_failure_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "broken.ndjson.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    batch = read_records(path)
    assert batch.records == []
    assert not batch.is_complete
    assert "cannot be read to its end" in batch.failures[0].describe()


def test_missing_path_raises_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        read_records(tmp_path / "nope.json")


def _study(n: int) -> dict:
    return {"protocolSection": {"identificationModule": {"nctId": f"NCT{n:08d}"}}}


def test_truncated_gzip_is_an_incomplete_read_saying_how_far_it_got(tmp_path: Path) -> None:
    path = tmp_path / "s.ndjson.gz"
    padding = "x" * 400  # incompressible enough that half the bytes hold about half the lines
    with gzip.open(path, "wt") as fh:
        for n in range(1, 121):
            record = {**_study(n), "pad": padding + str(n) * 50}
            fh.write(json.dumps(record) + "\n")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    batch = read_records(path)
    assert 0 < len(batch.records) < 120
    assert not batch.is_complete
    failure = batch.failures[0]
    assert failure.records_read == len(batch.records)
    assert failure.stopped_at == f"line {len(batch.records) + 1}"
    assert "truncated" in failure.reason
    assert f"{len(batch.records)} records were read" in failure.describe()
    # The cut-off last line is part of the cut, not reported as a bad record.
    assert batch.problems == []


def test_undecodable_byte_costs_one_record(tmp_path: Path) -> None:
    lines = [json.dumps(_study(n)).encode() for n in range(1, 101)]
    lines[49] = lines[49].replace(b'"protocolSection"', b'"protocol\xffSection"')
    path = tmp_path / "s.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    batch = read_records(path)
    assert len(batch.records) == 99
    assert batch.is_complete
    assert [p.describe() for p in batch.problems] == [
        "s.ndjson line 50: not UTF-8 text (byte 0xff at position 10)"
    ]
    assert batch.problems[0].nct_id == "NCT00000050"


def test_folder_lists_skipped_extensions_and_accepts_upper_case_and_bom(tmp_path: Path) -> None:
    (tmp_path / "A.NDJSON").write_bytes(b"\xef\xbb\xbf" + json.dumps(_study(1)).encode() + b"\n")
    with gzip.open(tmp_path / "b.JSON.GZ", "wt") as fh:
        fh.write(json.dumps([_study(2)]))
    (tmp_path / "c.json").write_bytes(b"\xef\xbb\xbf" + json.dumps([_study(3)], indent=2).encode())
    (tmp_path / "d.ndjson.bz2").write_bytes(b"BZh9")
    (tmp_path / "notes.txt").write_text("not records")
    batch = read_records(tmp_path)
    assert sorted(_ids(batch.records)) == ["NCT00000001", "NCT00000002", "NCT00000003"]
    assert [p.name for p in batch.skipped_files] == ["d.ndjson.bz2", "notes.txt"]
    assert batch.problems == [] and batch.is_complete


def test_invalid_records_in_a_json_array_are_reported_by_index(tmp_path: Path) -> None:
    path = tmp_path / "array.json"
    path.write_text(json.dumps([_study(1), [1, 2], {"protocolSection": {}}, _study(4)], indent=2))
    batch = read_records(path)
    assert _ids(batch.records) == ["NCT00000001", "NCT00000004"]
    assert [p.describe() for p in batch.problems] == [
        "array.json record 2: expected a study object, got list",
        "array.json record 3: no valid identificationModule.nctId (got None)",
    ]


def test_record_nested_too_deeply_is_skipped_in_ndjson_and_in_an_array(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    bad = '{"protocolSection": {"identificationModule": {"nctId": "NCT00000002"}}, "x": ' + deep + "}"
    ndjson = tmp_path / "s.ndjson"
    ndjson.write_text("\n".join([json.dumps(_study(1)), bad, json.dumps(_study(3))]) + "\n")
    batch = read_records(ndjson)
    assert _ids(batch.records) == ["NCT00000001", "NCT00000003"]
    assert batch.problems[0].describe() == "s.ndjson line 2: nested too deeply to read"
    assert batch.problems[0].nct_id == "NCT00000002"
    array = tmp_path / "a.json"
    array.write_text("[\n" + json.dumps(_study(1)) + ",\n" + bad + "\n]")
    batch = read_records(array)
    assert _ids(batch.records) == ["NCT00000001"]
    assert batch.problems[0].describe() == "a.json record 2: nested too deeply to read"


def test_cut_off_json_document_is_an_incomplete_read(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"studies": [_study(1), _study(2)]}, indent=2)[:-20])
    batch = read_records(path)
    assert not batch.is_complete
    assert "not valid JSON" in batch.failures[0].reason
