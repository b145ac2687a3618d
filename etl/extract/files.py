"""Read API v2 study records from files: NDJSON(.gz), an API page, a JSON array, or a folder."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from etl.memory import pause_gc

_NCT_ID = re.compile(r"^NCT\d{8}$")
_SUFFIXES = (".json", ".ndjson", ".jsonl", ".json.gz", ".ndjson.gz", ".jsonl.gz")


@dataclass(frozen=True)
class RecordProblem:
    """A record that was skipped: where it was and why."""

    path: Path
    line: int | None
    reason: str

    def describe(self) -> str:
        """'file.ndjson line 7: not valid JSON (...)'."""
        where = f"{self.path.name} line {self.line}" if self.line else self.path.name
        return f"{where}: {self.reason}"


@dataclass
class RecordBatch:
    """Records that passed the shape check, and the problems with the ones that did not."""

    records: list[dict] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


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


def _open_stream(path: Path) -> TextIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _iter_document(document: object) -> Iterator[tuple[int | None, object, str | None]]:
    """Studies in one parsed JSON document: an array, an API page {"studies": [...]}, or one study."""
    if isinstance(document, dict) and isinstance(document.get("studies"), list):
        document = document["studies"]
    if isinstance(document, list):
        for value in document:
            yield None, value, None
    else:
        yield None, document, None


def _iter_values(stream: TextIO) -> Iterator[tuple[int | None, object | Exception, str | None]]:
    """Yield (line number, value or parse error, the line's text for NDJSON) per record in one file."""
    first_number, first_line = 0, ""
    for line in stream:
        first_number += 1
        if line.strip():
            first_line = line
            break
    else:
        return
    if first_line.lstrip().startswith("{"):
        try:
            value = json.loads(first_line)
        except json.JSONDecodeError:
            value = None  # not a whole object on one line: a pretty-printed document
        if value is not None:
            # NDJSON (or a one-line document): stream the rest line by line.
            if isinstance(value, dict) and isinstance(value.get("studies"), list):
                yield from _iter_document(value)
            else:
                yield first_number, value, first_line
            for number, line in enumerate(stream, start=first_number + 1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line), line
                except json.JSONDecodeError as exc:
                    yield number, exc, None
            return
    try:
        document = json.loads(first_line + stream.read())
    except json.JSONDecodeError as exc:
        yield None, exc, None
        return
    yield from _iter_document(document)


def list_record_files(path: Path) -> list[Path]:
    """The record files a path names: itself, or the JSON/NDJSON files in a folder, sorted."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES))
    return [path]


def iter_records(
    path: Path, batch: RecordBatch, on_text: Callable[[str], None] | None = None
) -> Iterator[dict]:
    """Stream the usable records under `path`; files read and problems found go into `batch`.

    `on_text` receives each usable record's JSON text as it came (NDJSON lines are passed as read,
    so keeping a raw copy costs no re-serialization).
    """
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    for file in list_record_files(path):
        batch.files.append(file)
        try:
            with _open_stream(file) as stream:
                for line, value, text in _iter_values(stream):
                    if isinstance(value, Exception):
                        batch.problems.append(RecordProblem(file, line, f"not valid JSON ({value})"))
                        continue
                    reason = check_record(value)
                    if reason:
                        batch.problems.append(RecordProblem(file, line, reason))
                    else:
                        if on_text is not None:
                            on_text(text if text is not None else json.dumps(value, ensure_ascii=False))
                        yield value  # type: ignore[misc]
        except (OSError, UnicodeDecodeError, EOFError) as exc:
            batch.problems.append(RecordProblem(file, None, f"cannot read file ({exc})"))


def read_records(path: Path) -> RecordBatch:
    """Read every record under `path` into memory; bad ones are reported (file, line), not raised."""
    batch = RecordBatch()
    with pause_gc():
        batch.records.extend(iter_records(path, batch))
    return batch
