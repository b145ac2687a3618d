"""Conditions: autoimmune vs oncology-only, entity and family, primary entity, basket, side table."""

from __future__ import annotations

import pytest

from tests.labelled.helpers import classify_records, make_record


def classify(title: str | None = None, **fields: object) -> dict:
    out = classify_records([make_record("NCT00000001", title, **fields)])  # type: ignore[arg-type]
    return out["trials"].row(0, named=True)


@pytest.mark.parametrize(
    ("conditions", "entity", "family"),
    [
        (["Systemic Lupus Erythematosus"], "SLE", "rheumatic"),
        (["Lupus Erythematosus, Systemic"], "SLE", "rheumatic"),
        (["Systemic Lupus Erthematosus"], "SLE", "rheumatic"),
        # An organ manifestation takes its parent disease's family (the organ is a tag).
        (["Lupus Nephritis - WHO Class IV"], "lupus nephritis", "rheumatic"),
        (["Systemic Sclerosis-associated Interstitial Lung Disease"], "SSc-ILD", "rheumatic"),
        (["Neuropsychiatric Systemic Lupus Erythematosus"], "neuropsychiatric lupus", "rheumatic"),
        (["IgA Nephropathy"], "IgA nephropathy", "renal"),
        (["Idiopathic Membranous Nephropathy"], "membranous nephropathy", "renal"),
        (["Steroid-resistant Nephrotic Syndrome"], "nephrotic syndrome", "renal"),
        (["Scleroderma, Diffuse"], "systemic sclerosis", "rheumatic"),
        (["Juvenile Dermatomyositis"], "IIM", "rheumatic"),
        (["Antisynthetase Syndrome"], "IIM", "rheumatic"),
        (
            ["Antineutrophilic Cytoplasmic Antibody (ANCA)- Associated Vasculitis (AAV)"],
            "ANCA vasculitis",
            "rheumatic",
        ),
        (["Rheumatoid Arthritis"], "RA", "rheumatic"),
        (["Sjögren's Syndrome"], "Sjögren", "rheumatic"),
        (["IgG4-related Disease"], "IgG4-RD", "rheumatic"),
        (["Myasthenia Gravis, Generalized"], "myasthenia gravis", "neurologic"),
        (["Primary and secondary progressive MS"], "MS", "neurologic"),
        (["AQP4-IgG seropositive NMOSD"], "NMOSD", "neurologic"),
        (["MOGAD"], "MOGAD", "neurologic"),
        (["Chronic Inflammatory Demyelinating Polyneuropathy"], "CIDP", "neurologic"),
        (["Stiff Person Syndrome"], "stiff-person syndrome", "neurologic"),
        (["ITP - Immune Thrombocytopenia"], "ITP", "haematologic"),
        (["Warm Autoimmune Hemolytic Anemia"], "AIHA", "haematologic"),
        (["Severe Aplastic Anemia"], "aplastic anaemia", "haematologic"),
        (["Mucosal -Dominant Pemphigus Vulgaris"], "pemphigus", "dermatologic"),
        (["Hidradenitis Suppurativa"], "hidradenitis suppurativa", "dermatologic"),
        (["Refractory Membranous Nephropathy"], "membranous nephropathy", "renal"),
        (["IgA Nephropathy"], "IgA nephropathy", "renal"),
        (["Stage 3 Type 1 Diabetes"], "type 1 diabetes", "endocrine"),
        (["Graves Disease"], "Graves' disease", "endocrine"),
        (["Ulcerative Colitis"], "ulcerative colitis", "GI"),
        (["Primary Biliary Cholangitis"], "primary biliary cholangitis", "GI"),
        (["Chronic Graft Versus Host Disease"], "chronic GVHD", "other"),
    ],
)
def test_entity_and_family_from_registered_conditions(
    conditions: list[str], entity: str, family: str
) -> None:
    row = classify("CD19 CAR-T Cells", conditions=conditions)
    assert (row["is_autoimmune"], row["condition_entity"], row["condition_family"]) == (True, entity, family)


