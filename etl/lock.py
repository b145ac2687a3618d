"""One writer at a time per database: a lock file beside it, and cleanup of what killed runs left."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from etl.raw_store import is_process_alive, remove_stale_pull_folders

_POLL_S = 0.2


class WriterBusyError(RuntimeError):
    """Another refresh, import or build is writing this database right now."""


class _Held(threading.local):
    """Lock files this thread holds, so a command holding the lock can call code that takes it too."""

    def __init__(self) -> None:
        self.paths: set[Path] = set()


_HELD = _Held()


def lock_path_for(db_path: Path) -> Path:
    """The lock file beside a database: `.warehouse.duckdb.lock`."""
    return db_path.with_name(f".{db_path.name}.lock")


def _describe_holder(lock_path: Path) -> str:
    try:
        holder = json.loads(lock_path.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    if not isinstance(holder, dict) or not holder.get("pid"):
        return "another process"
    what = holder.get("purpose") or "a refresh"
    since = f", started {holder['started_at']}" if holder.get("started_at") else ""
    return f"{what} (process {holder['pid']}{since})"


@contextlib.contextmanager
def hold_write_lock(db_path: Path, purpose: str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the database's writer lock for the block; WriterBusyError if it stays taken `wait_s`.

    An OS file lock (flock): it is released when its process ends, however it ends, so a lock
    left by a killed run is never in the way (its file is simply taken over). The file says who
    holds it (pid, purpose, start time) for the message the next writer shows.
    """
    lock_path = lock_path_for(db_path)
    if lock_path in _HELD.paths:
        yield  # this thread already holds it
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        give_up_at = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= give_up_at:
                    raise WriterBusyError(
                        f"{_describe_holder(lock_path)} is already writing {db_path}; this one stops "
                        "and changes nothing. Try again when it has finished."
                    ) from None
                time.sleep(_POLL_S)
        holder = {
            "pid": os.getpid(),
            "purpose": purpose,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        _HELD.paths.add(lock_path)
        try:
            yield
        finally:
            _HELD.paths.discard(lock_path)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


_BUILDING = re.compile(r"^\.(?P<db>.+)\.building-(?P<pid>\d+)(?:-[0-9a-f]+)?(?:\.wal)?$")


def remove_stale_build_files(db_path: Path) -> list[Path]:
    """Remove `.NAME.building-<pid>…` files beside the database whose process is gone."""
    removed: list[Path] = []
    folder = db_path.parent
    if not folder.is_dir():
        return removed
    for candidate in folder.iterdir():
        match = _BUILDING.match(candidate.name)
        if match is None or match.group("db") != db_path.name:
            continue
        if not is_process_alive(int(match.group("pid"))):
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def remove_leftovers(db_path: Path, raw_dir: Path) -> list[Path]:
    """Everything a killed run left behind: half-built databases and half-written pulls."""
    return remove_stale_build_files(db_path) + remove_stale_pull_folders(raw_dir)
