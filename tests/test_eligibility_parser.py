"""The criteria parser on invented sentences, one group per construct the issue lists."""

from __future__ import annotations

import pytest

from etl.eligibility import Threshold, parse_criteria

Row = tuple[str, str, float, float | None]


def rows(text: str, section: str | None = None) -> list[Row]:
    """(measure, op, value, value_high) of every threshold, optionally only from one section."""
    return [
        (t.measure, t.op, t.value, t.value_high)
        for t in parse_criteria(text)
        if section is None or t.section == section
    ]


def sections(text: str) -> list[tuple[str, str]]:
    """(measure, section) of every threshold."""
    return [(t.measure, t.section) for t in parse_criteria(text)]


# --- sections -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Inclusion Criteria:\n- Age ≥ 18 years\nExclusion Criteria:\n- QTc > 470 ms",
            ["inclusion", "exclusion"],
        ),
        (
            "Key Inclusion Criteria\n1. LVEF ≥ 45%\nKey Exclusion Criteria\n1. eGFR < 30 mL/min/1.73m2",
            ["inclusion", "exclusion"],
        ),
        (
            "-Key Inclusion Criteria-\n• Weight ≥ 35 kg\n-Key Exclusion Criteria-\n• BMI > 40 kg/m2",
            ["inclusion", "exclusion"],
        ),
        (
            "Inclusion criteria: (1) age 18-60 years; (2) SLEDAI-2K ≥ 6. "
            "Exclusion criteria: (1) QTcF > 480 ms",
            ["inclusion", "inclusion", "exclusion"],
        ),
        (
            "Main Inclusion Criteria: * Hb ≥ 9 g/dL * Main Exclusion Criteria: * ANC < 1.0 x 10^9/L",
            ["inclusion", "exclusion"],
        ),
        (
            "Inclusion\nPlatelets ≥ 75 × 10^9/L\nExclusion\nPlatelets < 20 × 10^9/L",
            ["inclusion", "exclusion"],
        ),
        ("Exclusion Criteria (subjects meeting any of these are excluded):\n* ALT > 3 × ULN", ["exclusion"]),
        ("Non-inclusion criteria:\n- Total bilirubin > 2 mg/dL", ["exclusion"]),
        ("No heading at all: FVC ≥ 50% predicted", ["inclusion"]),
        # a mention of the exclusion criteria inside a sentence does not switch sections
        (
            "Inclusion Criteria:\nMeets none of the exclusion criteria and has DLCO ≥ 40% predicted",
            ["inclusion"],
        ),
    ],
)
def test_sections_in_their_many_spellings(text: str, expected: list[str]) -> None:
    assert [section for _, section in sections(text)] == expected


def test_markdown_escapes_from_the_api() -> None:
    text = (
        "Inclusion Criteria:\n\n* Estimated survival \\> 12 weeks\n"
        "* Creatinine \\>= 1.5 mg/dL\n* ANC \\< 1 x10\\^9/L"
    )
    assert rows(text) == [
        ("life_expectancy_weeks", ">", 12.0, None),
        ("serum_creatinine_mg_dl", ">=", 1.5, None),
        ("anc_x10e9_l", "<", 1.0, None),
    ]


