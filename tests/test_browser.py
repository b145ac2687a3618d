"""End to end in headless Chromium against `streamlit run`: filter, open a trial, export, reload a link.

Screenshots go to test-artifacts/ (kept by CI as artifacts).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.options import count_matching_trials, count_option_trials, read_start_year_bounds
from landscape.queries.where import read_filtered
from tests.browser_support import ARTIFACTS, CHROMIUM_ARGS, require_chromium, serve_app

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
# A first page load draws several Plotly charts in software-rendered Chromium: it can take 5-9 s on a
# busy CI machine, longer than Playwright's 5 s default for `expect`.
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def server(fixture_db: Path) -> Iterator[str]:
    require_chromium()
    with serve_app(fixture_db, ARTIFACTS / "streamlit-server.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    # The first request of a fresh server goes to the main page: see test_first_request_to_a_subpage.
    new_page.goto(server + "/")
    try:
        _sidebar_ready(new_page)
    except AssertionError:
        _shot(new_page, "00-sidebar-missing")
        raise
    yield new_page
    context.close()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sidebar_ready(page: Page) -> None:
    expect(page.get_by_role("combobox", name="Target antigen")).to_be_visible()


def _wait_for_charts(page: Page) -> None:
    """Until the script has finished and every Plotly chart on the page has drawn its SVG."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
        ".every(chart => chart.querySelector('.main-svg'))"
    )


def _trial_count(page: Page) -> Page:
    return (
        page.get_by_test_id("stMetric")
        .filter(has_text="Trials matching the filters")
        .get_by_test_id("stMetricValue")
    )


def _first_target(db: Path) -> tuple[str, int]:
    value, count = count_option_trials(Warehouse(db), TrialFilters(), "targets").row(0)
    return value, count


def _choose_target(page: Page, target: str, count: int) -> None:
    page.get_by_role("combobox", name="Target antigen").click()
    page.get_by_role("option", name=f"{target} ({count})", exact=True).click()
    page.keyboard.press("Escape")


def test_filter_trial_page_export_and_shared_link(page: Page, server: str, fixture_db: Path) -> None:
    wh = Warehouse(fixture_db)
    total = count_matching_trials(wh, TrialFilters())
    target, count = _first_target(fixture_db)

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Trials", exact=True).click()
    expect(_trial_count(page)).to_have_text(str(total))
    _shot(page, "01-trials-unfiltered")

    # A sidebar filter changes the count, the address bar and the option counts.
    _choose_target(page, target, count)
    expect(_trial_count(page)).to_have_text(str(count))
    expect(page).to_have_url(f"{server}/trials?target={target}")
    expect(page.get_by_test_id("stSidebar").get_by_text(f"{count} of {total} trials match")).to_be_visible()
    _shot(page, "02-trials-filtered")
    shared_url = page.url

    # The CSV download holds exactly the filtered rows, with formula-like cells neutralized.
    with page.expect_download() as download_info:
        page.get_by_test_id("stDownloadButton").filter(has_text="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(f"_target-{target}.csv")
    saved = ARTIFACTS / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    expected = read_filtered(
        wh, "SELECT t.nct_id FROM trials t WHERE /*filters*/", TrialFilters(targets=(target,))
    )
    assert sorted(r["nct_id"] for r in rows) == sorted(expected["nct_id"].to_list())
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())

    # Open a trial from the list: the trial page shows it, and the filter comes along.
    page.get_by_role("combobox", name="Open a trial").click()
    page.get_by_role("option").first.click()
    page.wait_for_url("**/trial?**")
    expect(page.get_by_role("heading", name="Identification")).to_be_visible()
    assert "nct=NCT" in page.url
    expect(page).to_have_url(f"{page.url.split('&')[0]}&target={target}")
    expect(page.get_by_test_id("stSidebar").get_by_text(f"{count} of {total} trials match")).to_be_visible()
    _shot(page, "03-trial-page")

    # The menu to another page keeps the filters too.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data & methods").click()
    expect(page).to_have_url(f"{server}/data?target={target}")
    expect(page.get_by_test_id("stSidebar").get_by_text(f"{count} of {total} trials match")).to_be_visible()

    # The copied address, opened in a fresh browser session, shows the same view.
    other = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[union-attr]
    try:
        fresh = other.new_page()
        fresh.goto(shared_url)
        _sidebar_ready(fresh)
        expect(_trial_count(fresh)).to_have_text(str(count))
        chips = (
            fresh.get_by_test_id("stSidebar")
            .get_by_test_id("stMultiSelect")
            .filter(has_text="Target antigen")
        )
        expect(chips.get_by_text(f"{target} ({count})")).to_be_visible()
        _shot(fresh, "04-shared-link-reopened")
    finally:
        other.close()


