"""Modality: construct and cell type first, then origin, then plain CAR-T wording; never a guess."""

from __future__ import annotations

import pytest

from tests.labelled.helpers import classify_records, make_intervention, make_record


def modality_of(title: str | None = None, **fields: object) -> str:
    out = classify_records([make_record("NCT00000001", title, **fields)])  # type: ignore[arg-type]
    return out["trials"]["modality"][0]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Autologous CD19 CAR-T Cells in SLE", "Autologous CAR-T"),
        ("Allogeneic Anti-CD19 CAR-T for Graves' Disease", "Allogeneic CAR-T"),
        ("CD19 UCAR T Cells in Refractory SLE", "Allogeneic CAR-T"),
        ("Universal CAR-T Cells (BRL-301) in Autoimmune Diseases", "Allogeneic CAR-T"),
        ("Healthy Donor-derived CD19 CAR-T in Systemic Sclerosis", "Allogeneic CAR-T"),
        ("In Vivo CAR-T for Refractory Graves' Disease", "In vivo CAR"),
        ("Anti-CD19/BCMA CAR Gene Vector Injection in Autoimmune Diseases", "In vivo CAR"),
        ("An mRNA CAR T-cell Therapy in Myasthenia Gravis", "mRNA CAR-T"),
        ("Anti-CD19 CAR-NK Cells in SLE", "CAR-NK"),
        ("Cord Blood-derived CD19 CAR NK Cells in Lupus Nephritis", "CAR-NK"),
        ("DSG3-CAART in Pemphigus Vulgaris", "CAAR-T"),
        ("Desmoglein 3 Chimeric Autoantibody Receptor T Cells in Pemphigus", "CAAR-T"),
        ("Allogeneic CD6 CAR Tregs for Chronic GVHD", "CAR-Treg"),
        ("Universal CD19-targeting CAR-γδT Cells in Autoimmune Diseases", "CAR-γδ T"),
        ("CD19 CAR-T Cells in Refractory SLE", "CAR-T (unspecified)"),
        ("Chimeric Antigen Receptors T Cells for Lupus Nephritis in Children", "CAR-T (unspecified)"),
        ("XYZ-99 Injection in Refractory SLE", "unclear"),
    ],
)
def test_modality_from_titles(title: str, expected: str) -> None:
    assert modality_of(title) == expected


@pytest.mark.parametrize(
    ("product", "expected"),
    [
        ("KYV-101", "Autologous CAR-T"),
        ("Descartes-08", "mRNA CAR-T"),
        ("FT819", "Allogeneic CAR-T"),
        ("NKX019", "CAR-NK"),
        ("MuSK-CAART", "CAAR-T"),
        ("SBT777101", "CAR-Treg"),
        ("ADI-001", "CAR-γδ T"),
        ("CPTX2309", "In vivo CAR"),
    ],
)
def test_products_carry_their_modality(product: str, expected: str) -> None:
    assert modality_of(f"{product} in Refractory SLE") == expected


def test_construct_beats_origin() -> None:
    assert modality_of("Autologous CD6-CAR Treg Cells in Type 1 Diabetes") == "CAR-Treg"
    assert modality_of("Autologous CART Cells (DSG3-CAART) in Pemphigus") == "CAAR-T"


def test_origin_in_the_summary_settles_plain_car_t_wording() -> None:
    summary = "This study tests ultra-fast autologous BCMA/CD70-targeted CAR-T cells."
    assert modality_of("BCMA/CD70 CAR-T Therapy for Refractory SLE", summary=summary) == "Autologous CAR-T"
    universal = "Universal CD19 CAR-T therapy in subjects with autoimmune diseases."
    assert modality_of("CD19 CAR-T Therapy for Autoimmune Diseases", summary=universal) == "Allogeneic CAR-T"


def test_transplant_wording_is_not_cell_origin() -> None:
    title = (
        "CD19 CAR-T Cells for Autoimmune Cytopenia After Allogeneic Hematopoietic Stem Cell Transplantation"
    )
    assert modality_of(title) == "CAR-T (unspecified)"
    summary = (
        "Patients not eligible for autologous haematopoietic stem cell transplantation receive CAR-T cells."
    )
    assert modality_of("CD19 CAR-T in Multiple Sclerosis", summary=summary) == "CAR-T (unspecified)"


def test_in_vivo_expansion_wording_is_not_an_in_vivo_car() -> None:
    summary = "We will measure in vivo CAR-T cell expansion and persistence after infusion."
    assert modality_of("CD19 CAR-T Cells in SLE", summary=summary) == "CAR-T (unspecified)"
    stated = "KSVCBD injection is an in vivo Chimeric Antigen Receptor T-Cell (CAR-T cell) therapy product."
    assert modality_of("KSVCBD Injection in NMOSD", summary=stated) == "In vivo CAR"


def test_lnp_delivery_is_in_vivo() -> None:
    description = "Lipid nanoparticles targeting T cells that encapsulate RNA encoding a CD19 CAR."
    intervention = make_intervention("TI-0032-III injection", description=description)
    assert (
        modality_of("TI-0032-III Injection in Autoimmune Diseases", interventions=[intervention])
        == "In vivo CAR"
    )


def test_nk_wording_in_a_summary_alone_does_not_make_car_nk() -> None:
    summary = "CD19 CAR-T cells; NK cells and T cells are monitored."
    assert modality_of("CD19 CAR-T Cells in SLE", summary=summary) == "CAR-T (unspecified)"


def test_modality_evidence_names_the_wording() -> None:
    out = classify_records([make_record("NCT00000001", "Allogeneic Anti-CD19 CAR-T for Graves' Disease")])
    evidence = out["classification_evidence"].filter(axis="modality")
    assert evidence.select("label", "matched_term", "field").rows() == [
        ("Allogeneic CAR-T", "Allogeneic", "brief_title")
    ]
