"""Tests for the ClinicalTrials.gov API v2 client, with httpx.MockTransport and a fake clock."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import stamina

from etl.extract import ctgov
from etl.extract.ctgov import (
    DEFAULT_BASE_URL,
    SEARCH_TERM,
    USER_AGENT,
    FetchError,
    IncompletePullError,
    RegistryBlockedError,
    fetch_studies,
    fetch_version,
    refresh_raw,
)
from etl.raw_store import find_latest_pull

VERSION = {"apiVersion": "2.0.5", "dataTimestamp": "2025-01-02T09:00:00"}
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(autouse=True)
def _stamina_testing() -> Iterator[None]:
    # No real backoff sleeps, and a small fixed number of attempts, undone after each test.
    with stamina.set_testing(True, attempts=3):
        yield


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def study(nct: str) -> dict:
    return {"protocolSection": {"identificationModule": {"nctId": nct}}, "hasResults": False}


class Registry:
    """A scripted fake API: /version always answers; /studies pops scripted responses."""

    def __init__(self, clock: FakeClock, studies_script: list[Handler | httpx.Response]) -> None:
        self.clock = clock
        self.script = list(studies_script)
        self.requests: list[httpx.Request] = []
        self.request_times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.request_times.append(self.clock.now)
        if request.url.path == "/api/v2/version":
            return httpx.Response(200, json=VERSION)
        assert request.url.path == "/api/v2/studies"
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return step(request) if callable(step) else step

    @property
    def study_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/api/v2/studies"]

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def page(studies: list[dict], token: str | None = None, total: int | None = None) -> httpx.Response:
    body: dict = {"studies": studies}
    if token is not None:
        body["nextPageToken"] = token
    if total is not None:
        body["totalCount"] = total
    return httpx.Response(200, json=body)


def run(registry: Registry, **kwargs: object) -> ctgov.FetchResult:
    return fetch_studies(
        client=registry.client(),
        base_url="https://ctgov.test",
        sleep=registry.clock.sleep,
        clock=registry.clock,
        **kwargs,  # type: ignore[arg-type]
    )


def three_pages() -> list[Handler | httpx.Response]:
    # The middle page is empty on purpose: the API may return one and paging must go on.
    return [
        page([study("NCT1"), study("NCT2")], token="tok-a", total=3),
        page([], token="tok-b"),
        page([study("NCT3")]),
    ]


def test_pages_repeat_parameters_and_add_page_token() -> None:
    clock = FakeClock()
    registry = Registry(clock, three_pages())
    progress: list[tuple[int, int, int | None]] = []

    result = run(registry, page_size=2, on_page=lambda *a: progress.append(a))

    assert [s["protocolSection"]["identificationModule"]["nctId"] for s in result.studies] == [
        "NCT1",
        "NCT2",
        "NCT3",
    ]
    params = [dict(r.url.params) for r in registry.study_requests]
    assert len(params) == 3
    for p in params:
        assert p["format"] == "json"
        assert p["query.term"] == SEARCH_TERM
        assert p["pageSize"] == "2"
        assert "query.cond" not in p  # no condition restriction
    assert "pageToken" not in params[0]
    assert params[1]["pageToken"] == "tok-a"
    assert params[2]["pageToken"] == "tok-b"
    assert params[0]["countTotal"] == "true"
    assert "countTotal" not in params[1] and "countTotal" not in params[2]
    assert progress == [(1, 2, 3), (2, 2, 3), (3, 3, 3)]
    assert result.meta["page_count"] == 3
    assert result.meta["count_total"] == 3
    assert result.meta["record_count"] == 3
    assert result.meta["complete"] is True


def test_studies_are_kept_exactly_as_returned() -> None:
    odd = {"protocolSection": {"x": [1, None, {"y": "ü"}]}, "derivedSection": {}, "extra": 1.5}
    registry = Registry(FakeClock(), [page([odd], total=1)])
    assert run(registry).studies == [odd]


def test_meta_records_version_source_and_query() -> None:
    registry = Registry(FakeClock(), [page([study("NCT1")], total=1)])
    result = run(registry)
    meta = result.meta
    assert meta["source"] == "ClinicalTrials.gov API v2"
    assert meta["base_url"] == "https://ctgov.test"
    assert meta["api_version"] == "2.0.5"
    assert meta["data_timestamp"] == "2025-01-02T09:00:00"
    assert meta["query"]["query.term"] == SEARCH_TERM
    assert datetime.fromisoformat(meta["fetched_at"]).tzinfo is not None
    # The version is fetched exactly once per pull, before the studies.
    paths = [r.url.path for r in registry.requests]
    assert paths == ["/api/v2/version", "/api/v2/studies"]


def test_user_agent_is_descriptive_on_every_request() -> None:
    registry = Registry(FakeClock(), three_pages())
    run(registry)
    agents = {r.headers.get("user-agent") for r in registry.requests}
    assert agents == {USER_AGENT}
    assert USER_AGENT.startswith("car-autoimmune-landscape/")


def test_requests_are_spaced_by_rate_limit() -> None:
    clock = FakeClock()
    registry = Registry(clock, three_pages())
    run(registry, min_interval_s=1.0)
    gaps = [b - a for a, b in zip(registry.request_times, registry.request_times[1:], strict=False)]
    assert len(gaps) == 3  # version + 3 pages
    assert all(gap >= 1.0 for gap in gaps)
    assert clock.sleeps and all(s > 0 for s in clock.sleeps)


def test_max_pages_stops_early_and_marks_pull_incomplete() -> None:
    registry = Registry(FakeClock(), three_pages())
    result = run(registry, max_pages=1, allow_partial=True)
    assert len(registry.study_requests) == 1
    assert result.meta["page_count"] == 1
    assert result.meta["complete"] is False
    assert (result.meta["count_total"], result.meta["record_count"]) == (3, 2)


def test_max_pages_without_allow_partial_is_an_incomplete_pull() -> None:
    registry = Registry(FakeClock(), three_pages())
    with pytest.raises(IncompletePullError, match=r"--max-pages 1.*2 of 3 studies"):
        run(registry, max_pages=1)


def test_429_honours_retry_after_then_succeeds() -> None:
    clock = FakeClock()
    registry = Registry(
        clock,
        [httpx.Response(429, headers={"Retry-After": "7"}), page([study("NCT1")], total=1)],
    )
    result = run(registry)
    assert len(result.studies) == 1
    assert len(registry.study_requests) == 2
    # The retried request happened no sooner than Retry-After after the 429.
    t_429, t_retry = registry.request_times[-2], registry.request_times[-1]
    assert t_retry - t_429 == pytest.approx(7.0)
    assert pytest.approx(7.0) in clock.sleeps


def test_retry_after_is_handed_to_stamina_as_the_backoff() -> None:
    # Outside test mode stamina sleeps exactly what the hook returns.
    exc = ctgov._RetryableError("HTTP 429", retry_after=7.0)
    assert ctgov._backoff_hook(exc) == 7.0
    assert ctgov._backoff_hook(ctgov._RetryableError("HTTP 503")) is True
    assert ctgov._backoff_hook(httpx.ReadTimeout("slow")) is True
    assert ctgov._backoff_hook(RegistryBlockedError("no")) is False
    # An absurd wait is not honoured by hanging; the pull fails and says so.
    assert ctgov._backoff_hook(ctgov._RetryableError("HTTP 429", retry_after=3600.0)) is False


def test_parse_retry_after_forms() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert ctgov.parse_retry_after("12", now=now) == 12.0
    assert ctgov.parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert ctgov.parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0
    assert ctgov.parse_retry_after(None) is None
    assert ctgov.parse_retry_after("soon") is None


def test_long_retry_after_fails_clearly_without_waiting() -> None:
    clock = FakeClock()
    registry = Registry(clock, [httpx.Response(429, headers={"Retry-After": "3600"})])
    with pytest.raises(FetchError, match=r"HTTP 429.*Retry-After 3600"):
        run(registry)
    assert len(registry.study_requests) == 1
    assert max(clock.sleeps, default=0) < 3600


def test_500_then_success() -> None:
    registry = Registry(FakeClock(), [httpx.Response(500), page([study("NCT1")], total=1)])
    result = run(registry)
    assert result.meta["record_count"] == 1
    assert len(registry.study_requests) == 2


def test_500_on_later_page_is_retried_with_same_token() -> None:
    registry = Registry(
        FakeClock(),
        [page([study("NCT1")], token="t1", total=2), httpx.Response(503), page([study("NCT2")])],
    )
    result = run(registry)
    assert result.meta["record_count"] == 2
    tokens = [r.url.params.get("pageToken") for r in registry.study_requests]
    assert tokens == [None, "t1", "t1"]


def test_persistent_500_fails_with_status_path_and_page() -> None:
    registry = Registry(FakeClock(), [httpx.Response(502)])
    with pytest.raises(FetchError, match=r"/api/v2/studies \(page 1\) after 3 attempt.*HTTP 502"):
        run(registry)
    assert len(registry.study_requests) == 3


def test_timeout_then_success() -> None:
    calls = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ReadTimeout("read timed out", request=request)
        return page([study("NCT1")], total=1)

    registry = Registry(FakeClock(), [flaky])
    result = run(registry)
    assert calls["n"] == 2
    assert result.meta["record_count"] == 1


def test_always_timeout_raises_fetch_error() -> None:
    def stuck(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    registry = Registry(FakeClock(), [stuck])
    with pytest.raises(FetchError, match=r"ReadTimeout") as info:
        run(registry)
    assert not isinstance(info.value, RegistryBlockedError)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert len(registry.study_requests) == 3


def test_truncated_json_is_retried_then_fails() -> None:
    truncated = httpx.Response(200, content=b'{"studies": [{"protocolSection": {"ide')
    registry = Registry(FakeClock(), [truncated])
    with pytest.raises(FetchError, match=r"page 1.*invalid or truncated JSON"):
        run(registry)
    assert len(registry.study_requests) == 3


def test_truncated_json_then_good_body_succeeds() -> None:
    registry = Registry(FakeClock(), [httpx.Response(200, content=b'{"stud'), page([study("NCT9")], total=1)])
    assert run(registry).meta["record_count"] == 1


def test_403_raises_registry_blocked_with_import_hint_and_no_retry() -> None:
    registry = Registry(FakeClock(), [httpx.Response(403, text="<html>Access denied</html>")])
    with pytest.raises(RegistryBlockedError) as info:
        run(registry)
    message = str(info.value)
    assert "refused this client" in message
    assert "bot protection" in message
    assert "JSON" in message
    assert "python -m etl import PATH" in message
    assert isinstance(info.value, FetchError)
    assert len(registry.study_requests) == 1


def test_403_on_version_is_also_blocked() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(RegistryBlockedError, match="/api/v2/version"):
        fetch_version(client, "https://ctgov.test")


def test_other_4xx_fails_at_once_with_server_message() -> None:
    registry = Registry(FakeClock(), [httpx.Response(400, text="unknown parameter query.foo")])
    with pytest.raises(FetchError, match=r"HTTP 400 for /api/v2/studies \(page 1\).*query.foo"):
        run(registry)
    assert len(registry.study_requests) == 1


def test_repeated_page_token_is_an_error_not_an_endless_loop() -> None:
    registry = Registry(FakeClock(), [page([study("NCT1")], token="same", total=9)])
    with pytest.raises(FetchError, match="repeated a page token"):
        run(registry)
    assert len(registry.study_requests) == 2


def test_fetch_version_returns_both_fields() -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=VERSION)))
    assert fetch_version(client, "https://ctgov.test/") == VERSION


def test_defaults_and_search_term_shape() -> None:
    assert DEFAULT_BASE_URL == "https://clinicaltrials.gov"
    for needle in ('"CAR-T"', '"chimeric antigen receptor"', '"KYV-101"', '"CAAR-T"'):
        assert needle in SEARCH_TERM
    assert len(SEARCH_TERM) < 600  # repeated on every page URL
    with pytest.raises(ValueError):
        fetch_studies(page_size=5000, client=Registry(FakeClock(), [page([])]).client())


def test_refresh_raw_success_writes_new_pull_with_meta(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    registry = Registry(FakeClock(), three_pages())
    pull = refresh_raw(
        raw_dir=raw_dir,
        client=registry.client(),
        base_url="https://ctgov.test",
        sleep=registry.clock.sleep,
        clock=registry.clock,
    )
    latest = find_latest_pull(raw_dir)
    assert latest is not None and latest.folder == pull.folder
    assert latest.meta["record_count"] == 3
    assert latest.meta["api_version"] == "2.0.5"
    assert latest.meta["data_timestamp"] == "2025-01-02T09:00:00"
    assert latest.meta["page_count"] == 3
    assert latest.meta["count_total"] == 3
    assert latest.meta["source"] == "ClinicalTrials.gov API v2"
    with gzip.open(latest.studies_path, "rt", encoding="utf-8") as fh:
        saved = [json.loads(line) for line in fh]
    assert saved == [study("NCT1"), study("NCT2"), study("NCT3")]


def test_refresh_raw_failure_keeps_previous_pull_latest(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    good = Registry(FakeClock(), [page([study("NCT1")], total=1)])
    first = refresh_raw(
        raw_dir=raw_dir, client=good.client(), base_url="https://x.test", sleep=good.clock.sleep
    )
    # Second pull dies on page 2 after page 1 succeeded: nothing partial may be saved.
    bad = Registry(FakeClock(), [page([study("NCT1")], token="t", total=2), httpx.Response(500)])
    with pytest.raises(FetchError, match="page 2"):
        refresh_raw(raw_dir=raw_dir, client=bad.client(), base_url="https://x.test", sleep=bad.clock.sleep)
    latest = find_latest_pull(raw_dir)
    assert latest is not None and latest.folder == first.folder
    assert [p.name for p in raw_dir.iterdir()] == [first.folder.name]

    # A later good pull becomes the latest.
    again = Registry(FakeClock(), three_pages())
    second = refresh_raw(
        raw_dir=raw_dir, client=again.client(), base_url="https://x.test", sleep=again.clock.sleep
    )
    latest = find_latest_pull(raw_dir)
    assert latest is not None and latest.folder == second.folder != first.folder
    assert latest.meta["record_count"] == 3


def test_refresh_raw_blocked_writes_nothing(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    registry = Registry(FakeClock(), [httpx.Response(403)])
    with pytest.raises(RegistryBlockedError):
        refresh_raw(raw_dir=raw_dir, client=registry.client(), sleep=registry.clock.sleep)
    assert find_latest_pull(raw_dir) is None
    assert not raw_dir.exists() or not any(raw_dir.iterdir())


def test_outside_test_mode_stamina_waits_retry_after_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Production path: stamina itself sleeps the Retry-After; the limiter must not wait it again.
    import tenacity.nap

    clock = FakeClock()
    stamina_sleeps: list[float] = []

    def tenacity_sleep(seconds: float) -> None:
        stamina_sleeps.append(seconds)
        clock.now += seconds

    monkeypatch.setattr(tenacity.nap.time, "sleep", tenacity_sleep)
    registry = Registry(
        clock,
        [httpx.Response(429, headers={"Retry-After": "4"}), page([study("NCT1")], total=1)],
    )
    with stamina.set_testing(False):
        result = run(registry)
    assert result.meta["record_count"] == 1
    assert stamina_sleeps == [4.0]
    assert registry.request_times[-1] - registry.request_times[-2] == pytest.approx(4.0)
    assert all(s < 4.0 for s in clock.sleeps)  # the limiter added no second 4 s wait


# --- Completeness: the first page's totalCount is the contract --------------------------------


def studies_range(start: int, count: int) -> list[dict]:
    return [study(f"NCT{n:08d}") for n in range(start, start + count)]


def test_empty_page_with_token_then_early_end_is_incomplete() -> None:
    # 50 + 0 (with a token) + 20 = 70 of 120: it used to be saved as complete.
    registry = Registry(
        FakeClock(),
        [
            page(studies_range(1, 50), token="a", total=120),
            page([], token="b"),
            page(studies_range(51, 20)),
        ],
    )
    with pytest.raises(IncompletePullError, match=r"announced 120 studies.*with 70") as info:
        run(registry, page_size=50)
    assert "Nothing was saved or loaded" in str(info.value)


def test_short_middle_page_is_incomplete() -> None:
    registry = Registry(
        FakeClock(),
        [
            page(studies_range(1, 50), token="a", total=120),
            page(studies_range(51, 25), token="b"),
            page([]),
        ],
    )
    with pytest.raises(IncompletePullError, match="with 75"):
        run(registry, page_size=50)


def test_paging_that_stops_early_is_incomplete() -> None:
    registry = Registry(
        FakeClock(), [page(studies_range(1, 50), token="a", total=120), page(studies_range(51, 50))]
    )
    with pytest.raises(IncompletePullError, match="with 100"):
        run(registry, page_size=50)


def test_small_difference_from_total_is_tolerated_and_recorded() -> None:
    # One study withdrawn while paging: within the stated tolerance (2 or 0.5%).
    registry = Registry(
        FakeClock(),
        [
            page(studies_range(1, 50), token="a", total=120),
            page(studies_range(51, 50), token="b"),
            page(studies_range(101, 19)),
        ],
    )
    result = run(registry, page_size=50)
    assert result.complete
    assert (result.meta["count_total"], result.meta["record_count"]) == (120, 119)
    assert result.meta["count_tolerance"] == ctgov.count_tolerance(120) == 2


def test_refresh_raw_incomplete_pull_writes_nothing(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    registry = Registry(
        FakeClock(), [page(studies_range(1, 50), token="a", total=120), page(studies_range(51, 20))]
    )
    with pytest.raises(IncompletePullError):
        refresh_raw(raw_dir=raw_dir, client=registry.client(), page_size=50, sleep=registry.clock.sleep)
    assert find_latest_pull(raw_dir) is None
    assert not raw_dir.exists() or not any(raw_dir.iterdir())


def test_refresh_raw_allow_partial_saves_truthful_meta_that_build_skips(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    registry = Registry(
        FakeClock(), [page(studies_range(1, 50), token="a", total=120), page(studies_range(51, 20))]
    )
    pull = refresh_raw(
        raw_dir=raw_dir,
        client=registry.client(),
        page_size=50,
        sleep=registry.clock.sleep,
        allow_partial=True,
    )
    meta = json.loads((pull.folder / "meta.json").read_text())
    assert (meta["count_total"], meta["record_count"], meta["complete"]) == (120, 70, False)
    # An incomplete pull is never what a later plain build picks up.
    assert find_latest_pull(raw_dir) is None


def test_endless_page_tokens_stop_at_the_expected_page_count() -> None:
    counter = {"n": 0}

    def endless(request: httpx.Request) -> httpx.Response:
        counter["n"] += 1
        first = 1 + 50 * (counter["n"] - 1)
        return page(studies_range(first, 50), token=f"t{counter['n']}", total=120)

    registry = Registry(FakeClock(), [endless])
    with pytest.raises(IncompletePullError, match="kept paging"):
        run(registry, page_size=50)
    # ceil((120 + 2) / 50) + 2 = 5 pages at most, never thousands of records.
    assert len(registry.study_requests) <= ctgov.max_pages_expected(120, 50) == 5


def test_missing_total_count_cannot_be_checked() -> None:
    registry = Registry(FakeClock(), [page([study("NCT00000001")])])
    with pytest.raises(IncompletePullError, match="no totalCount"):
        run(registry)


def test_record_nested_too_deeply_is_skipped_with_its_nct_id() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    good = json.dumps(study("NCT00000001"))
    bad = '{"protocolSection": {"identificationModule": {"nctId": "NCT00000002"}}, "x": ' + deep + "}"
    body = '{"studies": [' + good + ", " + bad + '], "totalCount": 2}'
    registry = Registry(FakeClock(), [httpx.Response(200, content=body.encode())])
    result = run(registry)
    assert [s["protocolSection"]["identificationModule"]["nctId"] for s in result.studies] == ["NCT00000001"]
    assert result.complete  # the registry sent both; one could not be read, and that is reported
    assert [(p.nct_id, p.action) for p in result.problems] == [("NCT00000002", "record skipped")]
    assert "nested too deeply" in result.problems[0].reason
    assert result.meta["problems"][0]["nct_id"] == "NCT00000002"


# --- Retry messages and the per-request deadline ----------------------------------------------


def test_retry_message_names_url_reason_and_wait(caplog: pytest.LogCaptureFixture) -> None:
    registry = Registry(FakeClock(), [httpx.Response(503), page([study("NCT1")], total=1)])
    with caplog.at_level("WARNING"):
        run(registry)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1, messages
    assert "GET https://ctgov.test/api/v2/studies (/api/v2/studies (page 1))" in messages[0]
    assert "HTTP 503" in messages[0]
    assert re_search(r"retrying .* in \d+\.\d s \(attempt 1 failed", messages[0])
    assert not [r for r in caplog.records if r.name == "stamina"]


def re_search(pattern: str, text: str) -> bool:
    import re

    return re.search(pattern, text) is not None


def test_dribbling_server_fails_within_the_deadline() -> None:
    import socket
    import threading
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(10)
    port = server.getsockname()[1]

    def serve() -> None:
        # Bounded: at most two connections, each dribbling for at most 6 s.
        for _ in range(2):
            try:
                conn, _addr = server.accept()
            except OSError:
                return
            with conn:
                request = conn.recv(65536).decode("latin-1")
                if "/api/v2/version" in request:
                    payload = json.dumps(VERSION).encode()
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                        + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                        + payload
                    )
                    continue
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{")
                deadline = time.monotonic() + 6
                try:
                    while time.monotonic() < deadline:
                        time.sleep(0.2)
                        conn.sendall(b" ")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match=r"did not finish answering .* within 1 s"):
            fetch_studies(
                base_url=f"http://127.0.0.1:{port}",
                client=httpx.Client(timeout=5.0),
                min_interval_s=0.0,
                deadline_s=1.0,
            )
    finally:
        elapsed = time.monotonic() - started
        server.close()
        thread.join(timeout=8)
    # Bounded by the 1 s deadline, not by the server's dribble (it would run for minutes); the
    # margin is for a busy machine.
    assert elapsed < 10
