"""The pulls a rebuild starts from (bundled history and current, kept raw pulls), oldest data first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from etl.raw_store import META_FILE, STUDIES_FILE

# How a pull's data timestamp was known, shown beside it (refreshes.data_timestamp_basis).
BASIS_REGISTRY = "registry data timestamp"
BASIS_META = "meta.json"
BASIS_AS_OF = "--as-of"
BASIS_IMPORT_TIME = "import time (no data timestamp given)"

# Where a pull came from (refreshes.source_kind); bundled pulls sort first on a tie.
_KIND_ORDER = {"bundled": 0, "file": 1, "live": 2}


@dataclass(frozen=True)
class PullSource:
    """One pull to rebuild from: where its records are, its metadata and its place in time."""

    key: str  # stable name: "snapshot/history/2026-04-25", "snapshot/current", "raw/<stamp>"
    kind: str  # live | file | bundled
    studies_path: Path
    meta: dict
    data_timestamp: str
    data_timestamp_basis: str

    @property
    def data_date(self) -> date:
        """The calendar date of the data timestamp (what --since/--until compare with)."""
        return parse_data_date(self.data_timestamp)

    def sort_key(self) -> tuple[str, int, str]:
        """Data timestamp first; on a tie bundled before imported before live, then by name."""
        return (normalize_timestamp(self.data_timestamp), _KIND_ORDER.get(self.kind, 9), self.key)


def kind_of_meta(meta: dict) -> str:
    """live, file or bundled, from a pull's recorded source."""
    source = str(meta.get("source") or "")
    if source == "file import":
        return "file"
    if source.startswith("bundled"):
        return "bundled"
    return "live"


def parse_data_date(stamp: str) -> date:
    """The date of an ISO timestamp or date ("2026-04-25", "2026-04-25T09:00:05", "2026-04")."""
    for length, fmt in ((10, "%Y-%m-%d"), (7, "%Y-%m"), (4, "%Y")):
        try:
            return datetime.strptime(stamp[:length], fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {stamp!r}")


def normalize_timestamp(stamp: str) -> str:
    """An ISO text that sorts in time order: a bare date is the start of its day."""
    text = stamp.strip().replace(" ", "T")
    if len(text) == 10:
        return text + "T00:00:00"
    return text


def _read_meta(folder: Path) -> dict | None:
    try:
        return json.loads((folder / META_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _resolve_timestamp(meta: dict, kind: str) -> tuple[str, str] | None:
    """The pull's data timestamp and how it is known; None when it has none at all."""
    stamp = meta.get("data_timestamp")
    if isinstance(stamp, str) and stamp.strip():
        try:
            parse_data_date(stamp)
        except ValueError:
            stamp = None
        else:
            basis = meta.get("data_timestamp_basis")
            if isinstance(basis, str) and basis:
                return stamp.strip(), basis
            return stamp.strip(), BASIS_REGISTRY if kind == "live" else BASIS_META
    # A pull kept before pulls carried a data timestamp: the time it was kept stands in.
    saved = meta.get("saved_at") or meta.get("fetched_at")
    if isinstance(saved, str) and saved:
        return saved, BASIS_IMPORT_TIME
    return None


def list_bundled_pulls(snapshot_dir: Path) -> list[PullSource]:
    """The bundled history pulls (history/<date>/) and the bundled current pull."""
    folders = []
    history = snapshot_dir / "history"
    if history.is_dir():
        folders += [(f"snapshot/history/{p.name}", p) for p in sorted(history.iterdir()) if p.is_dir()]
    folders.append(("snapshot/current", snapshot_dir))
    pulls = []
    for key, folder in folders:
        meta = _read_meta(folder) if (folder / META_FILE).is_file() else {}
        if meta is None or not (folder / STUDIES_FILE).is_file():
            continue
        resolved = _resolve_timestamp(meta, "bundled")
        if resolved is None:
            # The bundle's folder names are its dates.
            resolved = (folder.name, BASIS_META) if key.startswith("snapshot/history/") else None
        if resolved is None:
            continue
        pulls.append(PullSource(key, "bundled", folder / STUDIES_FILE, meta, *resolved))
    return pulls


def list_raw_pulls(raw_dir: Path, include: Path | None = None) -> list[PullSource]:
    """Every complete kept pull under raw_dir (hidden folders are pulls still being written; a pull
    marked incomplete is left out unless it is the `include` folder)."""
    if not raw_dir.is_dir():
        return []
    pulls = []
    for folder in sorted(p for p in raw_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        meta = _read_meta(folder)
        if meta is None or not (folder / STUDIES_FILE).is_file():
            continue
        if meta.get("complete") is False and (include is None or folder.resolve() != include.resolve()):
            continue
        kind = "file" if kind_of_meta(meta) == "file" else "live"
        resolved = _resolve_timestamp(meta, kind)
        if resolved is None:
            continue
        pulls.append(PullSource(f"raw/{folder.name}", kind, folder / STUDIES_FILE, meta, *resolved))
    return pulls


def list_pulls(
    snapshot_dir: Path | None, raw_dir: Path | None, include: Path | None = None
) -> list[PullSource]:
    """The pulls a rebuild starts from, oldest data first (None leaves that origin out; `include`:
    an incomplete kept pull to use anyway)."""
    pulls = []
    if snapshot_dir is not None:
        pulls += list_bundled_pulls(snapshot_dir)
    if raw_dir is not None:
        pulls += list_raw_pulls(raw_dir, include)
    return sorted(pulls, key=PullSource.sort_key)
