"""Read API v2 study records from files: NDJSON(.gz), an API page, a JSON array, or a folder."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from etl.extract.jsonsplit import find_nct_id, split_top_level
from etl.memory import pause_gc
from etl.problems import DataProblem

_NCT_ID = re.compile(r"^NCT\d{8}$")
# Compared case-insensitively: STUDIES.NDJSON and Export.JSON.GZ are record files too.
_SUFFIXES = (".json", ".ndjson", ".jsonl", ".json.gz", ".ndjson.gz", ".jsonl.gz")
_BOM = b"\xef\xbb\xbf"
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class RecordProblem:
    """A record that was skipped: where it was and why."""

    path: Path
    line: int | None
    reason: str
    index: int | None = None  # 1-based position in a JSON array or API page
    nct_id: str | None = None

    def describe(self) -> str:
        """'file.ndjson line 7: not valid JSON (...)'."""
        return f"{self.where()}: {self.reason}"

    def where(self) -> str:
        """'file.ndjson line 7', 'array.json record 3' or 'file.json'."""
        if self.line:
            return f"{self.path.name} line {self.line}"
        if self.index is not None:
            return f"{self.path.name} record {self.index}"
        return self.path.name

    def to_data_problem(self) -> DataProblem:
        """The same problem in the form kept in the refresh record."""
        return DataProblem(
            reason=self.reason, nct_id=self.nct_id, where=self.where(), action="record skipped"
        )


@dataclass(frozen=True)
class ReadFailure:
    """A file that could not be read to its end: how far reading got and why it stopped."""

    path: Path
    records_read: int  # usable records taken from this file before it stopped
    stopped_at: str  # 'line 56', 'byte 1234'
    reason: str

    def describe(self) -> str:
        """'s.ndjson.gz: cannot be read to its end (…); 55 records were read, stopping at line 56'."""
        return (
            f"{self.path}: cannot be read to its end ({self.reason}); {self.records_read} records "
            f"were read from it, stopping at {self.stopped_at}"
        )


@dataclass
class RecordBatch:
    """Records that passed the shape check, and the problems with the ones that did not.

    `failures` are files that stopped early (cut off, unreadable): a read with any is incomplete.
    `skipped_files` are files in a folder that were not read because of their extension.
    """

    records: list[dict] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    failures: list[ReadFailure] = field(default_factory=list)
    skipped_files: list[Path] = field(default_factory=list)
    record_count: int = 0  # usable records yielded

    @property
    def is_complete(self) -> bool:
        """True when every file was read to its end."""
        return not self.failures


def check_record(record: object) -> str | None:
    """Why a parsed value is not a usable API v2 study, or None when it is."""
    if not isinstance(record, dict):
        return f"expected a study object, got {type(record).__name__}"
    protocol = record.get("protocolSection")
    if not isinstance(protocol, dict):
        return "no protocolSection object"
    ident = protocol.get("identificationModule")
    nct_id = ident.get("nctId") if isinstance(ident, dict) else None
    if not isinstance(nct_id, str) or not _NCT_ID.match(nct_id.strip()):
        return f"no valid identificationModule.nctId (got {nct_id!r})"
    return None


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == _GZIP_MAGIC


def _open_binary(path: Path) -> BinaryIO:
    # By content, not name: a gzip file named .json (or .JSON.GZ) reads the same.
    if _is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


class _CutOff(Exception):
    """Reading a file stopped before its end; carries where and why."""

    def __init__(self, stopped_at: str, reason: str) -> None:
        super().__init__(reason)
        self.stopped_at, self.reason = stopped_at, reason


def _read_error_reason(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "the compressed data is cut off (truncated .gz file)"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"the compressed data is corrupt ({exc})"
    return f"{type(exc).__name__}: {exc}"


def _decode_line(raw: bytes) -> str | UnicodeDecodeError:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc


def _parse_text(text: str) -> object | Exception:
    """One JSON value, or the reason it is not one (nesting too deep is a reason, not a crash)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return exc
    except RecursionError:
        return RecursionError("nested too deeply to read")


def _describe_parse_error(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start})"
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    return f"not valid JSON ({exc})"


# (line or None, index or None, value or error, the record's text as read or None)
_Value = tuple[int | None, int | None, object, str | None]


