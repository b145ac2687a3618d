"""One admission rule: the sidebar's patient filter, the Eligibility page's panel and that panel's CSV
agree on which trials a patient is not excluded from, for many patients."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl.cli import main as etl_main
from landscape.db import Warehouse
from landscape.export import write_csv
from landscape.filters import TrialFilters
from landscape.queries.admission import (
    AGE_MEASURE,
    EXCLUDED,
    MEETS,
    NO_INFORMATION,
    check_admission,
    count_admission_verdicts,
)
from landscape.queries.options import count_matching_trials
from landscape.queries.where import read_filtered

ROOT = Path(__file__).resolve().parents[1]
PATIENTS_PER_WAREHOUSE = 120
BASE_FILTERS = (TrialFilters(), TrialFilters(status_groups=("open",)), TrialFilters(targets=("CD19",)))
# The patient of issue 9: aged 16, eGFR 40, SLEDAI-2K 8.
ISSUE_PATIENT = (16.0, (("egfr_ml_min_1_73m2", 40.0), ("sledai_2k", 8.0)))


@pytest.fixture(scope="module")
def snapshot_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled offline snapshot built by the real ETL."""
    folder = tmp_path_factory.mktemp("snapshot_warehouse")
    db = folder / "warehouse.duckdb"
    code = etl_main(["build", "--source", "snapshot", "--db", str(db), "--raw-dir", str(folder / "raw")])
    assert code == 0
    return db


def make_patients(wh: Warehouse, count: int, seed: int) -> list[tuple[float | None, tuple]]:
    """Patients whose values sit on, just inside and just outside the limits trials state."""
    limits = wh.query(
        """SELECT measure, min_value AS bound FROM eligibility_requirements WHERE min_value IS NOT NULL
           UNION ALL SELECT measure, max_value FROM eligibility_requirements WHERE max_value IS NOT NULL
           UNION ALL SELECT 'age_years', min_age_years FROM trials WHERE min_age_years IS NOT NULL
           UNION ALL SELECT 'age_years', max_age_years FROM trials WHERE max_age_years IS NOT NULL"""
    )
    bounds: dict[str, list[float]] = {}
    for measure, bound in limits.iter_rows():
        bounds.setdefault(measure, []).append(bound)
    others = [*sorted(set(bounds) - {AGE_MEASURE}), "egfr_ml_min_1_73m2", "sledai_2k"]
    rng = random.Random(seed)

    def near(measure: str) -> float:
        if measure not in bounds or rng.random() < 0.1:
            return float(rng.randint(0, 100))
        return rng.choice(bounds[measure]) + rng.choice((-1.0, -0.5, 0.0, 0.0, 0.5, 1.0))

    patients = []
    while len(patients) < count:
        age = near(AGE_MEASURE) if rng.random() < 0.7 else None
        picked = rng.sample(sorted(set(others)), rng.randint(0, 3))
        values = tuple(sorted((m, near(m)) for m in picked))
        if age is not None or values:
            patients.append((age, values))
    return patients


def _ids(frame: pl.DataFrame, *verdicts: str) -> set[str]:
    return set(frame.filter(pl.col("verdict").is_in(verdicts))["nct_id"])


@pytest.mark.parametrize("warehouse", ["fixture", "snapshot"])
def test_sidebar_panel_and_csv_agree_for_many_patients(
    warehouse: str, request: pytest.FixtureRequest
) -> None:
    wh = Warehouse(request.getfixturevalue("fixture_db" if warehouse == "fixture" else "snapshot_db"))
    rng = random.Random(9)
    verdicts_seen: set[str] = set()
    for age, values in [ISSUE_PATIENT, *make_patients(wh, PATIENTS_PER_WAREHOUSE, seed=9)]:
        base = rng.choice(BASE_FILTERS)
        sidebar = TrialFilters(
            **{**base.__dict__, "patient_age_years": age, "patient_values": values}  # type: ignore[arg-type]
        )
        kept = set(read_filtered(wh, "SELECT t.nct_id FROM trials t WHERE /*filters*/", sidebar)["nct_id"])
        panel = check_admission(wh, base, age, values)
        csv = pl.read_csv(io.BytesIO(write_csv(panel).decode("utf-8-sig").encode()), infer_schema=False)
        counts = count_admission_verdicts(wh, base, age, values)
        patient = f"age={age} values={values} filters={base.describe()}"

        assert _ids(panel, MEETS, NO_INFORMATION) == kept, patient
        assert _ids(csv, MEETS, NO_INFORMATION) == kept, patient
        assert csv.height == panel.height == counts["trials"] == count_matching_trials(wh, base), patient
        assert counts["not_excluded"] == len(kept) == count_matching_trials(wh, sidebar), patient
        for verdict in (MEETS, NO_INFORMATION, EXCLUDED):
            assert counts[verdict] == len(_ids(csv, verdict)), patient
        # Every excluded row names its limit; no other row does.
        names_a_limit = csv["excluded_by"].fill_null("") != ""
        assert (names_a_limit == (csv["verdict"] == EXCLUDED)).all(), patient
        verdicts_seen |= set(panel["verdict"])
    assert verdicts_seen == {MEETS, NO_INFORMATION, EXCLUDED}


@pytest.fixture
def snapshot_app(snapshot_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("LANDSCAPE_DB", str(snapshot_db))
    st.cache_data.clear()
    yield snapshot_db
    st.cache_data.clear()


def test_the_issue_patient_gets_one_answer_on_the_sidebar_and_the_page(snapshot_app: Path) -> None:
    age, values = ISSUE_PATIENT
    params = {"age": "16", **{f"admit.{m}": f"{v:g}" for m, v in values}}
    sidebar_app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in params.items():
        sidebar_app.query_params[key] = value
    sidebar_app.run()
    assert not sidebar_app.exception, [e.value for e in sidebar_app.exception]
    match_line = next(m.value for m in sidebar_app.sidebar.markdown if "trials match" in m.value)
    sidebar_count, total = (int(p) for p in match_line.replace("*", "").split(" trials")[0].split(" of "))

    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    page.run()
    page.switch_page("pages/views/eligibility.py").run()
    page.number_input(key="eligibility_patient_age").set_value(age).run()
    page.multiselect(key="eligibility_patient_measures").set_value([m for m, _ in values]).run()
    for measure, value in values:
        page.number_input(key=f"eligibility_patient_{measure}").set_value(value).run()
    assert not page.exception, [e.value for e in page.exception]
    metric = next(m for m in page.metric if m.label == "Trials not excluded")
    assert metric.value == f"{sidebar_count} of {total}"
    counts = count_admission_verdicts(Warehouse(snapshot_app), TrialFilters(), age, values)
    headline = f"{sidebar_count} not excluded, of which {counts[NO_INFORMATION]} state no limit"
    assert any(headline in m.value for m in page.markdown), [m.value for m in page.markdown]
    table = next(d.value for d in page.dataframe if "verdict" in d.value.columns)
    assert (table["verdict"] != EXCLUDED).sum() == sidebar_count