# --- operators --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "op", "value"),
    [
        ("LVEF ≥ 50%", ">=", 50),
        ("LVEF >= 50%", ">=", 50),
        ("LVEF => 50%", ">=", 50),
        ("LVEF ≧ 50%", ">=", 50),
        ("LVEF ＞ 50%", ">", 50),
        ("LVEF > 50%", ">", 50),
        ("LVEF ≤ 70%", "<=", 70),
        ("LVEF ≦ 70%", "<=", 70),
        ("LVEF ＜ 70%", "<", 70),
        ("LVEF < 70%", "<", 70),
        ("LVEF ＞＝ 50%", ">=", 50),
        ("LVEF of at least 50%", ">=", 50),
        ("LVEF no less than 50%", ">=", 50),
        ("LVEF not less than 50%", ">=", 50),
        ("LVEF greater than or equal to 50%", ">=", 50),
        ("LVEF more than 50%", ">", 50),
        ("LVEF greater than 50%", ">", 50),
        ("LVEF above 50%", ">", 50),
        ("LVEF below 50%", "<", 50),
        ("LVEF less than 50%", "<", 50),
        ("LVEF not exceeding 70%", "<=", 70),
        ("LVEF up to 70%", "<=", 70),
        ("LVEF of 50% or more", ">=", 50),
        ("LVEF 50% or higher", ">=", 50),
        ("LVEF 70% or less", "<=", 70),
    ],
)
def test_operators_as_symbols_and_words(text: str, op: str, value: float) -> None:
    assert rows(text) == [("lvef_pct", op, value, None)]


def test_full_width_digits_and_symbols() -> None:
    assert rows("ＬＶＥＦ ≥ ５０％") == []  # full-width letters are not normalised; digits and % are
    assert rows("LVEF ≥ ５０％") == [("lvef_pct", ">=", 50.0, None)]


# --- ranges -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("Age 18-70 years", 18, 70),
        ("aged 18 – 70 years", 18, 70),
        ("Aged between 18 and 65 years", 18, 65),
        ("Children aged 5 to 17 years", 5, 17),
        ("Age: 18~65 years old", 18, 65),
        ("Age：18～65岁", 18, 65),
        ("Patients between 12 and 17 years old", 12, 17),
        ("men or women between the ages of 18 and 75", 18, 75),
        ("Age ≥ 18 and ≤ 65 years", 18, 65),
        ("Age ≥ 18 years, not exceeding 70 years", 18, 70),
        ("Age: ≥ 18 years old and ≤ 75 years old", 18, 75),
        ("Participants must be 6 to 17 years of age", 6, 17),
    ],
)
def test_age_ranges(text: str, low: float, high: float) -> None:
    assert rows(text) == [("age_years", "range", low, high)]


def test_a_strict_bound_keeps_two_rows() -> None:
    assert rows("Adults aged ≥ 18 years and < 65 years") == [
        ("age_years", ">=", 18.0, None),
        ("age_years", "<", 65.0, None),
    ]
    assert rows("Age 6 to <18 years") == [("age_years", ">=", 6.0, None), ("age_years", "<", 18.0, None)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Age ≥ 18 years", [("age_years", ">=", 18.0, None)]),
        ("Be at least 16 years of age", [("age_years", ">=", 16.0, None)]),
        ("Women or men ≥ 18 years", [("age_years", ">=", 18.0, None)]),
        ("Patients over 18 years of age", [("age_years", ">", 18.0, None)]),
        ("Age 18 years or older", [("age_years", ">=", 18.0, None)]),
        ("up to 74 years old", [("age_years", "<=", 74.0, None)]),
        ("Age ≥ 6 months", []),  # months of what? an age needs years or 'months of age'
        ("Infants aged ≥ 6 months of age", [("age_years", ">=", 0.5, None)]),
        # not the patient's age
        ("Women of childbearing age must use contraception for at least 6 months", []),
        ("Age at onset < 16 years", []),
    ],
)
def test_age_words(text: str, expected: list[Row]) -> None:
    got = [(m, o, round(v, 2), h) for m, o, v, h in rows(text)]
    assert got == expected


