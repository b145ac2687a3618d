"""Cell origin with its basis (stated, named product, presumed) and reading the whole record."""

from __future__ import annotations

import polars as pl
import pytest

from tests.labelled.helpers import classify_one, classify_records, make_record


def origin_of(record: dict) -> tuple[str, str | None]:
    row = classify_one(record)
    return row["cell_origin"], row["cell_origin_basis"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": "Autologous CD19 CAR-T Cells in SLE"}, ("autologous", "stated")),
        ({"title": "Universal CAR-T Cells in Refractory SLE"}, ("allogeneic", "stated")),
        ({"title": "Healthy Donor-derived CD19 CAR-T in SSc"}, ("allogeneic", "stated")),
        ({"title": "In Vivo CD19 CAR-T Therapy in SLE"}, ("in vivo", "stated")),
        ({"title": "KYV-101 in Lupus Nephritis"}, ("autologous", "named product")),
        ({"title": "RD13-02 in Refractory SLE"}, ("allogeneic", "named product")),
        ({"title": "SYS6020 in Myasthenia Gravis"}, ("autologous", "named product")),
        # Presumed: a T-cell CAR record with no allogeneic, universal, donor or in vivo wording.
        ({"title": "CD19 CAR-T Cells in Refractory SLE"}, ("autologous", "presumed")),
        # Not presumed: origin wording in passing, a transplant donor, or a cell type that is not T.
        (
            {"title": "CD19 CAR-T Cells in SLE", "summary": "Cells may come from a donor."},
            ("unclear", None),
        ),
        ({"title": "CD19 CAR-T Cells After Allogeneic HSCT in AIHA"}, ("unclear", None)),
        ({"title": "CD19 CAR-NK Cells in Refractory SLE"}, ("unclear", None)),
        ({"title": "CD19 CAR-Treg Cells in Refractory SLE"}, ("unclear", None)),
        ({"title": "Cord Blood-derived CD19 CAR-NK Cells in SLE"}, ("allogeneic", "stated")),
    ],
)
def test_cell_origin_and_basis(fields: dict, expected: tuple[str, str | None]) -> None:
    assert origin_of(make_record("NCT00000001", conditions=["SLE"], **fields)) == expected


def test_presumed_origin_leaves_the_modality_unspecified_and_says_so() -> None:
    out = classify_records([make_record("NCT00000001", "CD19 CAR-T Cells in SLE", conditions=["SLE"])])
    row = out["trials"].row(0, named=True)
    assert (row["modality"], row["cell_origin"], row["cell_origin_basis"]) == (
        "CAR-T (unspecified)",
        "autologous",
        "presumed",
    )
    evidence = out["classification_evidence"].filter(axis="cell_origin")
    assert evidence["rule"].str.starts_with("presumed").all()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"description": "Patients receive autologous anti-CD19 CAR-T cells."}, "detailed_description"),
        ({"arm_descriptions": ["Autologous anti-CD19 CAR-T cells after lymphodepletion"]}, "arm_description"),
    ],
)
def test_whole_record_is_read_and_evidence_names_the_field(fields: dict, field: str) -> None:
    record = make_record("NCT00000001", "A Study of XYZ-12 in SLE", conditions=["SLE"], **fields)
    out = classify_records([record])
    row = out["trials"].row(0, named=True)
    assert (row["is_car_based"], row["target"], row["cell_origin"]) == (True, "CD19", "autologous")
    evidence = out["classification_evidence"]
    for axis in ("target", "cell_origin", "car_based"):
        assert field in evidence.filter(axis=axis)["field"].to_list()


def test_co_administered_antibody_in_a_description_adds_no_target() -> None:
    record = make_record(
        "NCT00000001",
        "BCMA CAR-T Cells in SLE",
        conditions=["SLE"],
        description="Rituximab (anti-CD20 monoclonal antibody) was given before; BCMA CAR-T cells follow.",
    )
    assert classify_one(record)["target"] == "BCMA"


def test_a_description_does_not_override_what_the_title_states() -> None:
    record = make_record(
        "NCT00000001",
        "CD19 CAR-T Cells in SLE",
        conditions=["SLE"],
        description="Background: BCMA-directed products are in development elsewhere.",
    )
    assert classify_one(record)["target"] == "CD19"


@pytest.mark.parametrize(
    ("title", "included", "target"),
    [
        ("A Study of LCAR-AIO in Subjects With SLE", True, "undisclosed"),
        ("A Study of SYS6020 Injection in SLE", True, "BCMA"),
        ("A Study to Assess CLBR001+SWI019 in Autoimmune Diseases", True, "CD19"),
        ("Targeted BCMA In Vivo LV Injection (V001-BCMA) in SLE", True, "BCMA"),
        # Not confirmed from public sources: still not CAR-based.
        ("A Study of OL-108 in Relapsed/Refractory Autoimmune Diseases", False, "undisclosed"),
        ("A Study of LUCAR-G79D in SLE", False, "undisclosed"),
    ],
)
def test_code_name_products(title: str, included: bool, target: str) -> None:
    row = classify_one(make_record("NCT00000001", title, conditions=["Systemic Lupus Erythematosus"]))
    assert (row["is_car_based"], row["target"]) == (included, target)


def test_cell_origin_columns_exist_for_every_trial() -> None:
    records = [make_record(f"NCT0000000{i}", title) for i, title in enumerate(["CAR-T in SLE", "Aspirin"])]
    trials = classify_records(records)["trials"]
    assert trials.schema["cell_origin"] == pl.String
    assert trials["cell_origin"].null_count() == 0


def test_foundation_tables_carry_descriptions_arms_and_the_responsible_party() -> None:
    from etl.transform.records import build_tables

    record = make_record(
        "NCT00000001",
        "CAR-T in SLE",
        description="Detailed text.",
        arm_descriptions=["Arm one text", "Arm two text"],
        responsible_party={
            "investigatorFullName": "Jane Doe",
            "investigatorAffiliation": "Example University",
        },
    )
    row = build_tables([record])["trials"].row(0, named=True)
    assert row["detailed_description"] == "Detailed text."
    assert row["arm_descriptions"] == ["Arm one text", "Arm two text"]
    assert (row["responsible_party_name"], row["responsible_party_affiliation"]) == (
        "Jane Doe",
        "Example University",
    )
    empty = build_tables([make_record("NCT00000002", "CAR-T in SLE")])["trials"].row(0, named=True)
    assert (empty["detailed_description"], empty["arm_descriptions"]) == (None, [])
