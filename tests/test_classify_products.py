"""Product names: one canonical name per product; unlisted codes as registered."""

from __future__ import annotations

import pytest

from tests.labelled.helpers import classify_one, make_record


def product_of(title: str | None = None, **fields: object) -> str | None:
    return classify_one(make_record("NCT00000001", title, **fields))["product_name"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("CABA-201", "rese-cel (CABA-201)"),
        ("rese-cel", "rese-cel (CABA-201)"),
        ("KYV101", "KYV-101"),
        ("Obecabtagene autoleucel (obe-cel)", "obe-cel"),
        ("rapcabtagene autoleucel (YTB323)", "YTB323 (rapcabtagene autoleucel)"),
        ("BMS-986353", "zola-cel (CC-97540)"),
        ("CC-97540", "zola-cel (CC-97540)"),
        ("Zola-cel", "zola-cel (CC-97540)"),
        ("Decartes-08", "Descartes-08"),
        ("Relmacabtagene Autoleucel (Relma-cel)", "relma-cel"),
        ("AZD0120", "GC012F (AZD0120)"),
        ("Inaticabtagene Autoleucel Injection", "inati-cel (CNCT19)"),
        ("Equecabtagene Autoleucel Injection", "eque-cel (CT103A)"),
        ("MB-CART2019.1", "MB-CART2019.1 (zamto-cel)"),
    ],
)
def test_aliases_give_one_canonical_name(name: str, canonical: str) -> None:
    assert product_of("A Study in Refractory SLE", interventions=[name]) == canonical


def test_several_listed_products_are_joined_in_order_of_mention() -> None:
    title = "DSG3-CAART or CD19-specific CAR T cells [CABA-201] in Pemphigus Vulgaris"
    assert product_of(title) == "DSG3-CAART; rese-cel (CABA-201)"


@pytest.mark.parametrize(
    ("interventions", "expected"),
    [
        (["JY231X injection"], "JY231X"),
        (["RD06-04 Cells injection"], "RD06-04"),
        (["LUCAR-G79D T cells"], "LUCAR-G79D"),
        (["TI-0032-III injection"], "TI-0032-III"),
        (["KSVCBD injection"], "KSVCBD"),
        (["Fludarabine", "Cyclophosphamide"], None),
        (["anti-CD19 CAR-T cells", "IL-15"], None),
    ],
)
def test_unlisted_codes_are_taken_as_registered(interventions: list[str], expected: str | None) -> None:
    assert product_of("CAR-T in SLE", interventions=interventions) == expected


def test_study_acronyms_and_antigen_names_are_not_products() -> None:
    assert product_of("KYSA-1: Anti-CD19 CAR T in Lupus Nephritis", acronym="KYSA-1") is None
    assert product_of("Covid-19 and CD19 CAR-T in SLE") is None
