"""ClinicalTrials.gov API v2 client: broad CAR search, paging, rate limit, retries, raw pulls."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx
import stamina

from etl.raw_store import RawPull, write_pull

DEFAULT_BASE_URL = "https://clinicaltrials.gov"
STUDIES_PATH = "/api/v2/studies"
VERSION_PATH = "/api/v2/version"
SOURCE = "ClinicalTrials.gov API v2"

# Searched with `query.term` (all text fields: titles, summaries, keywords, interventions,
# conditions) rather than `query.intr`: many trials register the product only by code in the
# intervention ("KYV-101", "YTB323") and say "CAR T" only in the title or summary, and vice versa.
# Recall matters here; precision comes later from etl/classify. No condition filter on purpose:
# the autoimmune decision is made by our own classifier, not by the registry's search.
# Quoted phrases keep "CAR" from matching unrelated words; the string stays short so the URL
# (repeated on every page) stays far below server limits.
SEARCH_TERM = (
    '"CAR-T" OR "CAR T" OR "CAR T-cell" OR "chimeric antigen receptor" OR "CAAR-T" OR "CAR-NK"'
    ' OR "CAR-Treg" OR "in vivo CAR" OR "KYV-101" OR "CABA-201" OR "rese-cel"'
    ' OR "resecabtagene" OR "Descartes-08" OR "YTB323" OR "rapcabtagene" OR "obe-cel"'
    ' OR "obecabtagene" OR "CC-97540" OR "BMS-986353" OR "FT819" OR "MB-CART2019.1"'
    ' OR "zorpocabtagene"'
)

USER_AGENT = "car-autoimmune-landscape/0.1 (+research dashboard; contact in README)"
# Read timeout is generous: a 200-study page of full records can take tens of seconds to build.
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_PAGE_SIZE = 200  # ~200 full records is a few MiB, far below the 16 MiB response cap
MAX_PAGE_SIZE = 1000  # the API's own maximum

RETRY_ATTEMPTS = 5
RETRY_TIMEOUT_S = 300.0  # total budget per request, so a Retry-After of a minute still fits
RETRY_WAIT_INITIAL_S = 1.0
RETRY_WAIT_MAX_S = 30.0
# A server asking us to wait longer than this is telling us to come back later, not to hang.
MAX_RETRY_AFTER_S = 120.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

IMPORT_HINT = (
    "Download the search results as JSON from the website instead "
    f"(https://clinicaltrials.gov/search?term={quote_plus(SEARCH_TERM)} -> Download -> JSON, "
    "all studies, all fields) and load the file with:  python -m etl import PATH"
)


class FetchError(RuntimeError):
    """A pull from the registry failed; the message says which request and why."""


class RegistryBlockedError(FetchError):
    """ClinicalTrials.gov answered 403: its bot protection refused this client."""


class _RetryableError(Exception):
    """A response worth trying again (429, 5xx, unparseable body); internal to the retry loop."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class FetchResult:
    """All studies of one pull, unchanged, plus where and when they came from."""

    studies: list[dict]
    meta: dict