def test_titles_mesh_and_keywords_are_read_when_conditions_are_silent() -> None:
    assert classify("CD19 CAR-T in Refractory Lupus", conditions=["CAR-T"])["condition_entity"] == "SLE"
    assert classify("CAR-T", meshes=["Lupus Nephritis"])["condition_entity"] == "lupus nephritis"
    assert classify("CAR-T", keywords=["myasthenia gravis"])["condition_entity"] == "myasthenia gravis"


def test_oncology_only_trials_are_not_autoimmune() -> None:
    row = classify("CD19 CAR-T Cells in Relapsed Diffuse Large B-cell Lymphoma", conditions=["DLBCL"])
    assert row["is_car_based"] is True
    assert row["is_autoimmune"] is False
    assert row["condition_entity"] is None
    assert row["autoimmune_reason"].startswith("oncology only (lymphoma")


@pytest.mark.parametrize(
    "condition", ["Multiple Myeloma", "B-cell Acute Lymphoblastic Leukemia", "Solid Tumor"]
)
def test_other_cancers_are_oncology_only(condition: str) -> None:
    assert classify("CAR-T Cells", conditions=[condition])["is_autoimmune"] is False


def test_a_trial_with_an_autoimmune_cohort_beside_a_lymphoma_cohort_is_kept() -> None:
    row = classify(
        "CD19 CAR-T in SLE or B-cell Lymphoma", conditions=["Systemic Lupus Erythematosus", "B-cell Lymphoma"]
    )
    assert (row["is_autoimmune"], row["condition_entity"]) == (True, "SLE")


def test_gvhd_beside_a_cancer_does_not_make_a_trial_autoimmune() -> None:
    row = classify(
        "Donor CAR-T After Transplant", conditions=["Acute Myeloid Leukemia", "Graft Versus Host Disease"]
    )
    assert row["is_autoimmune"] is False


def test_non_autoimmune_non_cancer_trials_say_so() -> None:
    row = classify("CAR-T Cells in HIV Infection", conditions=["HIV Infections"])
    assert row["is_autoimmune"] is False
    assert row["autoimmune_reason"] == "no autoimmune or immune-mediated condition named"


def test_lupus_nephritis_is_primary_when_it_is_the_stated_condition() -> None:
    assert (
        classify("Obe-cel in SLE With Active Lupus Nephritis", conditions=["Lupus Nephritis"])[
            "condition_entity"
        ]
        == "lupus nephritis"
    )
    both = classify("YTB323 in SLE", conditions=["Systemic Lupus Erythematosus", "Lupus Nephritis"])
    assert (both["condition_entity"], both["is_basket"]) == ("SLE", False)


def test_several_diseases_make_a_basket_with_every_entity_listed() -> None:
    out = classify_records(
        [
            make_record(
                "NCT00000001",
                "CC-97540 in Severe, Refractory Autoimmune Diseases",
                conditions=[
                    "Systemic Lupus Erythematosus",
                    "Idiopathic Inflammatory Myopathy",
                    "Systemic Sclerosis",
                    "Rheumatoid Arthritis",
                    "Autoimmune Diseases",
                ],
            )
        ]
    )
    row = out["trials"].row(0, named=True)
    assert (row["condition_entity"], row["is_basket"]) == ("SLE", True)
    entities = out["trial_condition_entities"]
    assert entities["condition_entity"].to_list() == ["SLE", "IIM", "systemic sclerosis", "RA"]
    assert entities["is_primary"].to_list() == [True, False, False, False]


def test_umbrella_terms_alone_count_as_a_basket() -> None:
    row = classify("CD19 CAR-T in Refractory Autoimmune Diseases", conditions=["Autoimmune Diseases"])
    assert (row["condition_entity"], row["condition_family"], row["is_basket"]) == (
        "autoimmune disease (unspecified)",
        "other",
        True,
    )


