"""AppTest of the dashboard's spine: every page renders, filters change numbers, live in the URL and
survive garbage; the Trials, Trial and Data & methods pages; refresh offline and from a mock registry."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl.load import write_warehouse
from landscape.db import Warehouse, open_warehouse, stamp_file
from landscape.filters import TrialFilters
from landscape.queries.eligibility_options import list_patient_measures
from landscape.queries.options import count_matching_trials, count_option_trials
from landscape.refresh import refresh_from_registry
from landscape.sidebar import widget_key
from tests.fixtures.records import FIXTURE_RECORDS

ROOT = Path(__file__).resolve().parents[1]
# Every page script, overview first (it is the default page).
PAGES = sorted(
    (str(p.relative_to(ROOT)) for p in (ROOT / "pages" / "views").glob("*.py")),
    key=lambda path: (not path.endswith("overview.py"), path),
)
GARBAGE = {
    "colour": "red",
    "start_from": "twenty",
    "start_to": "²",
    "age": "-4",
    "admit.nope": "x",
    "target": "NOT-A-TARGET",
}


@pytest.fixture
def app_env(fixture_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The app pointed at the fixture warehouse, with a registry address that refuses connections."""
    monkeypatch.setenv("LANDSCAPE_DB", str(fixture_db))
    monkeypatch.setenv("LANDSCAPE_REGISTRY_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LANDSCAPE_RAW_DIR", str(tmp_path / "raw"))
    st.cache_data.clear()
    yield fixture_db
    st.cache_data.clear()


