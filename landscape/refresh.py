"""The app's "refresh from ClinicalTrials.gov": the same run_refresh as `python -m etl refresh`
(etl/refresh.py), with progress for a bar and a message for the reader instead of an exception.

Any failure leaves the current database in place; the app notices a swapped-in file by its stamp and
reopens it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from etl.extract.ctgov import DEFAULT_BASE_URL
from etl.paths import RAW_DIR
from etl.pipeline import BuildSummary
from etl.raw_store import RawPull
from etl.refresh import KEPT, RefreshError, run_refresh
from landscape.db import resolve_db_path

REGISTRY_URL_ENV = "LANDSCAPE_REGISTRY_URL"
RAW_DIR_ENV = "LANDSCAPE_RAW_DIR"

# (fraction done 0..1, what is happening) -> None
ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class RefreshOutcome:
    """How a refresh ended: a message for the reader and, on success, what was built."""

    ok: bool
    message: str
    summary: BuildSummary | None = None


def refresh_from_registry(
    on_progress: ProgressCallback,
    *,
    db_path: Path | None = None,
    raw_dir: Path | None = None,
    base_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    max_pages: int | None = None,
) -> RefreshOutcome:
    """Pull every CAR-based study, keep the pull, rebuild the app's database; never raises on failure."""
    db_path = db_path or resolve_db_path()
    raw_dir = raw_dir or Path(os.environ.get(RAW_DIR_ENV) or RAW_DIR)
    base_url = (base_url or os.environ.get(REGISTRY_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")

    def report_page(page: int, done: int, total: int | None) -> None:
        # Fetching is most of the wait: it gets the first 80% of the bar.
        fraction = 0.8 * min(1.0, done / total) if total else 0.4
        of_total = f" of {total}" if total else ""
        on_progress(fraction, f"Fetched page {page}: {done}{of_total} studies")

    def report_pulled(pull: RawPull) -> None:
        on_progress(0.85, f"Building the database from {pull.meta.get('record_count')} records …")

    on_progress(0.0, f"Contacting {base_url} …")
    try:
        result = run_refresh(
            db_path=db_path,
            raw_dir=raw_dir,
            base_url=base_url,
            max_pages=max_pages,
            transport=transport,
            on_page=report_page,
            on_pulled=report_pulled,
        )
    except RefreshError as exc:
        return RefreshOutcome(False, f"{exc} {KEPT}")
    except Exception as exc:  # a reader's button must end in a message, not a traceback
        return RefreshOutcome(False, f"The refresh failed ({type(exc).__name__}: {exc}). {KEPT}")
    on_progress(1.0, "Done")
    summary = result.summary
    return RefreshOutcome(
        True,
        f"Refreshed: {summary.shown_trial_count} CAR-based autoimmune trials shown, from "
        f"{summary.record_count} registry records ({summary.skipped_count} skipped). "
        f"Raw records kept in {result.pull.folder}."
        + (
            f" {len(summary.problems)} value(s) dropped or record(s) skipped: listed on Data & methods."
            if summary.problems
            else ""
        ),
        summary,
    )