def test_garbage_link_shows_a_notice(page: Page, server: str) -> None:
    page.goto(server + "/trials?colour=red&age=-4&target=NO-SUCH-TARGET")
    warning = page.get_by_test_id("stAlertContentWarning")
    expect(warning).to_contain_text("colour")
    expect(warning).to_contain_text("NO-SUCH-TARGET")
    expect(_trial_count(page)).to_be_visible()
    _shot(page, "05-garbage-link")


def test_reset_clears_filters(page: Page, server: str, fixture_db: Path) -> None:
    target, _ = _first_target(fixture_db)
    page.goto(f"{server}/trials?target={target}&q=car")
    expect(_trial_count(page)).not_to_have_text("0")
    page.get_by_role("button", name="Reset filters").click()
    expect(page).to_have_url(f"{server}/trials")
    total = count_matching_trials(Warehouse(fixture_db), TrialFilters())
    expect(_trial_count(page)).to_have_text(str(total))


def test_first_request_to_a_subpage_has_the_sidebar(
    browser: Browser, fixture_db: Path, tmp_path: Path
) -> None:
    with serve_app(fixture_db, tmp_path / "fresh.log") as base:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            fresh = context.new_page()
            fresh.goto(base + "/trials?status=open")
            # A fresh server compiles the page on its first request: allow it a full minute on a busy machine.
            expect(fresh.get_by_role("combobox", name="Target antigen")).to_be_visible(timeout=60_000)
        finally:
            context.close()


# Every page's url_path (app.py), with the heading each page shows first.
PAGE_PATHS = {
    "": "CAR-based cell therapy in autoimmune disease",
    "targets": "Targets",
    "conditions": "Conditions",
    "sponsors": "Sponsors",
    "phases": "Phases",
    "eligibility": "Eligibility",
    "geography": "Geography",
    "timeline": "Timeline",
    "trials": "Trials",
    "trial": "",
    "data": "Data",
}


def test_every_page_renders_with_the_filters(page: Page, server: str) -> None:
    for number, (path, heading) in enumerate(PAGE_PATHS.items(), start=10):
        page.goto(f"{server}/{path}?status=open")
        _sidebar_ready(page)
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        if heading:
            expect(page.get_by_role("heading", level=1).first).to_contain_text(heading)
        # Let the charts draw before looking for errors and taking the picture.
        _wait_for_charts(page)
        _shot(page, f"{number:02d}-page-{path or 'overview'}")
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert "status=open" in page.url, f"{path}: the filter left the address"


