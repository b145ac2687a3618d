"""ClinicalTrials.gov API v2 client: broad CAR search, paging, rate limit, retries, raw pulls."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx
import stamina
import stamina.instrumentation

from etl.extract.jsonsplit import find_nct_id, split_top_level
from etl.problems import DataProblem
from etl.raw_store import RawPull, write_pull

logger = logging.getLogger(__name__)

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
# Overall time for one request, headers and body: the read timeout alone lets a server that sends
# one byte every few seconds hold a page for many minutes. Checked as bytes arrive.
REQUEST_DEADLINE_S = 120.0
MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # a full 1000-study page is well below this

# Completeness: the first page's totalCount is the contract. A pull may differ from it by this many
# studies (or 0.5%, whichever is larger) because studies are added or withdrawn while it runs.
MIN_COUNT_TOLERANCE = 2
COUNT_TOLERANCE_FRACTION = 0.005
# Paging ends at ceil(totalCount / pageSize) pages plus this margin (empty pages, late additions).
EXTRA_PAGES_ALLOWED = 2

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


class IncompletePullError(FetchError):
    """The pull did not get every study the registry announced; nothing is saved or loaded."""


class _RetryableError(Exception):
    """A response worth trying again (429, 5xx, unparseable body); internal to the retry loop."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class FetchResult:
    """All studies of one pull, unchanged, plus where and when they came from.

    `problems` lists records the registry sent that could not be read (each skipped, with its NCT
    ID when one could be found); `meta["complete"]` says whether the pull matched `totalCount`.
    """

    studies: list[dict]
    meta: dict
    problems: list[DataProblem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when the pull holds every study the registry announced (within the tolerance)."""
        return bool(self.meta.get("complete"))


def count_tolerance(count_total: int) -> int:
    """How many studies a complete pull may differ from totalCount by (changes during the pull)."""
    return max(MIN_COUNT_TOLERANCE, math.ceil(count_total * COUNT_TOLERANCE_FRACTION))


def max_pages_expected(count_total: int, page_size: int) -> int:
    """The most pages a pull of `count_total` studies may take before paging is called endless."""
    return math.ceil((count_total + count_tolerance(count_total)) / page_size) + EXTRA_PAGES_ALLOWED


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


class _RequestContext(threading.local):
    """Which request a thread is retrying, so the retry message can name it."""

    label: str | None = None


_CURRENT_REQUEST = _RequestContext()


def describe_retry_cause(exc: BaseException) -> str:
    """Why an attempt failed, in a few words ('HTTP 503 (Retry-After 4 s)', 'ConnectError: …')."""
    if isinstance(exc, _RetryableError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _log_retry(details: stamina.instrumentation.RetryDetails) -> None:
    """stamina retry hook: say which URL is retried, why, and how long the wait is."""
    label = _CURRENT_REQUEST.label or details.name
    logger.warning(
        "retrying %s in %.1f s (attempt %d failed: %s)",
        label,
        details.wait_for,
        details.retry_num,
        describe_retry_cause(details.caused_by),
    )


# Replaces stamina's default hook, whose bare "stamina.retry_scheduled" line says nothing useful
# to a person; this module is the project's only user of stamina.
stamina.instrumentation.set_on_retry_hooks([_log_retry])


def _request_json(
    client: httpx.Client,
    url: str,
    params: dict[str, str] | None,
    limiter: RateLimiter,
    *,
    path: str,
    page: int | None = None,
    problems: list[DataProblem] | None = None,
    deadline_s: float = REQUEST_DEADLINE_S,
) -> dict[str, Any]:
    """GET one URL with rate limit and retries; return its JSON object or raise FetchError.

    Records inside a page that cannot be parsed on their own (nested too deeply) are left out of
    the page and described in `problems`.
    """
    where = _where(path, page)
    attempts_made = 0
    _CURRENT_REQUEST.label = f"GET {url} ({where})" if page is not None else f"GET {url}"
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
                status, headers, content = _read_response(client, url, params, where, deadline_s)
                body, skipped = _parse_response(status, headers, content, limiter, where=where)
                if problems is not None:
                    problems.extend(skipped)
                return body
    except _RetryableError as exc:
        raise FetchError(
            f"ClinicalTrials.gov request failed for {where} after {attempts_made} attempt(s): {exc}"
        ) from exc
    except httpx.TransportError as exc:
        raise FetchError(
            f"ClinicalTrials.gov request failed for {where} after {attempts_made} attempt(s): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    finally:
        _CURRENT_REQUEST.label = None
    raise AssertionError("unreachable: stamina either returns or re-raises")


def _read_response(
    client: httpx.Client, url: str, params: dict[str, str] | None, where: str, deadline_s: float
) -> tuple[int, httpx.Headers, bytes]:
    """Status, headers and whole body of one GET, within an overall deadline and a size cap."""
    started = time.monotonic()
    # Sent per request so an injected client still identifies us.
    with client.stream("GET", url, params=params, headers={"User-Agent": USER_AGENT}) as response:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            chunks.append(chunk)
            if time.monotonic() - started > deadline_s:
                # Not retried: a server this slow is not going to be quicker a second later.
                raise FetchError(
                    f"ClinicalTrials.gov did not finish answering {where} within {deadline_s:g} s "
                    f"(only {size} bytes arrived); the server is stalled or very slow. Try again later."
                )
            if size > MAX_RESPONSE_BYTES:
                raise FetchError(
                    f"ClinicalTrials.gov sent more than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB for "
                    f"{where}; that is not a page of studies. Check --base-url."
                )
        return response.status_code, response.headers, b"".join(chunks)


def _parse_response(
    status: int, headers: httpx.Headers, content: bytes, limiter: RateLimiter, *, where: str
) -> tuple[dict, list[DataProblem]]:
    """Turn one response into a JSON object, or raise the right error for the retry loop."""
    if status == 403:
        # Not retried: the block is about who we are, not a passing overload.
        raise RegistryBlockedError(
            f"ClinicalTrials.gov refused this client (HTTP 403 for {where}); its bot protection "
            f"blocks some automated clients and networks. {IMPORT_HINT}"
        )
    if status in RETRY_STATUSES:
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if retry_after is not None:
            # The limiter makes the next attempt wait even when stamina's own wait is skipped.
            limiter.defer(retry_after)
        detail = f"HTTP {status}"
        if retry_after is not None:
            detail += f" (Retry-After {retry_after:g} s)"
        raise _RetryableError(detail, retry_after)
    if status != 200:
        # Other 4xx mean our request is wrong (e.g. a bad query); retrying will not help.
        snippet = content[:300].decode("utf-8", errors="replace").strip()
        raise FetchError(f"ClinicalTrials.gov answered HTTP {status} for {where}: {snippet}")
    try:
        body = json.loads(content)
        skipped: list[DataProblem] = []
    except RecursionError:
        body, skipped = _parse_page_record_by_record(content, where)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        # A cut-off body is usually a dropped connection: worth another try, like a 5xx.
        raise _RetryableError(f"invalid or truncated JSON body ({len(content)} bytes): {exc}") from exc
    if not isinstance(body, dict):
        raise _RetryableError(f"expected a JSON object, got {type(body).__name__}")
    return body, skipped


def _parse_page_record_by_record(content: bytes, where: str) -> tuple[dict, list[DataProblem]]:
    """A page too deeply nested for one parse: parse each study alone and skip those that fail."""
    try:
        text = content.decode("utf-8")
        members = split_top_level(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _RetryableError(f"invalid JSON body ({len(content)} bytes): {exc}") from exc
    body: dict[str, Any] = {}
    skipped: list[DataProblem] = []
    for key, value_text in members:
        if key != "studies":
            try:
                body[str(key)] = json.loads(value_text)
            except (RecursionError, json.JSONDecodeError):
                continue
            continue
        studies: list[Any] = []
        for number, (_, item) in enumerate(split_top_level(value_text), 1):
            try:
                studies.append(json.loads(item))
            except (RecursionError, json.JSONDecodeError) as exc:
                why = (
                    "nested too deeply to read"
                    if isinstance(exc, RecursionError)
                    else f"not valid JSON ({exc})"
                )
                skipped.append(
                    DataProblem(
                        reason=why,
                        nct_id=find_nct_id(item),
                        where=f"{where}, study {number}",
                        action="record skipped",
                    )
                )
        body["studies"] = studies
    return body, skipped


def fetch_version(client: httpx.Client, base_url: str, *, limiter: RateLimiter | None = None) -> dict:
    """Return /api/v2/version (apiVersion, dataTimestamp) so a pull records what it saw."""
    limiter = limiter or RateLimiter()
    body = _request_json(client, base_url.rstrip("/") + VERSION_PATH, None, limiter, path=VERSION_PATH)
    return body


def _study_key(study: object) -> object:
    """A study's NCT ID, for counting distinct studies (its identity when it has none)."""
    ident = study.get("protocolSection", {}) if isinstance(study, dict) else {}
    ident = ident.get("identificationModule", {}) if isinstance(ident, dict) else {}
    nct_id = ident.get("nctId") if isinstance(ident, dict) else None
    return nct_id.strip() if isinstance(nct_id, str) else id(study)


def fetch_studies(
    *,
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_pages: int | None = None,
    allow_partial: bool = False,
    on_page: Callable[[int, int, int | None], None] | None = None,
    min_interval_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    deadline_s: float = REQUEST_DEADLINE_S,
) -> FetchResult:
    """Fetch every study matching SEARCH_TERM, page by page; raise FetchError on any failure.

    The first page's totalCount is the contract: a pull that ends short of it (beyond
    `count_tolerance`), pages past `max_pages_expected`, or stops at `max_pages` raises
    IncompletePullError, unless `allow_partial`, which returns it marked `complete: false`.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
    base_url = base_url.rstrip("/")
    own_client = client is None
    if client is None:
        client = httpx.Client(timeout=TIMEOUT, follow_redirects=True)
    limiter = RateLimiter(min_interval_s, sleep=sleep, clock=clock)
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    query = {"format": "json", "query.term": SEARCH_TERM, "pageSize": str(page_size)}
    studies: list[dict] = []
    problems: list[DataProblem] = []
    keys: set[object] = set()
    count_total: int | None = None
    page = 0
    shortfall_reason: str | None = None
    try:
        version = fetch_version(client, base_url, limiter=limiter)
        token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            if max_pages is not None and page >= max_pages:
                shortfall_reason = f"stopped after {page} page(s) (--max-pages {max_pages})"
                break
            page += 1
            params = dict(query)
            if token is None:
                # Counting costs the server extra work; the first page's total is enough.
                params["countTotal"] = "true"
            else:
                params["pageToken"] = token
            body = _request_json(
                client,
                base_url + STUDIES_PATH,
                params,
                limiter,
                path=STUDIES_PATH,
                page=page,
                problems=problems,
                deadline_s=deadline_s,
            )
            page_studies = body.get("studies", [])
            if not isinstance(page_studies, list):
                raise FetchError(
                    f"ClinicalTrials.gov returned a malformed page for "
                    f"{_where(STUDIES_PATH, page)}: 'studies' is {type(page_studies).__name__}"
                )
            if page == 1:
                total = body.get("totalCount")
                if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
                    count_total = total
                elif not allow_partial:
                    raise IncompletePullError(
                        f"ClinicalTrials.gov did not say how many studies match (no totalCount on "
                        f"{_where(STUDIES_PATH, page)}), so the pull cannot be checked for completeness"
                    )
            studies.extend(page_studies)
            keys.update(_study_key(s) for s in page_studies)
            if on_page is not None:
                on_page(page, len(studies), count_total)
            token = body.get("nextPageToken") or None
            if token is None:
                break
            if token in seen_tokens:
                # Guards against a server bug turning paging into an endless loop.
                raise FetchError(f"ClinicalTrials.gov repeated a page token at {_where(STUDIES_PATH, page)}")
            seen_tokens.add(token)
            if count_total is not None:
                limit = max_pages_expected(count_total, page_size)
                received = len(keys) + len(problems)
                if page >= limit or received > count_total + count_tolerance(count_total):
                    # Stop before memory grows without end; this is never a complete pull.
                    raise IncompletePullError(
                        f"ClinicalTrials.gov kept paging: {page} pages and {received} studies for the "
                        f"{count_total} it announced at {page_size} per page (at most {limit} pages "
                        f"expected); stopped at {_where(STUDIES_PATH, page)}"
                    )
    finally:
        if own_client:
            client.close()
    received = len(keys) + len(problems)
    if shortfall_reason is None and count_total is not None:
        tolerance = count_tolerance(count_total)
        if abs(count_total - received) > tolerance:
            shortfall_reason = (
                f"ClinicalTrials.gov announced {count_total} studies but the pull ended at page {page} "
                f"with {received} ({received - count_total:+d}; at most {tolerance} are allowed to "
                f"differ for studies changed during the pull)"
            )
    if shortfall_reason is not None and not allow_partial:
        of_total = f" of {count_total}" if count_total is not None else ""
        raise IncompletePullError(
            f"incomplete pull: {shortfall_reason}; {received}{of_total} studies received. "
            "Nothing was saved or loaded (--allow-partial would keep it, marked incomplete)."
        )
    meta = {
        "source": SOURCE,
        "base_url": base_url,
        "query": query,
        "api_version": version.get("apiVersion"),
        "data_timestamp": version.get("dataTimestamp"),
        "fetched_at": fetched_at,
        "page_count": page,
        # count_total: what the registry announced; record_count: what was kept (set again when
        # saved); received_count: distinct studies received, including those skipped as unreadable.
        "count_total": count_total,
        "record_count": len(studies),
        "received_count": received,
        "count_tolerance": None if count_total is None else count_tolerance(count_total),
        "skipped_count": len(problems),
        "problems": [p.to_dict() for p in problems],
        # False only with allow_partial: such a pull is a sample, never picked up by a later build.
        "complete": shortfall_reason is None and count_total is not None,
        "incomplete_reason": shortfall_reason,
    }
    return FetchResult(studies=studies, meta=meta, problems=problems)


def refresh_raw(*, raw_dir: Path, **fetch_kwargs: Any) -> RawPull:
    """Fetch everything, then save it as a new raw pull; on any failure nothing is written."""
    # Fetch fully in memory first: a failed pull must leave the last good pull as the latest.
    result = fetch_studies(**fetch_kwargs)
    return write_pull(result.studies, result.meta, raw_dir)
