"""Raw pulls on disk: one folder per pull with studies.ndjson.gz and a meta.json sidecar."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

STUDIES_FILE = "studies.ndjson.gz"
META_FILE = "meta.json"


@dataclass(frozen=True)
class RawPull:
    """A pull that was saved whole: its folder, records file and metadata."""

    folder: Path
    studies_path: Path
    meta: dict


class EmptyPullError(ValueError):
    """A pull with no records is not saved: it would hide the last good one."""


def write_pull(records: Iterable[dict], meta: dict, raw_dir: Path) -> RawPull:
    """Save records (streamed) and metadata as a new pull folder; it appears only when complete."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = Path(tempfile.mkdtemp(prefix=f".{stamp}-", dir=raw_dir))
    try:
        count = 0
        with gzip.open(tmp / STUDIES_FILE, "wt", encoding="utf-8", compresslevel=1) as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                fh.write("\n")
                count += 1
        if count == 0:
            raise EmptyPullError("no usable study records; nothing was saved")
        full_meta = {**meta, "saved_at": datetime.now(UTC).isoformat(), "record_count": count}
        (tmp / META_FILE).write_text(json.dumps(full_meta, indent=2, ensure_ascii=False) + "\n")
        final = raw_dir / stamp
        # A rename inside one folder is atomic: readers never see a half-written pull.
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RawPull(final, final / STUDIES_FILE, full_meta)


def find_latest_pull(raw_dir: Path) -> RawPull | None:
    """Return the newest complete pull, or None when there is none."""
    if not raw_dir.is_dir():
        return None
    folders = sorted(p for p in raw_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in reversed(folders):
        meta_path = folder / META_FILE
        if (folder / STUDIES_FILE).is_file() and meta_path.is_file():
            try:
                meta = json.loads(meta_path.read_text())
            except (OSError, json.JSONDecodeError):
                continue
            return RawPull(folder, folder / STUDIES_FILE, meta)
    return None