# --- units ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eGFR ≥ 30 mL/min/1.73m²", ("egfr_ml_min_1_73m2", ">=", 30.0, None)),
        ("eGFR ≥ 45 ml/min/1.73 m^2", ("egfr_ml_min_1_73m2", ">=", 45.0, None)),
        (
            "estimated glomerular filtration rate > 60 mL/minute per 1.73 m2",
            ("egfr_ml_min_1_73m2", ">", 60.0, None),
        ),
        (
            "Creatinine clearance ≥ 50 mL/min (Cockcroft-Gault)",
            ("creatinine_clearance_ml_min", ">=", 50.0, None),
        ),
        ("Platelets ≥ 100 ×10^9/L", ("platelets_x10e9_l", ">=", 100.0, None)),
        ("Platelet count ≥ 100 x 10E9/L", ("platelets_x10e9_l", ">=", 100.0, None)),
        ("PLT ≥ 75×10⁹/L", ("platelets_x10e9_l", ">=", 75.0, None)),
        ("platelet count ≥ 100,000/µL", ("platelets_x10e9_l", ">=", 100.0, None)),
        ("platelets ≥ 50,000/mm3", ("platelets_x10e9_l", ">=", 50.0, None)),
        ("ANC ≥ 1,500/mm³", ("anc_x10e9_l", ">=", 1.5, None)),
        ("absolute lymphocyte count ≥ 500 cells/μL", ("lymphocytes_x10e9_l", ">=", 0.5, None)),
        ("WBC ≥ 3.0 x 10^3/uL", ("wbc_x10e9_l", ">=", 3.0, None)),
        ("Hemoglobin ≥ 9 g/dL", ("hemoglobin_g_dl", ">=", 9.0, None)),
        ("Haemoglobin ≥ 90 g/L", ("hemoglobin_g_dl", ">=", 9.0, None)),
        ("Hb ≥ 80g/L", ("hemoglobin_g_dl", ">=", 8.0, None)),
        ("Glucocorticoids ≥ 0.5 mg/kg/d", ("prednisone_mg_kg_d", ">=", 0.5, None)),
        ("prednisone ≤ 0.5 mg/kg/day", ("prednisone_mg_kg_d", "<=", 0.5, None)),
        ("Prednisone ≤ 10 mg/day or equivalent", ("prednisone_mg_d", "<=", 10.0, None)),
        ("prednisone (or equivalent) dose ≤ 20 mg daily", ("prednisone_mg_d", "<=", 20.0, None)),
        ("ALT ≤ 2.5 × ULN", ("alt_x_uln", "<=", 2.5, None)),
        ("ALT ≤ 2.5xULN", ("alt_x_uln", "<=", 2.5, None)),
        ("ALT ≤ 3 times the upper limit of normal", ("alt_x_uln", "<=", 3.0, None)),
        ("ALT ≤ 3-fold the upper limit of normal", ("alt_x_uln", "<=", 3.0, None)),
        ("total bilirubin ≤ 1.5 × ULN", ("total_bilirubin_x_uln", "<=", 1.5, None)),
        ("total bilirubin ≤ 1.5 mg/dL", ("total_bilirubin_mg_dl", "<=", 1.5, None)),
        ("serum creatinine ≤ 133 µmol/L", ("serum_creatinine_umol_l", "<=", 133.0, None)),
        ("DLCO ≥ 40% of predicted", ("dlco_pct_pred", ">=", 40.0, None)),
        ("FVC ≥ 45% predicted", ("fvc_pct_pred", ">=", 45.0, None)),
        ("FVC ≥ 45%", ("fvc_pct_pred", ">=", 45.0, None)),
        ("SpO2 ≥ 92% on room air", ("spo2_pct", ">=", 92.0, None)),
        ("LVEF ≥ 45% by echocardiography", ("lvef_pct", ">=", 45.0, None)),
        ("urine protein to creatinine ratio ≥ 1.0 g/g", ("upcr_g_g", ">=", 1.0, None)),
        ("UPCR ≥ 500 mg/g", ("upcr_g_g", ">=", 0.5, None)),
        ("proteinuria ≥ 0.5 g/24 h", ("proteinuria_g_24h", ">=", 0.5, None)),
        ("24-hour urine protein ≥ 500 mg/day", ("proteinuria_g_24h", ">=", 0.5, None)),
        ("mean pulmonary arterial pressure ≥ 25 mmHg", ("mean_pap_mmhg", ">=", 25.0, None)),
        ("QTcF > 470 msec", ("qtc_ms", ">", 470.0, None)),
        ("anti-dsDNA ≥ 30 IU/mL", ("anti_dsdna_iu_ml", ">=", 30.0, None)),
        ("ANA titer ≥ 1:160", ("ana_titer", ">=", 160.0, None)),
        ("antinuclear antibodies at a titre of ≥ 1 : 80", ("ana_titer", ">=", 80.0, None)),
        ("INR ≤ 1.5 × ULN", ("inr_x_uln", "<=", 1.5, None)),
        ("Body weight ≥ 40 kg", ("weight_kg", ">=", 40.0, None)),
        ("weighing at least 35 kg", ("weight_kg", ">=", 35.0, None)),
        ("BMI between 18 and 35 kg/m2", ("bmi", "range", 18.0, 35.0)),
        ("Life expectancy ≥ 12 weeks", ("life_expectancy_weeks", ">=", 12.0, None)),
        ("Life expectancy of at least 3 months", ("life_expectancy_weeks", ">=", 13.04, None)),
        ("expected survival > three months", ("life_expectancy_weeks", ">", 13.04, None)),
        ("Disease duration ≥ 6 months", ("disease_duration_months", ">=", 6.0, None)),
        ("Disease duration ≤ 5 years", ("disease_duration_months", "<=", 60.0, None)),
        ("SLE diagnosed at least 6 months before screening", ("disease_duration_months", ">=", 6.0, None)),
        ("ECOG performance status 0-1", ("ecog", "range", 0.0, 1.0)),
        ("ECOG PS ≤ 2", ("ecog", "<=", 2.0, None)),
        ("ECOG 0 or 1", ("ecog", "range", 0.0, 1.0)),
        ("SLEDAI-2K score ≥ 6", ("sledai_2k", ">=", 6.0, None)),
        ("mRSS ≥ 15 and ≤ 45", ("mrss", "range", 15.0, 45.0)),
        ("CDAI > 10", ("cdai", ">", 10.0, None)),
        ("DAS28-CRP ≥ 3.2", ("das28", ">=", 3.2, None)),
        ("QMG score ≥ 11", ("qmg", ">=", 11.0, None)),
        ("MG-ADL total score ≥ 6", ("mg_adl", ">=", 6.0, None)),
        ("EDSS score between 2.0 and 6.5", ("edss", "range", 2.0, 6.5)),
    ],
)
def test_units_and_measures(text: str, expected: Row) -> None:
    assert rows(text) == [expected]


