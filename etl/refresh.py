"""One refresh from ClinicalTrials.gov, shared by `python -m etl refresh` and the app's refresh button:
probe the registry, pull every CAR-based study, keep the raw pull, rebuild and swap the database in.

Any failure raises RefreshError and leaves the current database (and the latest raw pull) in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from etl.extract.ctgov import (
    DEFAULT_BASE_URL,
    DEFAULT_PAGE_SIZE,
    TIMEOUT,
    USER_AGENT,
    VERSION_PATH,
    FetchError,
    refresh_raw,
)
from etl.lock import WriterBusyError, hold_write_lock, remove_leftovers
from etl.paths import SNAPSHOT_DIR
from etl.pipeline import NoRecordsError
from etl.raw_store import EmptyPullError, RawPull
from etl.rebuild import RebuildSummary, rebuild_from_store

KEPT = "The current data stays in place."
# One quick request first, so an offline machine fails in seconds rather than after every retry.
PROBE_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

# (page number, studies so far, total or None) -> None
PageCallback = Callable[[int, int, int | None], None]
# (raw pull kept) -> None, called before the build starts
PulledCallback = Callable[[RawPull], None]


class RefreshError(RuntimeError):
    """A refresh that changed nothing; the message says why, for a reader (without KEPT)."""


@dataclass(frozen=True)
class RefreshResult:
    """What a successful refresh kept and built, and the records it skipped."""

    pull: RawPull
    summary: RebuildSummary


def make_registry_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The HTTP client every refresh uses: the registry timeouts (TIMEOUT), redirects followed."""
    return httpx.Client(timeout=TIMEOUT, follow_redirects=True, transport=transport)


def probe_registry(client: httpx.Client, base_url: str) -> None:
    """Raise RefreshError when the registry cannot be reached at all."""
    try:
        client.get(base_url + VERSION_PATH, headers={"User-Agent": USER_AGENT}, timeout=PROBE_TIMEOUT)
    except httpx.HTTPError as exc:
        raise RefreshError(
            f"Could not reach ClinicalTrials.gov at {base_url} ({type(exc).__name__}: {exc}). "
            "This machine may be offline."
        ) from exc


def run_refresh(
    *,
    db_path: Path,
    raw_dir: Path,
    base_url: str = DEFAULT_BASE_URL,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_pages: int | None = None,
    allow_partial: bool = False,
    snapshot_dir: Path | None = SNAPSHOT_DIR,
    transport: httpx.BaseTransport | None = None,
    on_page: PageCallback | None = None,
    on_pulled: PulledCallback | None = None,
) -> RefreshResult:
    """Probe, pull, keep the pull, rebuild `db_path`; RefreshError (nothing changed) on failure.

    Holds the database's writer lock throughout (a second refresh, from the app or the CLI, is told
    who is writing) and first removes what killed runs left. `allow_partial` keeps and loads a pull
    that stopped short (marked incomplete; a later build skips it). `transport` replaces the network
    (tests: httpx.MockTransport); the timeouts stay the registry's."""
    try:
        with hold_write_lock(db_path, "a refresh"):
            remove_leftovers(db_path, raw_dir)
            return _pull_and_build(
                db_path,
                raw_dir,
                snapshot_dir,
                base_url.rstrip("/"),
                page_size,
                max_pages,
                allow_partial,
                transport,
                on_page,
                on_pulled,
            )
    except WriterBusyError as exc:
        raise RefreshError(str(exc)) from exc


def _pull_and_build(
    db_path: Path,
    raw_dir: Path,
    snapshot_dir: Path | None,
    base_url: str,
    page_size: int,
    max_pages: int | None,
    allow_partial: bool,
    transport: httpx.BaseTransport | None,
    on_page: PageCallback | None,
    on_pulled: PulledCallback | None,
) -> RefreshResult:
    with make_registry_client(transport) as client:
        probe_registry(client, base_url)
        try:
            pull = refresh_raw(
                raw_dir=raw_dir,
                base_url=base_url,
                client=client,
                page_size=page_size,
                max_pages=max_pages,
                allow_partial=allow_partial,
                on_page=on_page,
            )
        except FetchError as exc:
            raise RefreshError(f"The refresh failed: {exc}") from exc
        except EmptyPullError as exc:
            raise RefreshError("ClinicalTrials.gov returned no studies.") from exc
    if on_pulled is not None:
        on_pulled(pull)
    try:
        # Every pull, not only this one: the refresh history (trial_history, trial_changes) is kept.
        summary = rebuild_from_store(
            db_path,
            raw_dir,
            snapshot_dir,
            include=None if pull.meta.get("complete") is not False else pull.folder,
        )
    except NoRecordsError as exc:
        raise RefreshError(f"The build failed: {exc}.") from exc
    return RefreshResult(pull, summary)
