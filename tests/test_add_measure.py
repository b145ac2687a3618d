"""Adding an eligibility measure is one line in data/vocab/eligibility_measures.csv: with that line added to
a copy of the vocabulary, the parser reads the measure, and the sidebar and the Eligibility page offer it
under its label."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl import vocab
from etl.eligibility import parse_criteria, parser
from etl.eligibility.measures import load_measures
from etl.paths import VOCAB_DIR
from etl.pipeline import build_warehouse
from landscape.db import Warehouse
from landscape.queries.eligibility_options import list_patient_measures
from tests.fixtures.records import FIXTURE_RECORDS

ROOT = Path(__file__).resolve().parents[1]
# The one line: measure, concept, unit, units, plausible, flags, keywords, stems, not_after, gap_stop,
# description, label.
NEW_MEASURE_LINE = (
    "haq_di,haq_di,points,none=1,0..3,,haq[- ]?di\\b|health\\s+assessment\\s+questionnaire"
    "(?:[- ]disability\\s+index)?,haq|health,,,Health Assessment Questionnaire Disability Index,HAQ-DI"
)
CRITERIA = "Inclusion Criteria:\n\n* Age 18-65 years\n* HAQ-DI ≥ 1.0\n\nExclusion Criteria:\n\n* LVEF < 45%\n"


def _clear_caches() -> None:
    vocab.load_vocabulary.cache_clear()
    load_measures.cache_clear()
    parser._LINE_CACHE.clear()


@pytest.fixture
def vocab_with_new_measure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of data/vocab whose measure file has one line more; the loader reads the copy."""
    folder = tmp_path / "vocab"
    shutil.copytree(VOCAB_DIR, folder)
    measures = folder / "eligibility_measures.csv"
    measures.write_text(measures.read_text(encoding="utf-8").rstrip("\n") + "\n" + NEW_MEASURE_LINE + "\n")
    monkeypatch.setattr(vocab, "VOCAB_DIR", folder)
    _clear_caches()
    yield folder
    _clear_caches()


def test_one_csv_line_adds_a_measure_everywhere(
    vocab_with_new_measure: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parser.
    found = [t for t in parse_criteria(CRITERIA) if t.measure == "haq_di"]
    assert [(t.op, t.value, t.section) for t in found] == [(">=", 1.0, "inclusion")]

    # A warehouse built by the real ETL from the fixture records, one of them stating the new limit.
    records = copy.deepcopy(FIXTURE_RECORDS)
    record = next(r for r in records if "NCT09000007" in str(r["protocolSection"]["identificationModule"]))
    record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = CRITERIA
    db = tmp_path / "warehouse.duckdb"
    build_warehouse(records, {"source": "test"}, db)

    # The sidebar's measure list (its query, then the widget) and the Eligibility page.
    listed = list_patient_measures(Warehouse(db))
    assert listed.filter(listed["measure"] == "haq_di")["label"].to_list() == ["HAQ-DI"]
    monkeypatch.setenv("LANDSCAPE_DB", str(db))
    st.cache_data.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        at.switch_page("pages/views/eligibility.py").run()
        assert not at.exception, [e.value for e in at.exception]
        sidebar_options = [o for widget in at.sidebar.multiselect for o in widget.options]
        assert any(o.startswith("HAQ-DI") for o in sidebar_options), sidebar_options
        page_options = [o for widget in at.main.selectbox for o in widget.options]
        assert "HAQ-DI" in page_options, page_options
    finally:
        st.cache_data.clear()