def test_a_bilirubin_in_mg_dl_is_not_a_multiple_of_uln() -> None:
    measures = [m for m, *_ in rows("total bilirubin ≤ 1.5 mg/dL and ≤ 1.5 × ULN")]
    assert measures == ["total_bilirubin_mg_dl", "total_bilirubin_x_uln"]


def test_a_value_restated_in_another_unit() -> None:
    assert rows("Serum creatinine < 221 µmol/L (2.5 mg/dL)") == [
        ("serum_creatinine_umol_l", "<", 221.0, None),
        ("serum_creatinine_mg_dl", "<", 2.5, None),
    ]
    assert rows("serum creatinine > 2.5 mg/dL or 221 μmol/L") == [
        ("serum_creatinine_mg_dl", ">", 2.5, None),
        ("serum_creatinine_umol_l", ">", 221.0, None),
    ]


# --- several measures in one sentence ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AST and ALT ≤ 3.0 ULN", [("ast_x_uln", "<=", 3.0, None), ("alt_x_uln", "<=", 3.0, None)]),
        (
            "AST/ALT below 3 times the upper limit of normal",
            [("ast_x_uln", "<", 3.0, None), ("alt_x_uln", "<", 3.0, None)],
        ),
        ("ALT or AST > 3× ULN", [("alt_x_uln", ">", 3.0, None), ("ast_x_uln", ">", 3.0, None)]),
        ("ALT and/or AST ≥ 5 x ULN", [("alt_x_uln", ">=", 5.0, None), ("ast_x_uln", ">=", 5.0, None)]),
        (
            "aspartate aminotransferase (AST) and alanine aminotransferase (ALT) ≤ 2.5 times ULN",
            [("ast_x_uln", "<=", 2.5, None), ("alt_x_uln", "<=", 2.5, None)],
        ),
        (
            "ALT ≤ 3 x ULN, AST ≤ 3 x ULN, total bilirubin ≤ 2 x ULN",
            [
                ("alt_x_uln", "<=", 3.0, None),
                ("ast_x_uln", "<=", 3.0, None),
                ("total_bilirubin_x_uln", "<=", 2.0, None),
            ],
        ),
        (
            "Hemoglobin ≥ 8 g/dL; ANC ≥ 1.0 × 10^9/L; platelets ≥ 50 × 10^9/L",
            [
                ("hemoglobin_g_dl", ">=", 8.0, None),
                ("anc_x10e9_l", ">=", 1.0, None),
                ("platelets_x10e9_l", ">=", 50.0, None),
            ],
        ),
        (
            "total bilirubin ≤ 1.5 × ULN (except Gilbert's syndrome, ≤ 3 × ULN)",
            [("total_bilirubin_x_uln", "<=", 1.5, None), ("total_bilirubin_x_uln", "<=", 3.0, None)],
        ),
        (
            "QTc > 470 ms (female) or > 450 ms (male)",
            [("qtc_ms", ">", 470.0, None), ("qtc_ms", ">", 450.0, None)],
        ),
        # a value for any one of a list of tests is no limit on each of them
        ("one of CK, AST, ALT, aldolase, LDH > 1.5 times upper limit of normal", []),
        ("Creatine kinase or aldolase ≥ 1.5 x ULN", []),
    ],
)
def test_several_measures_in_one_sentence(text: str, expected: list[Row]) -> None:
    assert rows(text) == expected