def _iter_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) for each line; a read error becomes _CutOff at the next line number."""
    number = 0
    while True:
        try:
            raw = stream.readline()
        except (OSError, EOFError, zlib.error) as exc:
            raise _CutOff(f"line {number + 1}", _read_error_reason(exc)) from exc
        if not raw:
            return
        number += 1
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        yield number, raw


def _iter_values(stream: BinaryIO) -> Iterator[_Value]:
    """Every record in one file: NDJSON line by line, else one JSON document (array, page, study).

    NDJSON lines are decoded one at a time, so an undecodable byte or a broken line costs only
    that record. A read error raises _CutOff (after the records before it were yielded).
    """
    lines = _iter_lines(stream)
    first_number, first_raw = 0, b""
    for number, raw in lines:
        if raw.strip():
            first_number, first_raw = number, raw
            break
    else:
        return
    first_text = _decode_line(first_raw)
    value: object | Exception | None = None
    if isinstance(first_text, str) and first_text.lstrip().startswith("{"):
        value = _parse_text(first_text)
        if isinstance(value, json.JSONDecodeError):
            value = None  # not a whole object on one line: a pretty-printed document
    if value is None:
        yield from _iter_document(first_raw, lines)
        return
    # NDJSON (or a one-line document): the rest line by line.
    if isinstance(value, dict) and isinstance(value.get("studies"), list):
        yield from _iter_items(value["studies"])
    else:
        yield first_number, None, value, first_text if isinstance(first_text, str) else None
    # One line held back: a cut-off file's last, partial line is part of the cut, not a bad record.
    pending: tuple[int, bytes] | None = None
    try:
        for number, raw in lines:
            if pending is not None:
                yield _ndjson_value(*pending)
            pending = (number, raw) if raw.strip() else None
    except _CutOff:
        if pending is not None and pending[1].endswith(b"\n"):
            yield _ndjson_value(*pending)
        raise
    if pending is not None:
        yield _ndjson_value(*pending)


def _ndjson_value(number: int, raw: bytes) -> _Value:
    text = _decode_line(raw)
    if isinstance(text, UnicodeDecodeError):
        return number, None, text, raw.decode("utf-8", errors="replace")
    return number, None, _parse_text(text), text


def _iter_items(items: list) -> Iterator[_Value]:
    for index, item in enumerate(items, 1):
        yield None, index, item, None


def _iter_document(first_raw: bytes, lines: Iterator[tuple[int, bytes]]) -> Iterator[_Value]:
    """Studies in one JSON document: an array, an API page {"studies": [...]}, or one study."""
    chunks = [first_raw]
    chunks.extend(raw for _, raw in lines)
    data = b"".join(chunks)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _CutOff(f"byte {exc.start}", _describe_parse_error(exc)) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _CutOff(f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from exc
    except RecursionError:
        yield from _iter_deep_document(text)
        return
    if isinstance(document, dict) and isinstance(document.get("studies"), list):
        document = document["studies"]
    if isinstance(document, list):
        yield from _iter_items(document)
    else:
        yield None, None, document, None


def _iter_deep_document(text: str) -> Iterator[_Value]:
    """A document too deeply nested to parse whole: parse its records one by one."""
    try:
        members = split_top_level(text)
        if text.lstrip().startswith("{"):
            studies = [v for k, v in members if k == "studies"]
            if not studies:
                yield None, None, RecursionError("nested too deeply to read"), text
                return
            members = split_top_level(studies[0])
    except ValueError as exc:
        raise _CutOff("the end of the document", f"not valid JSON: {exc}") from exc
    for index, (_, item) in enumerate(members, 1):
        yield None, index, _parse_text(item), item


def scan_folder(path: Path) -> tuple[list[Path], list[Path]]:
    """(record files, files skipped because of their extension) in a folder, each sorted."""
    files, skipped = [], []
    for candidate in sorted(path.rglob("*")):
        if not candidate.is_file():
            continue
        if candidate.name == "meta.json":
            continue  # a kept pull's description, not records
        (files if candidate.name.lower().endswith(_SUFFIXES) else skipped).append(candidate)
    return files, skipped


def list_record_files(path: Path) -> list[Path]:
    """The record files a path names: itself, or the JSON/NDJSON files in a folder, sorted."""
    return scan_folder(path)[0] if path.is_dir() else [path]


def iter_records(
    path: Path, batch: RecordBatch, on_text: Callable[[str], None] | None = None
) -> Iterator[dict]:
    """Stream the usable records under `path`; files read and problems found go into `batch`.

    `on_text` receives each usable record's JSON text as it came (NDJSON lines are passed as read,
    so keeping a raw copy costs no re-serialization). A file that stops early (cut off, corrupt)
    adds a ReadFailure to `batch.failures` after its readable records; callers decide whether an
    incomplete read may be used (it may not, unless the person asked for it).
    """
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_dir():
        files, batch.skipped_files = scan_folder(path)
    else:
        files = [path]
    for file in files:
        batch.files.append(file)
        taken = 0
        last_line: int | None = None
        try:
            with _open_binary(file) as stream:
                for line, index, value, text in _iter_values(stream):
                    last_line = line or last_line
                    if isinstance(value, Exception):
                        batch.problems.append(
                            RecordProblem(
                                file,
                                line,
                                _describe_parse_error(value),
                                index=index,
                                nct_id=find_nct_id(text) if text else None,
                            )
                        )
                        continue
                    reason = check_record(value)
                    if reason:
                        batch.problems.append(RecordProblem(file, line, reason, index=index))
                        continue
                    if on_text is not None:
                        on_text(text if text is not None else json.dumps(value, ensure_ascii=False))
                    taken += 1
                    batch.record_count += 1
                    yield value  # type: ignore[misc]
        except _CutOff as exc:
            batch.failures.append(ReadFailure(file, taken, exc.stopped_at, exc.reason))
        except OSError as exc:
            where = f"line {last_line + 1}" if last_line else "its start"
            batch.failures.append(ReadFailure(file, taken, where, _read_error_reason(exc)))


def read_records(path: Path) -> RecordBatch:
    """Read every record under `path` into memory; bad ones are reported (file, line), not raised."""
    batch = RecordBatch()
    with pause_gc():
        batch.records.extend(iter_records(path, batch))
    return batch
