"""Target antigens: aliases, gene symbols, dual wording, products, ligands, CAARs, co-medications."""

from __future__ import annotations

import pytest

from tests.labelled.helpers import classify_one, classify_records, make_intervention, make_record


def target_of(title: str | None = None, **fields: object) -> str:
    return classify_one(make_record("NCT00000001", title, **fields))["target"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("CD19 CAR-T Cells in Refractory SLE", "CD19"),
        ("Anti-CD 19 CAR-T Therapy in RA", "CD19"),
        ("Targeted CD19CAR-T Therapy for Autoimmune Diseases", "CD19"),
        ("BCMA-CD19 cCAR T Cell Treatment of SLE", "CD19/BCMA"),
        ("Fourth-gen CAR T Cells Targeting BCMA/CD19 for SLE", "CD19/BCMA"),
        ("CAR T-cell Therapy Targeting CD19 and BCMA in Autoimmune Diseases", "CD19/BCMA"),
        ("Bispecific CD19 x BCMA CAR-T Cells in Sjogren's Syndrome", "CD19/BCMA"),
        ("Tandem CAR T Cells Targeting CD19 and CD20 in NMOSD", "CD19/CD20"),
        ("Universal CD19 / 20 CAR-T Cell Injection in SLE", "CD19/CD20"),
        ("Anti-CD19/70 CAR T Cells in Lupus Nephritis", "CD19/CD70"),
        ("CD7 CAR-T Cells in Autoimmune Diseases", "CD7"),
        ("Universal Anti-CD70 CAR-T in SLE", "CD70"),
        ("Allogeneic CD6 CAR Tregs for Chronic GVHD", "CD6"),
        ("Tandem CD19/CD22 CAR-T in Lupus", "CD19/CD22"),
        ("BCMA/CD70 CAR-T Therapy for Refractory SLE", "BCMA/CD70"),
    ],
)
def test_antigens_in_titles(title: str, expected: str) -> None:
    assert target_of(title) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("TNFRSF17-directed CAR T Cells in Myasthenia Gravis", "BCMA"),
        ("B-cell Maturation Antigen CAR-T in ITP", "BCMA"),
        ("MS4A1 CAR-T Cells in Pemphigus", "CD20"),
        ("TNFRSF13C-targeted CAR-T Cells in ITP", "BAFF-R"),
        ("BAFFR CART for Neuromyelitis Optica Spectrum Disorder", "BAFF-R"),
    ],
)
def test_gene_symbols_and_spellings_resolve_to_the_antigen(title: str, expected: str) -> None:
    assert target_of(title) == expected


def test_baff_ligand_car_targets_baff_r() -> None:
    assert target_of("BAFF CAR-T Cells (LMY-920) for SLE") == "BAFF-R"
    assert target_of("CD19-BAFF CAR-T Cells Therapy for Autoimmune Diseases") == "CD19/BAFF-R"


def test_april_based_car_targets_bcma_and_taci_but_the_month_does_not() -> None:
    assert target_of("APRIL-based CAR-T Cells in IgG4-RD") == "BCMA/TACI"
    assert target_of("CAR-T Cells in SLE", summary="Enrolment starts in April 2026.") == "undisclosed"


@pytest.mark.parametrize(
    ("product", "expected"),
    [
        ("KYV-101", "CD19"),
        ("CABA-201", "CD19"),
        ("rese-cel", "CD19"),
        ("Descartes-08", "BCMA"),
        ("YTB323", "CD19"),
        ("rapcabtagene autoleucel", "CD19"),
        ("obecabtagene autoleucel (obe-cel)", "CD19"),
        ("CC-97540", "CD19"),
        ("BMS-986353", "CD19"),
        ("FT819", "CD19"),
        ("MB-CART2019.1", "CD19/CD20"),
        ("GC012F injection", "CD19/BCMA"),
        ("CT103A cells", "BCMA"),
        ("ALLO-329", "CD19/CD70"),
        ("KITE-363", "CD19/CD20"),
        ("ADI-001", "CD20"),
    ],
)
def test_named_products_resolve_to_their_antigens(product: str, expected: str) -> None:
    assert target_of(f"A Study of {product} in Refractory SLE") == expected
    assert target_of("A Study in Refractory SLE", interventions=[product]) == expected


