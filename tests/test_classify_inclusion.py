"""CAR-based inclusion with its reason, and the inclusion ledger."""

from __future__ import annotations

import polars as pl
import pytest

from tests.labelled.helpers import classify_records, make_intervention, make_record


def car_based(title: str | None = None, **fields: object) -> tuple[bool, str]:
    row = classify_records([make_record("NCT00000001", title, **fields)])["trials"].row(0, named=True)  # type: ignore[arg-type]
    return row["is_car_based"], row["car_based_reason"]


@pytest.mark.parametrize(
    ("title", "term"),
    [
        ("Anti-CD19 Chimeric Antigen Receptor T Cells for SLE", "Chimeric Antigen Receptor"),
        ("CD19 CAR-T in SLE", "CAR-T"),
        ("BAFFR CART for NMOSD", "CART"),
        ("CD19 CAR NK Cells in SLE", "CAR NK"),
        ("MuSK-CAART for MuSK Myasthenia Gravis", "CAART"),
        ("CD6-CAR Treg Cells in Type 1 Diabetes", "CAR Treg"),
        ("CD19 UCAR-T Cells in SLE", "UCAR-T"),
        ("A Study of CD19 Redirected Autologous T Cells for SLE", "Redirected Autologous T Cells"),
    ],
)
def test_car_wording_in_the_title(title: str, term: str) -> None:
    assert car_based(title) == (True, f"term '{term}' in brief_title")


def test_a_listed_product_alone_is_car_based() -> None:
    assert car_based("A Study of KYV-101 in Myasthenia Gravis") == (True, "product 'KYV-101' in brief_title")


def test_wording_in_interventions_or_summary_counts() -> None:
    assert car_based("XYZ-1 in SLE", interventions=["anti-CD19 CAR-T cells"])[0] is True
    described = make_intervention("XYZ-1", description="autologous chimeric antigen receptor T cells")
    assert car_based("XYZ-1 in SLE", interventions=[described]) == (
        True,
        "term 'chimeric antigen receptor' in intervention_description",
    )
    assert car_based("XYZ-1 in SLE", summary="XYZ-1 is a CAR-T cell product.")[1].endswith("in brief_summary")


def test_the_plainest_field_gives_the_reason() -> None:
    assert car_based("CAR-T in SLE", summary="chimeric antigen receptor")[1] == "term 'CAR-T' in brief_title"


def test_no_car_wording_is_not_car_based() -> None:
    included, reason = car_based("Rituximab Plus Belimumab in Lupus Nephritis", interventions=["Rituximab"])
    assert included is False
    assert reason.startswith("no CAR wording")


def test_ledger_counts_fetched_car_based_autoimmune_and_exclusions() -> None:
    records = [
        make_record("NCT00000001", "CD19 CAR-T in SLE"),
        make_record("NCT00000002", "CD19 CAR-T in SLE and B-cell Lymphoma"),
        make_record("NCT00000003", "CD19 CAR-T in Diffuse Large B-cell Lymphoma"),
        make_record("NCT00000004", "BCMA CAR-T in Multiple Myeloma"),
        make_record("NCT00000005", "CAR-T in HIV Infection"),
        make_record("NCT00000006", "Rituximab in SLE"),
    ]
    ledger = classify_records(records)["inclusion_ledger"]
    assert ledger.schema == pl.Schema({"stage": pl.String, "reason": pl.String, "trial_count": pl.Int64})
    counts = {(stage, reason): count for stage, reason, count in ledger.iter_rows()}
    assert counts[("fetched", "records received from the registry")] == 6
    assert counts[("car_based", "CAR wording or a listed CAR product")] == 5
    assert counts[("included", "CAR-based and autoimmune: shown in the dashboard")] == 2
    excluded = {reason: count for (stage, reason), count in counts.items() if stage == "excluded"}
    assert sum(excluded.values()) == 4
    assert excluded["CAR-based, oncology only (lymphoma)"] == 1
    assert excluded["CAR-based, oncology only (myeloma and plasma-cell neoplasm)"] == 1
    assert excluded["CAR-based, no autoimmune or immune-mediated condition named"] == 1
    assert counts[("autoimmune", "of which also naming a cancer (kept: autoimmune cohort beside it)")] == 1
