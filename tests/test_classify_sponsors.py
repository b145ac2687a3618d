"""Sponsor names (one spelling per institution) and sponsor classes."""

from __future__ import annotations

import pytest

from etl.classify.sponsor_names import clean_sponsor_name, compute_sponsor_key
from etl.classify.sponsors import format_sponsor_case
from tests.labelled.helpers import classify_records, make_record


def sponsors_of(*pairs: tuple[str | None, str | None]) -> list[tuple[str | None, str | None]]:
    records = [
        make_record(f"NCT{index:08d}", "CD19 CAR-T in SLE", sponsor=name, sponsor_class=agency)
        for index, (name, agency) in enumerate(pairs, 1)
    ]
    trials = classify_records(records)["trials"].sort("nct_id")
    return list(trials.select("sponsor_name", "sponsor_class").iter_rows())


@pytest.mark.parametrize(
    ("registered", "cleaned"),
    [
        ("The Children's Hospital of Zhejiang University School of Medicine",
         "Children's Hospital of Zhejiang University School of Medicine"),
        ("Chongqing Precision Biotech Co., Ltd", "Chongqing Precision Biotech"),
        ("Hebei Senlang Biotechnology Inc., Ltd.", "Hebei Senlang Biotechnology"),
        ("Shanghai Cell Therapy Group Co.,Ltd", "Shanghai Cell Therapy Group"),
        ("Institute of Hematology & Blood Diseases Hospital, China",
         "Institute of Hematology & Blood Diseases Hospital"),
        ("Marcela V. Maus, M.D.,Ph.D.", "Marcela V. Maus"),
        ("Ting Chang, MD", "Ting Chang"),
        ("Kite, A Gilead Company", "Kite, A Gilead Company"),
    ],
)  # fmt: skip
def test_clean_sponsor_name(registered: str, cleaned: str) -> None:
    assert clean_sponsor_name(registered) == cleaned


def test_format_sponsor_case_title_cases_capitals_only() -> None:
    assert format_sponsor_case("THE CHILDREN'S HOSPITAL OF ZHEJIANG UNIVERSITY SCHOOL OF MEDICINE") == (
        "The Children's Hospital of Zhejiang University School of Medicine"
    )
    assert format_sponsor_case("CHANGZHOU NO.2 PEOPLE'S HOSPITAL") == "Changzhou No.2 People's Hospital"
    assert format_sponsor_case("PERSONGEN BIOTHERAPEUTICS (SUZHOU)") == "Persongen Biotherapeutics (Suzhou)"
    assert format_sponsor_case("Chinese PLA General Hospital") == "Chinese PLA General Hospital"


def test_sponsor_key_joins_case_punctuation_and_small_words() -> None:
    assert compute_sponsor_key("ZHEJIANG UNIVERSITY") == compute_sponsor_key("Zhejiang University")
    assert compute_sponsor_key("Liang Zou") == compute_sponsor_key("LIANGZOU")
    assert compute_sponsor_key(
        "Children's Hospital, Zhejiang University School of Medicine"
    ) == compute_sponsor_key("The Children's Hospital of Zhejiang University School of Medicine")


def test_spellings_of_one_institution_get_one_name() -> None:
    names = sponsors_of(
        ("ZHEJIANG UNIVERSITY", "OTHER"),
        ("Zhejiang University", "OTHER"),
        ("THE CHILDREN'S HOSPITAL OF ZHEJIANG UNIVERSITY SCHOOL OF MEDICINE", "OTHER"),
        ("The Children's Hospital of Zhejiang University School of Medicine", "OTHER"),
        ("WUHAN UNION HOSPITAL, CHINA", None),
        ("Union Hospital, Tongji Medical College, Huazhong University of Science and Technology", "OTHER"),
    )
    assert [name for name, _ in names] == [
        "Zhejiang University",
        "Zhejiang University",
        "Children's Hospital of Zhejiang University School of Medicine",
        "Children's Hospital of Zhejiang University School of Medicine",
        "Union Hospital, Tongji Medical College, Huazhong University of Science and Technology",
        "Union Hospital, Tongji Medical College, Huazhong University of Science and Technology",
    ]


def test_alias_file_names_known_companies() -> None:
    names = sponsors_of(
        ("Novartis Pharmaceuticals", "INDUSTRY"),
        ("Juno Therapeutics, Inc., a Bristol-Myers Squibb Company", "INDUSTRY"),
        ("Autolus Limited", "INDUSTRY"),
        ("Miltenyi Biomedicine GmbH", "INDUSTRY"),
        ("Charite University, Berlin, Germany", "OTHER"),
    )
    assert [name for name, _ in names] == [
        "Novartis",
        "Juno Therapeutics (Bristol-Myers Squibb)",
        "Autolus",
        "Miltenyi Biomedicine",
        "Charité – Universitätsmedizin Berlin",
    ]