def test_an_aside_naming_another_measure_is_skipped() -> None:
    assert rows("DLCO (corrected for hemoglobin) ≥ 40% predicted") == [("dlco_pct_pred", ">=", 40.0, None)]


# --- numbers that are not thresholds ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Fulfil the 2013 ACR/EULAR classification criteria for systemic sclerosis",
        "Diagnosis according to the 2019 EULAR/ACR criteria (SLEDAI-2K and BILAG-2004 assessed)",
        "Signed informed consent before 1 January 2025",
        "Study product: CD19 CAR-T cells at 1 × 10^6 cells/kg, single infusion on day 0",
        "Cyclophosphamide 500 mg/m2 and fludarabine 25 mg/m2 for 3 days",
        "Treated with glucocorticoids and immunosuppressants for more than 3 months without remission",
        "Visit windows: day 28 ± 3 days",
        "An increase in mRSS of ≥ 3 units within 6 months",
        "Absolute decline in FVC ≥ 10% predicted within 12 months",
        "HbA1c > 8%",
        "Positive anti-dsDNA (above the ULN) or anti-Sm",
        "COVID-19 vaccination at least 2 weeks before enrolment is recommended",
        "Willing to use contraception until 12 months after the CAR-T infusion",
    ],
)
def test_numbers_that_are_not_thresholds(text: str) -> None:
    assert [r for r in rows(text) if not r[0].startswith("washout")] == []


# --- counts, BILAG, washouts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Failure of at least 2 immunosuppressants", ("prior_therapies_count", ">=", 2.0, None)),
        (
            "inadequate response to two or more standard immunosuppressive therapies",
            ("prior_therapies_count", ">=", 2.0, None),
        ),
        ("refractory to ≥ 3 prior lines of therapy", ("prior_therapies_count", ">=", 3.0, None)),
        ("failed at least one conventional synthetic DMARD", ("prior_therapies_count", ">=", 1.0, None)),
        ("received more than 2 prior treatments", ("prior_therapies_count", ">", 2.0, None)),
    ],
)
def test_prior_therapy_counts(text: str, expected: Row) -> None:
    assert rows(text) == [expected]


