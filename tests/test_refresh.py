"""One refresh (etl/refresh.py) for the CLI and the app, against httpx.MockTransport: the same steps and
the same timeouts from both, and a failed refresh changes nothing."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import stamina

from etl import refresh
from etl.cli import main
from etl.extract.ctgov import TIMEOUT
from etl.raw_store import find_latest_pull
from landscape.db import Warehouse, stamp_file
from landscape.refresh import refresh_from_registry
from tests.fixtures.records import FIXTURE_RECORDS

Handler = Callable[[httpx.Request], httpx.Response]
MAKE_CLIENT = refresh.make_registry_client


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


class MockRegistry:
    """The API v2 endpoints a refresh uses, recording each request's path and timeouts."""

    def __init__(self, studies: list[dict] | None = None, status: int = 200) -> None:
        self.studies = FIXTURE_RECORDS if studies is None else studies
        self.status = status
        self.seen: list[tuple[str, dict]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.url.path, dict(request.extensions["timeout"])))
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"apiVersion": "2.0.9", "dataTimestamp": "2026-11-20T09:00:00"})
        if self.status != 200:
            return httpx.Response(self.status, text="refused")
        return httpx.Response(200, json={"studies": self.studies, "totalCount": len(self.studies)})

    def study_timeouts(self) -> list[dict]:
        return [timeout for path, timeout in self.seen if path.endswith("/studies")]


def _route_registry_through(monkeypatch: pytest.MonkeyPatch, registry: MockRegistry) -> list[str]:
    """Every refresh client talks to `registry` (timeouts unchanged); returns who called run_refresh."""
    monkeypatch.setattr(
        refresh, "make_registry_client", lambda transport=None: MAKE_CLIENT(httpx.MockTransport(registry))
    )
    callers: list[str] = []
    real = refresh.run_refresh

    def spy(**kwargs: object) -> refresh.RefreshResult:
        callers.append("run_refresh")
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(refresh, "run_refresh", spy)
    return callers


def test_run_refresh_pulls_keeps_and_builds(tmp_path: Path) -> None:
    registry = MockRegistry()
    result = refresh.run_refresh(
        db_path=tmp_path / "w.duckdb",
        raw_dir=tmp_path / "raw",
        base_url="https://registry.test",
        transport=httpx.MockTransport(registry),
    )
    assert result.summary.record_count == len(FIXTURE_RECORDS)
    assert find_latest_pull(tmp_path / "raw") is not None
    stored = (
        Warehouse(tmp_path / "w.duckdb")
        .query("SELECT data_timestamp FROM refreshes ORDER BY refresh_id DESC LIMIT 1")
        .item()
    )
    assert stored == "2026-11-20T09:00:00"
    assert registry.study_timeouts() == [{"connect": 10.0, "read": 60.0, "write": 60.0, "pool": 60.0}]
    assert registry.study_timeouts()[0]["read"] == TIMEOUT.read


def test_the_cli_and_the_app_run_the_same_refresh_with_the_same_timeouts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app's refresh module binds run_refresh at import: point it at the spy too.
    import landscape.refresh as app_refresh

    cli_registry, app_registry = MockRegistry(), MockRegistry()
    callers = _route_registry_through(monkeypatch, cli_registry)
    code = main(
        [
            "refresh",
            "--db",
            str(tmp_path / "cli.duckdb"),
            "--raw-dir",
            str(tmp_path / "raw"),
            "--base-url",
            "https://r.test",
        ],
        out=io.StringIO(),
    )
    assert code == 0
    callers += _route_registry_through(monkeypatch, app_registry)
    monkeypatch.setattr(app_refresh, "run_refresh", refresh.run_refresh)
    outcome = refresh_from_registry(
        lambda fraction, text: None,
        db_path=tmp_path / "app.duckdb",
        raw_dir=tmp_path / "raw",
        base_url="https://r.test",
    )
    assert outcome.ok, outcome.message
    assert callers == ["run_refresh", "run_refresh"]
    assert [p for p, _ in cli_registry.seen] == [p for p, _ in app_registry.seen], cli_registry.seen
    assert cli_registry.seen == app_registry.seen  # same requests, same timeouts (not httpx's 5 s default)
    assert all(t["read"] == 60.0 for t in app_registry.study_timeouts())


@pytest.mark.parametrize(("studies", "status", "reason"), [([], 200, "no studies"), (None, 403, "refused")])
def test_a_failed_refresh_changes_nothing(
    fixture_db: Path, tmp_path: Path, studies: list | None, status: int, reason: str
) -> None:
    db = tmp_path / "served.duckdb"
    db.write_bytes(fixture_db.read_bytes())
    before = stamp_file(db)
    registry = MockRegistry(studies, status)
    with pytest.raises(refresh.RefreshError, match=reason):
        refresh.run_refresh(
            db_path=db,
            raw_dir=tmp_path / "raw",
            base_url="https://r.test",
            transport=httpx.MockTransport(registry),
        )
    assert stamp_file(db) == before
    assert find_latest_pull(tmp_path / "raw") is None
    outcome = refresh_from_registry(
        lambda fraction, text: None,
        db_path=db,
        raw_dir=tmp_path / "raw",
        base_url="https://r.test",
        transport=httpx.MockTransport(registry),
    )
    assert not outcome.ok and outcome.message.endswith(refresh.KEPT)
    assert stamp_file(db) == before
