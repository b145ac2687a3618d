"""AppTest: random sequences of filter changes over every axis never drop a filter.

After every step the address, the sidebar's count, the page's count and every widget agree with the
filters the steps set (a model kept by the test), whatever came before.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from landscape.axes import LIST_AXES
from landscape.db import Warehouse
from landscape.filters import TrialFilters, parse_query_params
from landscape.queries.eligibility_options import list_patient_measures
from landscape.queries.options import count_matching_trials, list_all_options, read_start_year_bounds
from landscape.sidebar import widget_key

ROOT = Path(__file__).resolve().parents[1]
STEPS = 240
SEED = 20261205
SEARCH_WORDS = ("car", "lupus", "cd19", "sclerosis", "zzz-no-match")
AGES = (8.0, 16.0, 30.0, 70.0)
MEASURE_VALUES = (-1_000_000.0, 1.0, 40.0, 1_000_000.0)


@pytest.fixture
def app_env(fixture_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("LANDSCAPE_DB", str(fixture_db))
    monkeypatch.setenv("LANDSCAPE_REGISTRY_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LANDSCAPE_RAW_DIR", str(tmp_path / "raw"))
    st.cache_data.clear()
    yield fixture_db
    st.cache_data.clear()


def _url_filters(at: AppTest) -> TrialFilters:
    # AppTest gives a single value as a plain string, several as a list.
    params = {
        key: [v] if isinstance(v, str) else list(v) for key, v in at.query_params.items() if key != "nct"
    }
    filters, notices = parse_query_params(params)
    assert not notices, notices
    return filters


def _check(at: AppTest, wh: Warehouse, expected: TrialFilters, step: str) -> None:
    assert not at.exception, (step, [e.value for e in at.exception])
    assert _url_filters(at) == expected, step
    matching = count_matching_trials(wh, expected)
    total = count_matching_trials(wh, TrialFilters())
    sidebar = " ".join(str(m.value) for m in at.sidebar.markdown)
    assert (f"**{matching}** of {total} trials match" if not expected.is_empty() else f"{total} trials") in (
        sidebar
    ), step
    page_count = next(str(m.value) for m in at.metric if m.label == "Trials matching the filters")
    assert page_count == f"{matching:,}", step
    for axis in LIST_AXES:
        assert tuple(at.sidebar.multiselect(key=widget_key(axis.name)).value) == getattr(
            expected, axis.name
        ), (
            step,
            axis.name,
        )
    assert at.sidebar.text_input(key=widget_key("search_text")).value == expected.search_text, step
    assert at.sidebar.number_input(key=widget_key("patient_age_years")).value == expected.patient_age_years, (
        step
    )
    for measure, value in expected.patient_values:
        assert at.sidebar.number_input(key=widget_key(f"admit.{measure}")).value == value, step


def test_random_filter_sequences_keep_every_filter(app_env: Path) -> None:
    wh = Warehouse(app_env)
    rng = random.Random(SEED)
    options = {axis.name: list_all_options(wh, axis.name) for axis in LIST_AXES}
    bounds = read_start_year_bounds(wh)
    assert bounds and bounds[0] < bounds[1], "the fixture needs start years to slide over"
    measures = list_patient_measures(wh)["measure"].to_list()[:4]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/views/trials.py").run()
    expected = TrialFilters()
    _check(at, wh, expected, "start")
    kinds = ["list"] * 6 + ["years", "search", "age", "measure"]
    for number in range(STEPS):
        kind = rng.choice(kinds)
        if kind == "list":
            axis = rng.choice(LIST_AXES)
            current = getattr(expected, axis.name)
            if current and rng.random() < 0.5:
                values: tuple[str, ...] = ()
            else:
                values = tuple(
                    rng.sample(options[axis.name], k=min(len(options[axis.name]), rng.randint(1, 2)))
                )
            at.sidebar.multiselect(key=widget_key(axis.name)).set_value(list(values)).run()
            expected = replace(expected, **{axis.name: values})
            step = f"{number}: {axis.name}={values}"
        elif kind == "years":
            lo = rng.randint(bounds[0], bounds[1])
            hi = rng.randint(lo, bounds[1])
            if rng.random() < 0.3:
                lo, hi = bounds
            at.sidebar.slider(key=widget_key("start_years")).set_range(lo, hi).run()
            expected = replace(
                expected,
                start_year_min=lo if lo != bounds[0] else None,
                start_year_max=hi if hi != bounds[1] else None,
            )
            step = f"{number}: years={lo}-{hi}"
        elif kind == "search":
            text = "" if expected.search_text and rng.random() < 0.5 else rng.choice(SEARCH_WORDS)
            at.sidebar.text_input(key=widget_key("search_text")).set_value(text).run()
            expected = replace(expected, search_text=text)
            step = f"{number}: q={text!r}"
        elif kind == "age":
            age = None if expected.patient_age_years is not None and rng.random() < 0.5 else rng.choice(AGES)
            at.sidebar.number_input(key=widget_key("patient_age_years")).set_value(age).run()
            expected = replace(expected, patient_age_years=age)
            step = f"{number}: age={age}"
        else:
            measure = rng.choice(measures)
            values_now = dict(expected.patient_values)
            shown = list(at.sidebar.multiselect(key=widget_key("measures")).value)
            if measure in values_now and rng.random() < 0.5:
                if rng.random() < 0.5:
                    at.sidebar.number_input(key=widget_key(f"admit.{measure}")).set_value(None).run()
                else:
                    shown.remove(measure)
                    at.sidebar.multiselect(key=widget_key("measures")).set_value(shown).run()
                values_now.pop(measure)
                step = f"{number}: admit.{measure} cleared"
            else:
                if measure not in shown:
                    at.sidebar.multiselect(key=widget_key("measures")).set_value([*shown, measure]).run()
                    # Choosing a measure opens its input; no value yet, so the filters are unchanged.
                    _check(at, wh, expected, f"{number}: {measure} chosen")
                value = rng.choice(MEASURE_VALUES)
                at.sidebar.number_input(key=widget_key(f"admit.{measure}")).set_value(value).run()
                values_now[measure] = value
                step = f"{number}: admit.{measure}={value}"
            expected = replace(expected, patient_values=tuple(sorted(values_now.items())))
        _check(at, wh, expected, step)
    # Reset clears everything, at the end of any sequence.
    at.sidebar.button(key="reset_filters").click().run()
    _check(at, wh, TrialFilters(), "reset")
