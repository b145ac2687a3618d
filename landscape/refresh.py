"""The app's "refresh from ClinicalTrials.gov": pull, keep the raw records, rebuild, swap the file in.

Same sequence as `python -m etl refresh`. Any failure leaves the current database in place; the app
notices a swapped-in file by its stamp and reopens it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from etl.extract.ctgov import DEFAULT_BASE_URL, USER_AGENT, VERSION_PATH, FetchError, refresh_raw
from etl.paths import RAW_DIR, SNAPSHOT_DIR
from etl.pipeline import BuildSummary, NoRecordsError
from etl.pulls import list_pulls
from etl.raw_store import EmptyPullError
from etl.rebuild import rebuild_warehouse
from landscape.db import resolve_db_path

REGISTRY_URL_ENV = "LANDSCAPE_REGISTRY_URL"
RAW_DIR_ENV = "LANDSCAPE_RAW_DIR"
_PROBE_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
KEPT = "The current data stays in place."

# (fraction done 0..1, what is happening) -> None
ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class RefreshOutcome:
    """How a refresh ended: a message for the reader and, on success, what was built."""

    ok: bool
    message: str
    summary: BuildSummary | None = None


def _probe(client: httpx.Client, base_url: str) -> str | None:
    """One quick request, so an offline machine fails in seconds rather than after every retry."""
    try:
        client.get(base_url + VERSION_PATH, headers={"User-Agent": USER_AGENT}, timeout=_PROBE_TIMEOUT)
    except httpx.HTTPError as exc:
        return (
            f"Could not reach ClinicalTrials.gov at {base_url} ({type(exc).__name__}: {exc}). "
            f"This machine may be offline. {KEPT}"
        )
    return None


def refresh_from_registry(
    on_progress: ProgressCallback,
    *,
    db_path: Path | None = None,
    raw_dir: Path | None = None,
    base_url: str | None = None,
    client: httpx.Client | None = None,
    max_pages: int | None = None,
) -> RefreshOutcome:
    """Pull every CAR-based study, keep the pull, rebuild the app's database; never raises on failure."""
    db_path = db_path or resolve_db_path()
    raw_dir = raw_dir or Path(os.environ.get(RAW_DIR_ENV) or RAW_DIR)
    base_url = (base_url or os.environ.get(REGISTRY_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
    own_client = client is None
    client = client or httpx.Client(follow_redirects=True)
    try:
        on_progress(0.0, f"Contacting {base_url} …")
        problem = _probe(client, base_url)
        if problem:
            return RefreshOutcome(False, problem)

        def report_page(page: int, done: int, total: int | None) -> None:
            # Fetching is most of the wait: it gets the first 80% of the bar.
            fraction = 0.8 * min(1.0, done / total) if total else 0.4
            of_total = f" of {total}" if total else ""
            on_progress(fraction, f"Fetched page {page}: {done}{of_total} studies")

        try:
            pull = refresh_raw(
                raw_dir=raw_dir, base_url=base_url, client=client, max_pages=max_pages, on_page=report_page
            )
        except FetchError as exc:
            return RefreshOutcome(False, f"The refresh failed: {exc} {KEPT}")
        except EmptyPullError:
            return RefreshOutcome(False, f"ClinicalTrials.gov returned no studies. {KEPT}")
        on_progress(0.85, f"Building the database from {pull.meta.get('record_count')} records …")
        try:
            # The same rebuild as `python -m etl refresh`: the bundle's history plus every kept pull.
            summary = rebuild_warehouse(list_pulls(SNAPSHOT_DIR, raw_dir), db_path)
        except NoRecordsError as exc:
            return RefreshOutcome(False, f"The build failed: {exc}. {KEPT}")
        except Exception as exc:  # a reader's button must end in a message, not a traceback
            return RefreshOutcome(False, f"The build failed ({type(exc).__name__}: {exc}). {KEPT}")
        on_progress(1.0, "Done")
        return RefreshOutcome(
            True,
            f"Refreshed: {summary.shown_trial_count} CAR-based autoimmune trials shown, from "
            f"{summary.record_count} registry records ({summary.skipped_count} skipped). "
            f"Raw records kept in {pull.folder}.",
            summary,
        )
    finally:
        if own_client:
            client.close()