def _sidebar(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar")


def _pick_option(page: Page, label: str, value: str) -> None:
    """Choose one value in a sidebar multiselect (its label shows a count after it)."""
    box = _sidebar(page).get_by_role("combobox", name=label)
    box.click()
    box.press_sequentially(value)
    page.get_by_role("option", name=re.compile("^" + re.escape(value) + r" \(\d+\)$")).click()
    page.keyboard.press("Escape")


def _clear_options(page: Page, label: str) -> None:
    box = _sidebar(page).get_by_role("combobox", name=label)
    box.click()
    box.press("Backspace")
    page.keyboard.press("Escape")


def _year_handle(page: Page) -> Locator:
    return _sidebar(page).get_by_test_id("stSlider").get_by_role("slider").first


def _search_box(page: Page) -> Locator:
    return _sidebar(page).get_by_role("textbox", name="Search titles, interventions, conditions")


def _age_box(page: Page) -> Locator:
    return _sidebar(page).get_by_role("spinbutton", name="Age (years)")


def _expect_view(
    page: Page, server: str, wh: Warehouse, expected: TrialFilters, chosen: dict[str, str]
) -> None:
    """The address, the sidebar's count, the page's count and every widget show `expected`."""
    query = urlencode(list(expected.to_query_params().items()), doseq=True)
    expect(page).to_have_url(f"{server}/trials" + (f"?{query}" if query else ""))
    matching = count_matching_trials(wh, expected)
    total = count_matching_trials(wh, TrialFilters())
    summary = f"{matching} of {total} trials match" if not expected.is_empty() else f"{total} trials"
    expect(_sidebar(page).get_by_text(summary, exact=True)).to_be_visible()
    expect(_trial_count(page)).to_have_text(str(matching))
    for label, value in chosen.items():
        chips = _sidebar(page).get_by_test_id("stMultiSelect").filter(has_text=label)
        expect(chips.get_by_text(re.compile("^" + re.escape(value) + r" \(\d+\)$"))).to_be_visible()
    bounds = read_start_year_bounds(wh)
    if bounds:
        start = expected.start_year_min
        expect(_year_handle(page)).to_have_value(str(bounds[0] if start is None else start))
    expect(_search_box(page)).to_have_value(expected.search_text)
    age = expected.patient_age_years
    expect(_age_box(page)).to_have_value("" if age is None else f"{age:.1f}")


def test_five_filters_one_after_another_then_removed(page: Page, server: str, fixture_db: Path) -> None:
    """Defect: the third pick dropped the first (address, sidebar count and page count disagreed)."""
    wh = Warehouse(fixture_db)
    bounds = read_start_year_bounds(wh)
    assert bounds and bounds[0] < bounds[1]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Trials", exact=True).click()
    page.get_by_text("Would admit a patient with…").click()  # open the patient expander
    expected = TrialFilters()
    chosen: dict[str, str] = {}
    _expect_view(page, server, wh, expected, chosen)
    steps = [
        ("target", lambda: _pick_option(page, "Target antigen", "CD19"), {"targets": ("CD19",)}),
        ("status", lambda: _pick_option(page, "Status", "open"), {"status_groups": ("open",)}),
        ("years", lambda: _year_handle(page).press("ArrowRight"), {"start_year_min": bounds[0] + 1}),
        (
            "search",
            lambda: (_search_box(page).fill("car"), _search_box(page).press("Enter")),
            {"search_text": "car"},
        ),
        (
            "age",
            lambda: (_age_box(page).fill("30"), _age_box(page).press("Enter")),
            {"patient_age_years": 30.0},
        ),
    ]
    labels = {"target": ("Target antigen", "CD19"), "status": ("Status", "open")}
    for number, (name, act, change) in enumerate(steps, start=1):
        act()
        expected = replace(expected, **change)
        if name in labels:
            chosen[labels[name][0]] = labels[name][1]
        _expect_view(page, server, wh, expected, chosen)
        _shot(page, f"20-five-filters-step-{number}-{name}")
    removals = [
        ("target", lambda: _clear_options(page, "Target antigen"), {"targets": ()}),
        ("status", lambda: _clear_options(page, "Status"), {"status_groups": ()}),
        ("years", lambda: _year_handle(page).press("Home"), {"start_year_min": None}),
        (
            "search",
            lambda: (_search_box(page).fill(""), _search_box(page).press("Enter")),
            {"search_text": ""},
        ),
        (
            "age",
            lambda: (_age_box(page).fill(""), _age_box(page).press("Enter")),
            {"patient_age_years": None},
        ),
    ]
    for name, act, change in removals:
        act()
        expected = replace(expected, **change)
        chosen.pop(labels.get(name, ("",))[0], None)
        _expect_view(page, server, wh, expected, chosen)
    assert expected.is_empty()