def test_caar_targets_are_labelled_as_caar() -> None:
    out = classify_records(
        [make_record("NCT00000001", "MuSK-CAART for MuSK Myasthenia Gravis", interventions=["MuSK-CAART"])]
    )
    assert out["trials"]["target"].to_list() == ["MuSK (CAAR)"]
    assert out["trial_targets"].select("antigen", "is_caar").rows() == [("MuSK (CAAR)", True)]


def test_musk_disease_subtype_alone_is_no_target() -> None:
    assert target_of("CD19 CAR-T in MuSK Myasthenia Gravis") == "CD19"


def test_caar_and_car_products_in_one_trial_give_both_targets() -> None:
    title = "Autologous CART Cells (DSG3-CAART or CD19-specific CAR T cells [CABA-201]) in Pemphigus Vulgaris"
    assert target_of(title) == "CD19/DSG3 (CAAR)"


@pytest.mark.parametrize(
    "comedication",
    [
        make_intervention("Anti-CD20 mAB", kind="DRUG"),
        make_intervention("Anti-CD20 monoclonal antibody (rituximab)", kind="DRUG"),
        make_intervention("Rituximab", kind="DRUG", description="anti-CD20 antibody"),
        make_intervention("Daratumumab", kind="DRUG", description="Daratumumab (anti-CD38) after infusion"),
        make_intervention("Tafasitamab", kind="DRUG", description="tafasitamab, an anti-CD19 antibody"),
    ],
)
def test_comedications_do_not_add_targets(comedication: dict) -> None:
    record = make_record(
        "NCT00000001", "KYV-101 in Multiple Sclerosis", interventions=["KYV-101", comedication]
    )
    assert classify_one(record)["target"] == "CD19"


def test_comedication_in_the_summary_does_not_add_a_target() -> None:
    summary = (
        "Patients who failed anti-CD20 monoclonal antibody therapy and rituximab (anti-CD20) receive "
        "CD19-directed CAR T cells. Prior anti-BCMA therapy is allowed."
    )
    assert target_of("CAR-T Cells in Refractory SLE", summary=summary) == "CD19"


def test_titles_and_intervention_names_outrank_the_summary() -> None:
    summary = "BCMA CAR T cells deplete plasma cells while sparing CD19+ B cells."
    assert target_of("BCMA CAR-T Cells in Myasthenia Gravis", summary=summary) == "BCMA"


def test_summary_description_keywords_and_conditions_are_used_when_titles_are_silent() -> None:
    assert target_of("CAR-T in SLE", summary="This study evaluates CD19 CAR-T cells.") == "CD19"
    described = make_intervention(
        "EXA-201", description="T cells with a chimeric antigen receptor against CD20."
    )
    assert target_of("EXA-201 in SLE", interventions=[described]) == "CD20"
    assert target_of("CAR-T in SLE", keywords=["BCMA"]) == "BCMA"
    assert (
        target_of("CAR-T in AIHA", conditions=["Autoimmune Hemolytic Anemia", "CD19 CAR-T Cell Infusion"])
        == "CD19"
    )


def test_no_antigen_named_is_undisclosed() -> None:
    out = classify_records([make_record("NCT00000001", "CAR-T Cells Therapy for Refractory ITP")])
    assert out["trials"]["targets"].to_list() == [[]]
    assert out["trials"]["target"].to_list() == ["undisclosed"]
    assert out["trial_targets"].is_empty()
    evidence = out["classification_evidence"].filter(axis="target")
    assert evidence["label"].to_list() == ["undisclosed"]


def test_target_evidence_names_term_and_field() -> None:
    out = classify_records([make_record("NCT00000001", "CD19/BCMA CAR-T in SLE", interventions=["GC012F"])])
    evidence = out["classification_evidence"].filter(axis="target")
    rows = set(evidence.select("label", "matched_term", "field").rows())
    assert ("CD19", "CD19", "brief_title") in rows
    assert ("BCMA", "GC012F", "intervention_name") in rows
    assert out["trials"]["targets"].to_list() == [["CD19", "BCMA"]]