class RateLimiter:
    """Spaces requests at least `min_interval_s` apart and honours a server's Retry-After."""

    def __init__(
        self,
        min_interval_s: float = 1.0,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.min_interval_s = min_interval_s
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None
        self._not_before: float | None = None

    def wait(self) -> None:
        """Sleep until the next request is allowed, then claim that slot."""
        targets = []
        if self._last is not None:
            targets.append(self._last + self.min_interval_s)
        if self._not_before is not None:
            targets.append(self._not_before)
        if targets:
            delay = max(targets) - self._clock()
            if delay > 0:
                self._sleep(delay)
        self._last = self._clock()
        self._not_before = None

    def defer(self, seconds: float) -> None:
        """Allow no request before `seconds` from now (the server's Retry-After)."""
        self._not_before = self._clock() + max(0.0, min(seconds, MAX_RETRY_AFTER_S))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _backoff_hook(exc: Exception) -> bool | float:
    """stamina `on` hook: retry 429/5xx/bad bodies/transport errors; a float sets the wait."""
    if isinstance(exc, _RetryableError):
        if exc.retry_after is None:
            return True
        if exc.retry_after > MAX_RETRY_AFTER_S:
            return False
        # stamina sleeps exactly this long instead of its exponential backoff.
        return exc.retry_after
    return isinstance(exc, httpx.TransportError)


def _where(path: str, page: int | None) -> str:
    return f"{path} (page {page})" if page is not None else path


def _request_json(
    client: httpx.Client,
    url: str,
    params: dict[str, str] | None,
    limiter: RateLimiter,
    *,
    path: str,
    page: int | None = None,
) -> dict[str, Any]:
    """GET one URL with rate limit and retries; return its JSON object or raise FetchError."""
    where = _where(path, page)
    attempts_made = 0
    try:
        for attempt in stamina.retry_context(
            on=_backoff_hook,
            attempts=RETRY_ATTEMPTS,
            timeout=RETRY_TIMEOUT_S,
            wait_initial=RETRY_WAIT_INITIAL_S,
            wait_max=RETRY_WAIT_MAX_S,
        ):
            with attempt:
                attempts_made += 1
                limiter.wait()
                # Sent per request so an injected client still identifies us.
                response = client.get(url, params=params, headers={"User-Agent": USER_AGENT})
                return _parse_response(response, limiter, where=where)
    except _RetryableError as exc:
        raise FetchError(
            f"ClinicalTrials.gov request failed for {where} after {attempts_made} attempt(s): {exc}"
        ) from exc
    except httpx.TransportError as exc:
        raise FetchError(
            f"ClinicalTrials.gov request failed for {where} after {attempts_made} attempt(s): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    raise AssertionError("unreachable: stamina either returns or re-raises")


def _parse_response(response: httpx.Response, limiter: RateLimiter, *, where: str) -> dict:
    """Turn one response into a JSON object, or raise the right error for the retry loop."""
    status = response.status_code
    if status == 403:
        # Not retried: the block is about who we are, not a passing overload.
        raise RegistryBlockedError(
            f"ClinicalTrials.gov refused this client (HTTP 403 for {where}); its bot protection "
            f"blocks some automated clients and networks. {IMPORT_HINT}"
        )
    if status in RETRY_STATUSES:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None:
            # The limiter makes the next attempt wait even when stamina's own wait is skipped.
            limiter.defer(retry_after)
        detail = f"HTTP {status}"
        if retry_after is not None:
            detail += f" (Retry-After {retry_after:g} s)"
        raise _RetryableError(detail, retry_after)
    if status != 200:
        # Other 4xx mean our request is wrong (e.g. a bad query); retrying will not help.
        snippet = response.text[:300].strip()
        raise FetchError(f"ClinicalTrials.gov answered HTTP {status} for {where}: {snippet}")
    try:
        body = json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        # A cut-off body is usually a dropped connection: worth another try, like a 5xx.
        raise _RetryableError(
            f"invalid or truncated JSON body ({len(response.content)} bytes): {exc}"
        ) from exc
    if not isinstance(body, dict):
        raise _RetryableError(f"expected a JSON object, got {type(body).__name__}")
    return body


def fetch_version(client: httpx.Client, base_url: str, *, limiter: RateLimiter | None = None) -> dict:
    """Return /api/v2/version (apiVersion, dataTimestamp) so a pull records what it saw."""
    limiter = limiter or RateLimiter()
    body = _request_json(client, base_url.rstrip("/") + VERSION_PATH, None, limiter, path=VERSION_PATH)
    return body


def fetch_studies(
    *,
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_pages: int | None = None,
    on_page: Callable[[int, int, int | None], None] | None = None,
    min_interval_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> FetchResult:
    """Fetch every study matching SEARCH_TERM, page by page; raise FetchError on any failure."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
    base_url = base_url.rstrip("/")
    own_client = client is None
    if client is None:
        client = httpx.Client(timeout=TIMEOUT, follow_redirects=True)
    limiter = RateLimiter(min_interval_s, sleep=sleep, clock=clock)
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    query = {"format": "json", "query.term": SEARCH_TERM, "pageSize": str(page_size)}
    try:
        version = fetch_version(client, base_url, limiter=limiter)
        studies: list[dict] = []
        count_total: int | None = None
        page = 0
        token: str | None = None
        seen_tokens: set[str] = set()
        complete = False
        while max_pages is None or page < max_pages:
            page += 1
            params = dict(query)
            if token is None:
                # Counting costs the server extra work; the first page's total is enough.
                params["countTotal"] = "true"
            else:
                params["pageToken"] = token
            body = _request_json(
                client, base_url + STUDIES_PATH, params, limiter, path=STUDIES_PATH, page=page
            )
            page_studies = body.get("studies", [])
            if not isinstance(page_studies, list):
                raise FetchError(
                    f"ClinicalTrials.gov returned a malformed page for "
                    f"{_where(STUDIES_PATH, page)}: 'studies' is {type(page_studies).__name__}"
                )
            if page == 1 and isinstance(body.get("totalCount"), int):
                count_total = body["totalCount"]
            studies.extend(page_studies)
            if on_page is not None:
                on_page(page, len(studies), count_total)
            token = body.get("nextPageToken") or None
            if token is None:
                complete = True
                break
            if token in seen_tokens:
                # Guards against a server bug turning paging into an endless loop.
                raise FetchError(f"ClinicalTrials.gov repeated a page token at {_where(STUDIES_PATH, page)}")
            seen_tokens.add(token)
    finally:
        if own_client:
            client.close()
    meta = {
        "source": SOURCE,
        "base_url": base_url,
        "query": query,
        "api_version": version.get("apiVersion"),
        "data_timestamp": version.get("dataTimestamp"),
        "fetched_at": fetched_at,
        "page_count": page,
        "count_total": count_total,
        "record_count": len(studies),
        # False only when max_pages cut the pull short; such a pull is a sample, not the registry.
        "complete": complete,
    }
    return FetchResult(studies=studies, meta=meta)


def refresh_raw(*, raw_dir: Path, **fetch_kwargs: Any) -> RawPull:
    """Fetch everything, then save it as a new raw pull; on any failure nothing is written."""
    # Fetch fully in memory first: a failed pull must leave the last good pull as the latest.
    result = fetch_studies(**fetch_kwargs)
    return write_pull(result.studies, result.meta, raw_dir)