def test_an_all_caps_name_without_a_mixed_case_twin_is_title_cased() -> None:
    assert sponsors_of(("CHANGZHOU NO.2 PEOPLE'S HOSPITAL", None)) == [
        ("Changzhou No.2 People's Hospital", "academic/hospital")
    ]


@pytest.mark.parametrize(
    ("name", "agency", "expected"),
    [
        ("Example Institute (NIH)", "NIH", "government"),
        ("Example Agency", "FED", "government"),
        ("Example Provincial Hospital", "OTHER_GOV", "academic/hospital"),
        ("Example Ministry of Health", "OTHER_GOV", "government"),
        ("Example Ministry of Health", None, "government"),
        ("Example Biotech", "OTHER", "industry"),
        ("Nkarta, Inc.", None, "industry"),
        ("Example University", "OTHER", "academic/hospital"),
        ("Example Medical Center", None, "academic/hospital"),
        ("Example Cell Valley", "INDUSTRY", "industry"),
        # A person as lead sponsor (sponsor-investigator, class OTHER or none) is academic/hospital.
        ("Jane Doe", "OTHER", "academic/hospital"),
        ("Jane Doe", None, "academic/hospital"),
        ("Jane Doe", "INDIV", "other"),
        ("Example Research Group", "OTHER", "other"),
    ],
)
def test_sponsor_class_rules(name: str, agency: str | None, expected: str) -> None:
    assert sponsors_of((name, agency))[0][1] == expected


def test_no_registered_sponsor_gives_no_name_and_no_class() -> None:
    assert sponsors_of((None, None)) == [(None, None)]


def test_sponsor_evidence_keeps_the_registered_spelling() -> None:
    records = [make_record("NCT00000001", "CAR-T in SLE", sponsor="Nkarta, Inc.")]
    evidence = classify_records(records)["classification_evidence"].filter(axis="sponsor")
    rows = set(evidence.select("label", "matched_term").rows())
    assert ("Nkarta", "Nkarta, Inc.") in rows
    assert ("industry", "Inc") in rows


def test_sponsor_investigator_keeps_the_name_and_shows_the_institution() -> None:
    records = [
        make_record(
            "NCT00000001",
            "CAR-T in SLE",
            sponsor="Jane Doe, MD",
            sponsor_class="OTHER",
            responsible_party={
                "type": "SPONSOR_INVESTIGATOR",
                "investigatorFullName": "Jane Doe",
                "investigatorAffiliation": "Example University Hospital",
            },
            sites=["Example Site Hospital"],
        ),
        make_record("NCT00000002", "CAR-T", sponsor="John Roe", sponsor_class="OTHER", sites=["A Clinic"]),
        make_record("NCT00000003", "CAR-T", sponsor="Jim Poe", sponsor_class="OTHER"),
        make_record("NCT00000004", "CAR-T", sponsor="Example University", sponsor_class="OTHER", sites=["X"]),
    ]
    out = classify_records(records)
    rows = {
        r["nct_id"]: (r["sponsor_name"], r["sponsor_class"], r["is_sponsor_person"], r["sponsor_institution"])
        for r in out["trials"].iter_rows(named=True)
    }
    assert rows == {
        "NCT00000001": ("Jane Doe", "academic/hospital", True, "Example University Hospital"),
        "NCT00000002": ("John Roe", "academic/hospital", True, "A Clinic"),
        "NCT00000003": ("Jim Poe", "academic/hospital", True, None),
        "NCT00000004": ("Example University", "academic/hospital", False, None),
    }
    evidence = out["classification_evidence"].filter(axis="sponsor", nct_id="NCT00000001")
    assert "responsible_party_affiliation" in evidence["field"].to_list()


def test_sponsor_spelling_is_the_first_seen_variant_and_does_not_flip() -> None:
    first = make_record("NCT00000001", "CAR-T", sponsor="Example Biotherapeutics", first_posted="2023-01-05")
    later = [
        make_record(f"NCT0000001{i}", "CAR-T", sponsor="Example BioTherapeutics", first_posted="2025-03-01")
        for i in range(3)
    ]
    names = set(classify_records([first, *later])["trials"]["sponsor_name"])
    assert names == {"Example Biotherapeutics"}
    # Without dates the earliest NCT ID decides.
    undated = [
        make_record("NCT00000009", "CAR-T in SLE", sponsor="Example BioTherapeutics"),
        make_record("NCT00000002", "CAR-T in SLE", sponsor="Example Biotherapeutics"),
    ]
    assert set(classify_records(undated)["trials"]["sponsor_name"]) == {"Example Biotherapeutics"}
