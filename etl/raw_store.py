"""Raw pulls on disk: one folder per pull with studies.ndjson.gz and a meta.json sidecar."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import tempfile
import time
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


class PullWriter:
    """Writes one pull into a hidden folder; `commit` renames it into place, anything else removes it.

    Use as a context manager: leaving the block without `commit` (an error, an empty pull) discards
    the folder, so the last good pull stays the latest.
    """

    def __init__(self, raw_dir: Path, meta: dict) -> None:
        raw_dir.mkdir(parents=True, exist_ok=True)
        self.raw_dir, self.meta, self.count = raw_dir, meta, 0
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        # The pid in the hidden name lets a later run remove it if this process dies mid-write.
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.stamp}-pid{os.getpid()}-", dir=raw_dir))
        # The file lives as long as the writer; commit() or __exit__ closes it.
        self._fh = gzip.open(self.tmp / STUDIES_FILE, "wt", encoding="utf-8", compresslevel=1)  # noqa: SIM115
        self.pull: RawPull | None = None

    def __enter__(self) -> PullWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pull is None:
            self._fh.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def write_line(self, text: str) -> None:
        """Add one study as its JSON text (one line, as it came)."""
        self._fh.write(text.rstrip("\n"))
        self._fh.write("\n")
        self.count += 1

    def write_record(self, record: dict) -> None:
        """Add one study from its parsed form."""
        self.write_line(json.dumps(record, ensure_ascii=False, separators=(",", ":")))

    def commit(self) -> RawPull:
        """Finish the file, write meta.json and move the pull into place atomically."""
        if self.count == 0:
            raise EmptyPullError("no usable study records; nothing was saved")
        self._fh.close()
        full_meta = {**self.meta, "saved_at": datetime.now(UTC).isoformat(), "record_count": self.count}
        (self.tmp / META_FILE).write_text(json.dumps(full_meta, indent=2, ensure_ascii=False) + "\n")
        final = self.raw_dir / self.stamp
        # A rename inside one folder is atomic: readers never see a half-written pull.
        os.replace(self.tmp, final)
        self.pull = RawPull(final, final / STUDIES_FILE, full_meta)
        return self.pull


def write_pull(records: Iterable[dict], meta: dict, raw_dir: Path) -> RawPull:
    """Save records (streamed) and metadata as a new pull folder; it appears only when complete."""
    with PullWriter(raw_dir, meta) as writer:
        for record in records:
            writer.write_record(record)
        return writer.commit()


def is_complete_pull(meta: dict) -> bool:
    """False for a pull saved with --allow-partial (meta `complete: false`); older pulls count as complete."""
    return meta.get("complete", True) is not False


def find_latest_pull(raw_dir: Path) -> RawPull | None:
    """Return the newest complete pull, or None when there is none.

    A pull saved incomplete on request (`complete: false` in meta.json) is loaded once, by the
    command that saved it, and never picked up by a later build.
    """
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
            if not isinstance(meta, dict) or not is_complete_pull(meta):
                continue
            return RawPull(folder, folder / STUDIES_FILE, meta)
    return None


_HIDDEN_PULL = re.compile(r"^\.\d{8}T\d{6}\d*Z-(?:pid(\d+)-)?")
# A hidden folder without a pid (written by an older version) is stale once this old.
_UNOWNED_STALE_AFTER_S = 24 * 3600.0


def is_process_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def remove_stale_pull_folders(raw_dir: Path) -> list[Path]:
    """Remove hidden half-written pull folders whose writing process is gone; return them."""
    removed: list[Path] = []
    if not raw_dir.is_dir():
        return removed
    for folder in raw_dir.iterdir():
        match = _HIDDEN_PULL.match(folder.name)
        if match is None or not folder.is_dir():
            continue
        if match.group(1) is not None:
            stale = not is_process_alive(int(match.group(1)))
        else:
            try:
                stale = time.time() - folder.stat().st_mtime > _UNOWNED_STALE_AFTER_S
            except OSError:
                continue
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