def test_prior_therapy_durations_are_no_counts() -> None:
    assert rows("at least 3 months of standard therapy; at least one course of ATG") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "BILAG-2004 A in ≥ 1 organ system or B in ≥ 2 organ systems",
            [("bilag_a_count", ">=", 1.0, None), ("bilag_b_count", ">=", 2.0, None)],
        ),
        (
            "at least 1 BILAG A or 2 BILAG B scores",
            [("bilag_a_count", ">=", 1.0, None), ("bilag_b_count", ">=", 2.0, None)],
        ),
        (
            "≥1 organ system with a British Isles Lupus Assessment Group (BILAG) A score",
            [("bilag_a_count", ">=", 1.0, None)],
        ),
        ("a BILAG-2004 score of B in at least two organ systems", [("bilag_b_count", ">=", 2.0, None)]),
    ],
)
def test_bilag_organ_counts(text: str, expected: list[Row]) -> None:
    assert rows(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Exclusion Criteria:\n- Live vaccine within 4 weeks before screening",
            [("washout_weeks", "<", 4.0, None)],
        ),
        (
            "Exclusion Criteria:\n- Received rituximab in the 12 weeks before enrolment",
            [("washout_weeks", "<", 12.0, None)],
        ),
        (
            "Inclusion Criteria:\n- No G-CSF within 2 weeks prior to screening",
            [("washout_weeks", ">=", 2.0, None)],
        ),
        (
            "Inclusion Criteria:\n- Methotrexate discontinued at least 4 weeks prior to leukapheresis",
            [("washout_weeks", ">=", 4.0, None)],
        ),
        (
            "Inclusion Criteria:\n- A washout of at least 8 weeks for belimumab",
            [("washout_weeks", ">=", 8.0, None)],
        ),
        ("Exclusion Criteria:\n- Investigational drug within 30 days", [("washout_days", "<", 30.0, None)]),
        # windows for events, stable doses and high-dose look-backs are no washout
        ("Exclusion Criteria:\n- Major surgery within 4 weeks", []),
        ("Exclusion Criteria:\n- Active infection requiring treatment within 2 weeks", []),
        ("Inclusion Criteria:\n- Stable dose of hydroxychloroquine for ≥ 8 weeks before screening", []),
        ("Inclusion Criteria:\n- Received steroids within 4 weeks", []),
    ],
)
def test_washouts(text: str, expected: list[Row]) -> None:
    assert rows(text) == expected


def test_a_high_dose_look_back_keeps_the_dose_but_no_washout() -> None:
    text = "Exclusion Criteria:\n- prednisone > 20 mg/day within 4 weeks before screening"
    assert rows(text) == [("prednisone_mg_d", ">", 20.0, None)]


# --- the Threshold record -------------------------------------------------------------------------------


def test_threshold_fields_and_dict() -> None:
    (threshold,) = parse_criteria("Exclusion Criteria:\n1. eGFR < 30 mL/min/1.73 m2 (CKD-EPI)")
    assert isinstance(threshold, Threshold)
    assert threshold.to_dict() == {
        "measure": "egfr_ml_min_1_73m2",
        "op": "<",
        "value": 30.0,
        "value_high": None,
        "unit": "mL/min/1.73m2",
        "section": "exclusion",
        "span": "eGFR < 30 mL/min/1.73 m2",
    }


def test_empty_and_missing_texts() -> None:
    assert parse_criteria("") == []
    assert parse_criteria(None) == []
    assert parse_criteria("Inclusion Criteria:\n- Signed informed consent") == []