def test_family_umbrellas_give_way_to_specific_entities_of_their_family() -> None:
    row = classify("CAR-T", conditions=["Vasculitis", "ANCA Associated Vasculitis"])
    assert (row["condition_entity"], row["is_basket"]) == ("ANCA vasculitis", False)
    mixed = classify("CAR-T", conditions=["Autoimmune Hemolytic Anemia", "Vasculitis"])
    assert (mixed["condition_entity"], mixed["is_basket"]) == ("AIHA", True)


def test_mesh_ancestors_give_only_umbrella_terms() -> None:
    row = classify(
        "CAR-T Cells",
        meshes=["Myasthenia Gravis"],
        ancestors=["Lupus Erythematosus, Systemic", "Autoimmune Diseases"],
    )
    assert row["condition_entity"] == "myasthenia gravis"
    assert row["is_basket"] is False


def test_condition_evidence_names_alias_and_field() -> None:
    out = classify_records([make_record("NCT00000001", "CAR-T", conditions=["Myasthaenia Gravis"])])
    evidence = out["classification_evidence"].filter(axis="condition")
    assert evidence.select("label", "matched_term", "field").rows() == [
        ("myasthenia gravis", "Myasthaenia Gravis", "condition")
    ]
    assert out["trials"]["autoimmune_reason"].to_list() == ["term 'Myasthaenia Gravis' in condition"]


def test_organ_manifestations_keep_an_organ_tag() -> None:
    records = [
        make_record("NCT00000001", "CAR-T in Refractory Lupus Nephritis", conditions=["Lupus Nephritis"]),
        make_record("NCT00000002", "CAR-T in SSc-ILD", conditions=["Systemic Sclerosis-associated ILD"]),
        make_record("NCT00000003", "CAR-T in IgA Nephropathy", conditions=["IgA Nephropathy"]),
        make_record("NCT00000004", "CAR-T in Refractory SLE", conditions=["Systemic Lupus Erythematosus"]),
    ]
    out = classify_records(records)
    tags = set(out["trial_organ_tags"].select("nct_id", "organ", "condition_entity").iter_rows())
    assert ("NCT00000001", "kidney", "lupus nephritis") in tags
    assert ("NCT00000003", "kidney", "IgA nephropathy") in tags
    assert not any(nct == "NCT00000004" for nct, _, _ in tags)
    families = dict(out["trials"].select("nct_id", "condition_family").iter_rows())
    assert families == {
        "NCT00000001": "rheumatic",
        "NCT00000002": "rheumatic",
        "NCT00000003": "renal",
        "NCT00000004": "rheumatic",
    }
    entities = out["trial_condition_entities"].filter(nct_id="NCT00000002")
    assert entities.select("condition_entity", "organ").row(0) == ("SSc-ILD", "lung")


def test_lupus_nephritis_with_glomerulonephritis_wording_is_not_a_basket() -> None:
    row = classify(
        "CAR-T in Lupus Nephritis",
        conditions=["Lupus Nephritis", "Glomerulonephritis"],
    )
    assert (row["condition_entity"], row["is_basket"]) == ("lupus nephritis", False)


@pytest.mark.parametrize(
    ("title", "entity"),
    [
        ("CAR-T Cells in Refractory AAV", "ANCA vasculitis"),
        ("CAR-T Cells in ANCA-associated Vasculitis (AAV)", "ANCA vasculitis"),
        ("AAV-delivered CAR Gene Therapy in Refractory SLE", "SLE"),
        ("An AAV Vector Encoding a CD19 CAR in Myasthenia Gravis", "myasthenia gravis"),
        ("rAAV9 In Vivo CAR in Refractory Lupus", "SLE"),
    ],
)
def test_aav_is_vasculitis_except_in_gene_therapy_wording(title: str, entity: str) -> None:
    row = classify(title)
    assert row["condition_entity"] == entity