def _new_app(params: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at


def _open(page: str, params: dict[str, str | list[str]] | None = None) -> AppTest:
    at = _new_app(params)
    at.run()
    if page != "pages/views/overview.py":
        at.switch_page(page).run()
    return at


def _no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _warnings(at: AppTest) -> str:
    return "\n".join(str(w.value) for w in at.warning)


def _first_target(db: Path) -> tuple[str, int]:
    value, count = count_option_trials(Warehouse(db), TrialFilters(), "targets").row(0)
    return value, count


def _param(at: AppTest, key: str) -> list[str]:
    """A URL parameter's values as a list (AppTest gives a single value as a plain string)."""
    value = at.query_params.get(key)
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _metric(at: AppTest, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_fixture_warehouse(app_env: Path, page: str) -> None:
    at = _open(page)
    _no_exceptions(at)
    assert at.sidebar.multiselect(key=widget_key("targets")) is not None


@pytest.mark.parametrize("page", PAGES)
def test_garbage_parameters_are_survived_with_a_notice(app_env: Path, page: str) -> None:
    at = _new_app(GARBAGE)
    at.run()
    _no_exceptions(at)
    notices = _warnings(at)
    for fragment in ("colour", "start_from", "age", "admit.nope", "NOT-A-TARGET"):
        assert fragment in notices.replace("\\", ""), notices
    if page != "pages/views/overview.py":
        at.switch_page(page).run()
        _no_exceptions(at)
    # The address bar now holds only what was understood.
    assert "colour" not in at.query_params
    assert "target" not in at.query_params


def test_url_parameters_restore_the_filters(app_env: Path) -> None:
    target, count = _first_target(app_env)
    at = _open("pages/views/trials.py", {"target": target, "start_from": "1990", "q": ""})
    _no_exceptions(at)
    assert at.sidebar.multiselect(key=widget_key("targets")).value == [target]
    assert _metric(at, "Trials matching the filters") == f"{count:,}"
    assert _param(at, "target") == [target]


def test_patient_filters_restore_from_the_url_and_narrow_the_list(app_env: Path) -> None:
    wh = Warehouse(app_env)
    measures = list_patient_measures(wh)
    assert measures.height > 0, "the fixture needs trials with eligibility thresholds"
    total = count_matching_trials(wh, TrialFilters())
    # A value far outside any plausible limit leaves only trials that state no limit on the measure.
    measure, value, expected = next(
        (m, v, n)
        for m in measures["measure"].to_list()
        for v in (-1_000_000, 1_000_000)
        if (n := count_matching_trials(wh, TrialFilters(patient_age_years=30.0, patient_values=((m, v),))))
        < total
    )
    at = _open("pages/views/trials.py", {"age": "30", f"admit.{measure}": str(value)})
    _no_exceptions(at)
    assert at.sidebar.number_input(key=widget_key("patient_age_years")).value == 30.0
    assert at.sidebar.multiselect(key=widget_key("measures")).value == [measure]
    assert at.sidebar.number_input(key=widget_key(f"admit.{measure}")).value == value
    assert _metric(at, "Trials matching the filters") == f"{expected:,}"
    assert _param(at, f"admit.{measure}") == [str(value)]


def test_a_filter_change_changes_the_numbers_and_the_url(app_env: Path) -> None:
    total = count_matching_trials(Warehouse(app_env), TrialFilters())
    target, count = _first_target(app_env)
    assert count < total, "the fixture needs a target that not every trial has"
    at = _open("pages/views/trials.py")
    assert _metric(at, "Trials matching the filters") == f"{total:,}"
    at.sidebar.multiselect(key=widget_key("targets")).set_value([target]).run()
    _no_exceptions(at)
    assert _metric(at, "Trials matching the filters") == f"{count:,}"
    assert _param(at, "target") == [target]
    # Option counts in the other filters follow: a status option now counts at most `count` trials.
    status = at.sidebar.multiselect(key=widget_key("status_groups"))
    assert all(int(o.rsplit("(", 1)[1].rstrip(")")) <= count for o in status.options)


def test_switching_pages_keeps_the_filters(app_env: Path) -> None:
    target, count = _first_target(app_env)
    at = _open("pages/views/overview.py")
    at.sidebar.multiselect(key=widget_key("targets")).set_value([target]).run()
    for page in (
        "pages/views/trials.py",
        "pages/views/data_methods.py",
        "pages/views/trial.py",
        "pages/views/trials.py",
    ):
        at.switch_page(page).run()
        _no_exceptions(at)
        assert at.sidebar.multiselect(key=widget_key("targets")).value == [target], page
        assert _param(at, "target") == [target], page
    assert _metric(at, "Trials matching the filters") == f"{count:,}"


def test_reset_clears_every_filter(app_env: Path) -> None:
    target, _ = _first_target(app_env)
    at = _open("pages/views/trials.py", {"target": target, "q": "car", "age": "30"})
    assert at.sidebar.text_input(key=widget_key("search_text")).value == "car"
    at.sidebar.button(key="reset_filters").click().run()
    _no_exceptions(at)
    assert at.sidebar.multiselect(key=widget_key("targets")).value == []
    assert at.sidebar.text_input(key=widget_key("search_text")).value == ""
    assert dict(at.query_params) == {}


def test_search_box_filters_and_survives_sql_metacharacters(app_env: Path) -> None:
    at = _open("pages/views/trials.py")
    at.sidebar.text_input(key=widget_key("search_text")).set_value("'; DROP TABLE trials; --").run()
    _no_exceptions(at)
    assert _metric(at, "Trials matching the filters") == "0"
    at.sidebar.text_input(key=widget_key("search_text")).set_value("").run()
    assert int(_metric(at, "Trials matching the filters")) > 0


def test_trials_page_opens_a_trial_and_keeps_the_filters(app_env: Path) -> None:
    target, count = _first_target(app_env)
    at = _open("pages/views/trials.py", {"target": target})
    box = at.selectbox(key="trials_open")
    nct = box.options[0].split(" ")[0]
    box.set_value(nct).run()
    _no_exceptions(at)
    assert _param(at, "nct") == [nct]
    assert any(nct in str(c.value) for c in at.caption)
    # st.switch_page drops widget state; the sidebar must still hold (and show in the URL) the filter.
    assert _param(at, "target") == [target]
    assert at.sidebar.multiselect(key=widget_key("targets")).value == [target]
    assert any(f"**{count}** of" in str(m.value) for m in at.sidebar.markdown)
    # Coming back to the list does not jump straight to the trial again.
    at.switch_page("pages/views/trials.py").run()
    assert at.selectbox(key="trials_open").value is None
    assert any(m.label == "Trials matching the filters" for m in at.metric)


def test_trial_page_shows_one_trial_as_plain_text(app_env: Path) -> None:
    at = _open("pages/views/trial.py", {"nct": "NCT09000008"})
    _no_exceptions(at)
    title = at.title[0].value
    # The registry title's markdown characters arrive escaped, so they print as written.
    assert "Anti\\-CD19 CAR\\-T in Multiple Sclerosis \\(with" in title
    headers = [h.value for h in at.subheader]
    for section in ("Identification", "Status and dates", "Interventions", "Eligibility", "Sites"):
        assert section in headers
    cells = [str(cell) for df in at.dataframe for cell in df.value.to_numpy().ravel()]
    assert any(cell.startswith("=HYPERLINK") for cell in cells)


def test_trial_page_with_a_bad_or_unknown_id(app_env: Path) -> None:
    at = _open("pages/views/trial.py", {"nct": "<script>alert(1)</script>"})
    _no_exceptions(at)
    assert "is not an NCT ID" in _warnings(at)
    at = _open("pages/views/trial.py", {"nct": "NCT99999999"})
    _no_exceptions(at)
    assert "not in the data" in _warnings(at)
    assert at.selectbox(key="trial_pick") is not None


def test_trial_page_without_an_id_offers_a_picker(app_env: Path) -> None:
    at = _open("pages/views/trial.py")
    _no_exceptions(at)
    pick = at.selectbox(key="trial_pick")
    nct = pick.options[0].split(" ")[0]
    pick.set_value(nct).run()
    _no_exceptions(at)
    assert _param(at, "nct") == [nct]
    assert any(nct in str(c.value) for c in at.caption)


def test_trials_page_offers_the_exports(app_env: Path) -> None:
    at = _open("pages/views/trials.py", {"status": "open"})
    _no_exceptions(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download Parquet", "Download about.txt"]
    names = " ".join(str(c.value) for c in at.caption if "File names" in str(c.value))
    assert "_status-open.csv" in names, names


def test_data_page_describes_source_ledger_and_tables(app_env: Path) -> None:
    at = _open("pages/views/data_methods.py")
    _no_exceptions(at)
    headers = [h.value for h in at.subheader]
    assert "Where the data came from" in headers
    assert "What was kept, and why" in headers
    tables = at.dataframe[1].value if len(at.dataframe) > 1 else at.dataframe[0].value
    assert "trials" in set(tables["table"])


def test_refresh_offline_fails_clearly_and_keeps_the_data(app_env: Path) -> None:
    before = stamp_file(app_env)
    at = _open("pages/views/data_methods.py")
    at.button(key="refresh_registry").click().run()
    _no_exceptions(at)
    errors = " ".join(str(e.value) for e in at.error)
    assert "Could not reach ClinicalTrials.gov" in errors
    assert "current data stays in place" in errors
    assert stamp_file(app_env) == before


def _mock_registry(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/version"):
        return httpx.Response(200, json={"apiVersion": "2.0.9", "dataTimestamp": "2026-11-20T09:00:00"})
    return httpx.Response(200, json={"studies": FIXTURE_RECORDS, "totalCount": len(FIXTURE_RECORDS)})


def test_refresh_against_a_mock_registry_swaps_in_a_new_database(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    steps: list[tuple[float, str]] = []
    outcome = refresh_from_registry(
        lambda f, t: steps.append((f, t)),
        db_path=db,
        raw_dir=tmp_path / "raw",
        base_url="https://registry.test",
        transport=httpx.MockTransport(_mock_registry),
    )
    assert outcome.ok, outcome.message
    assert steps[-1][0] == 1.0
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)
    refresh = (
        Warehouse(db)
        .query("SELECT data_timestamp, record_count FROM refreshes ORDER BY refresh_id DESC")
        .row(0)
    )
    assert refresh == ("2026-11-20T09:00:00", len(FIXTURE_RECORDS))
    meta = json.loads(next((tmp_path / "raw").glob("*/meta.json")).read_text())
    assert meta["api_version"] == "2.0.9"


def test_refresh_with_an_empty_answer_keeps_the_database(fixture_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(fixture_db.read_bytes())
    before = stamp_file(db)

    def empty(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"apiVersion": "2", "dataTimestamp": "2026-11-20"})
        return httpx.Response(200, json={"studies": [], "totalCount": 0})

    outcome = refresh_from_registry(
        lambda f, t: None,
        db_path=db,
        raw_dir=tmp_path / "raw",
        base_url="https://r.test",
        transport=httpx.MockTransport(empty),
    )
    assert not outcome.ok
    assert "current data stays in place" in outcome.message
    assert stamp_file(db) == before


class _RegistryHandler(BaseHTTPRequestHandler):
    """A stand-in for the ClinicalTrials.gov API v2: the version endpoint and one page of studies."""

    def do_GET(self) -> None:
        if self.path.startswith("/api/v2/version"):
            body = {"apiVersion": "2.0.9", "dataTimestamp": "2026-11-21T08:00:00"}
        else:
            body = {"studies": FIXTURE_RECORDS[:5], "totalCount": 5}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


def test_refresh_button_swaps_in_new_data(
    fixture_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "served.duckdb"
    db.write_bytes(fixture_db.read_bytes())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RegistryHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("LANDSCAPE_DB", str(db))
    monkeypatch.setenv("LANDSCAPE_REGISTRY_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("LANDSCAPE_RAW_DIR", str(tmp_path / "raw"))
    st.cache_data.clear()
    try:
        at = _open("pages/views/data_methods.py")
        assert _metric(at, "Data timestamp") != "2026-11-21T08:00:00"
        at.button(key="refresh_registry").click().run()
        _no_exceptions(at)
        assert not at.error, [e.value for e in at.error]
        assert "Refreshed" in " ".join(str(s.value) for s in at.success)
        assert _metric(at, "Data timestamp") == "2026-11-21T08:00:00"
        assert _metric(at, "Trials in the database") == "5"
    finally:
        server.shutdown()
        st.cache_data.clear()


def test_open_warehouse_sees_a_swapped_in_file_and_stays_read_only(tmp_path: Path) -> None:
    db = tmp_path / "swap.duckdb"
    write_warehouse({"refreshes": pl.DataFrame({"refresh_id": [1]})}, db)
    first = open_warehouse(db)
    assert first.query("SELECT max(refresh_id) AS n FROM refreshes").item() == 1
    # The ETL swaps a new file in while the app still holds the old one open.
    write_warehouse({"refreshes": pl.DataFrame({"refresh_id": [1, 2]})}, db)
    second = open_warehouse(db)
    assert second is not first
    assert second.query("SELECT max(refresh_id) AS n FROM refreshes").item() == 2
    assert first.query("SELECT max(refresh_id) AS n FROM refreshes").item() == 1
    assert open_warehouse(db) is second
    with pytest.raises(Exception, match="read-only"):
        second.query("CREATE TABLE warehouse.x AS SELECT 1")