def test_hard_wrapped_lines_are_joined() -> None:
    text = (
        "3) the maximum dose of steroids is\n30mg/day prednisone (or equivalent dose).\n"
        "4) mRSS\n≥ 15 at screening"
    )
    assert rows(text) == [("prednisone_mg_d", "<=", 30.0, None), ("mrss", ">=", 15.0, None)]


def test_the_same_text_parses_the_same_twice() -> None:
    text = "Inclusion Criteria:\n1. Age 18-65 years\nExclusion Criteria:\n1. Age 18-65 years"
    assert sections(text) == [("age_years", "inclusion"), ("age_years", "exclusion")]
    assert parse_criteria(text) == parse_criteria(text)


# --- more phrasings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18 ≤ age ≤ 65 years", [("age_years", "range", 18.0, 65.0)]),
        ("18 < age < 65", [("age_years", ">", 18.0, None), ("age_years", "<", 65.0, None)]),
        (
            "ANC ≥ 1.5 G/L and platelets ≥ 100 G/L",
            [("anc_x10e9_l", ">=", 1.5, None), ("platelets_x10e9_l", ">=", 100.0, None)],
        ),
        ("platelets > 100 000/mm3", [("platelets_x10e9_l", ">", 100.0, None)]),
        ("ANC ≥ 1,000/μL (1.0 × 10^9/L)", [("anc_x10e9_l", ">=", 1.0, None)]),  # one limit, said twice
        ("a stable dose (≤ 10 mg/day of prednisone or equivalent)", [("prednisone_mg_d", "<=", 10.0, None)]),
        ("glucocorticoid pulse therapy (methylprednisolone > 250 mg/day)", []),
        ("EDSS score ≤ 7.0, at least 2 relapses in the last 12 months", [("edss", "<=", 7.0, None)]),
        (
            "QTc ≤ 450 ms for males and ≤ 470 ms for females",
            [("qtc_ms", "<=", 450.0, None), ("qtc_ms", "<=", 470.0, None)],
        ),
        ("disease course ≥ 6 months", [("disease_duration_months", ">=", 6.0, None)]),
        (
            "NEUT≥1.5×10^9/L, HGB≥90g/L",
            [("anc_x10e9_l", ">=", 1.5, None), ("hemoglobin_g_dl", ">=", 9.0, None)],
        ),
        (
            "BILAG A ≥ 1 or BILAG B ≥ 2",
            [("bilag_a_count", ">=", 1.0, None), ("bilag_b_count", ">=", 2.0, None)],
        ),
    ],
)
def test_more_phrasings(text: str, expected: list[Row]) -> None:
    assert rows(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Exclusion Criteria:\n- Used rituximab in the past 6 months", [("washout_months", "<", 6.0, None)]),
        ("Inclusion Criteria:\n- Treated with MMF for at least 12 weeks prior to screening", []),
        ("Inclusion Criteria:\n- ≥ 4 weeks since the first dose of vaccine", []),
    ],
)
def test_more_washout_phrasings(text: str, expected: list[Row]) -> None:
    assert rows(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eGFR ≥ 60 mL/min/1.73m2 or creatinine ≤ 1.5 mg/dL", ["alternative", "alternative"]),
        ("eGFR ≥ 60 mL/min/1.73m2 and creatinine ≤ 1.5 mg/dL", [None, None]),
        ("Total bilirubin ≤ 1.5 × ULN (≤ 3 × ULN for Gilbert syndrome)", [None, "exception"]),
        ("Creatinine < 221 µmol/L (2.5 mg/dL)", None),  # a restated value is one limit, not an exception
    ],
)
def test_or_alternatives_and_bracketed_exceptions(text: str, expected: list[str | None] | None) -> None:
    found = parse_criteria(text)
    if expected is None:
        assert all(t.qualifier is None for t in found)
        return
    assert [t.qualifier for t in found] == expected
    if "alternative" in expected or "exception" in expected:
        assert any("qualifier" in t.to_dict() for t in found)
