"""Alias patterns and term finding: separators, plurals, slashes, word boundaries."""

from __future__ import annotations

import polars as pl
import pytest

from etl.classify.matching import (
    build_alias_pattern,
    build_alternation,
    compile_vocabulary,
    compute_alias_key,
    find_terms,
    split_alias_tokens,
)


def extract(pattern: str, text: str) -> list[str]:
    return pl.Series([text]).str.extract_all(pattern)[0].to_list()


def test_split_alias_tokens_breaks_at_separators_and_letter_digit_changes() -> None:
    assert split_alias_tokens("CD19") == ["cd", "19"]
    assert split_alias_tokens("car-t") == ["car", "t"]
    assert split_alias_tokens("MB-CART19.1") == ["mb", "cart", "19.1"]


@pytest.mark.parametrize("text", ["CD19", "CD-19", "CD 19", "cd19", "anti-CD19", "CD19/BCMA"])
def test_alias_pattern_accepts_separator_variants(text: str) -> None:
    assert extract("(?i)" + build_alias_pattern("cd19"), text)


@pytest.mark.parametrize("text", ["CD190", "ACD19", "CD1"])
def test_alias_pattern_respects_word_boundaries(text: str) -> None:
    assert not extract("(?i)" + build_alias_pattern("cd19"), text)


def test_car_t_alias_finds_cart_and_car_t_but_not_car_treg() -> None:
    pattern = "(?i)" + build_alias_pattern("car t")
    assert extract(pattern, "CAR-T cells") == ["CAR-T"]
    assert extract(pattern, "CART19 and CAR T") == ["CAR T"]
    assert extract(pattern, "CAR-Treg") == []


def test_slash_alias_allows_spaces_around_the_slash() -> None:
    assert extract("(?i)" + build_alias_pattern("cd19/20"), "Universal CD19 / 20 CAR-T") == ["CD19 / 20"]


def test_alternation_prefers_the_longer_alias() -> None:
    pattern = build_alternation(["lupus", "lupus nephritis"])
    assert extract(pattern, "Lupus Nephritis") == ["Lupus Nephritis"]


def test_non_ascii_alias_edges_still_match() -> None:
    assert extract(build_alternation(["γδ t"]), "CD19 CAR-γδT cells") == ["γδT"]


def test_alias_key_ignores_case_and_separators() -> None:
    assert compute_alias_key("CD-19") == compute_alias_key("cd 19") == "cd19"


def test_find_terms_maps_matches_to_payload_with_position() -> None:
    vocabulary = compile_vocabulary(
        "test",
        [{"aliases": ["cd19"], "antigen": "CD19"}, {"aliases": ["bcma"], "antigen": "BCMA"}],
        "aliases",
    )
    texts = pl.DataFrame(
        {"nct_id": ["N1", "N2"], "field": ["brief_title", "brief_title"], "item": [0, 0],
         "text": ["BCMA-CD19 cCAR", "nothing here"]},
        schema={"nct_id": pl.String, "field": pl.String, "item": pl.Int32, "text": pl.String},
    )  # fmt: skip
    found = find_terms(texts, vocabulary, ("brief_title",)).sort("position")
    assert found["antigen"].to_list() == ["BCMA", "CD19"]
    assert found["position"].to_list() == [0, 1]
    assert found["nct_id"].unique().to_list() == ["N1"]


def test_plural_key_maps_to_the_singular_alias() -> None:
    vocabulary = compile_vocabulary("test", [{"aliases": ["car treg"], "label": "x"}], "aliases")
    texts = pl.DataFrame(
        {"nct_id": ["N1"], "field": ["f"], "item": [0], "text": ["CD6-CAR Tregs"]},
        schema={"nct_id": pl.String, "field": pl.String, "item": pl.Int32, "text": pl.String},
    )
    assert find_terms(texts, vocabulary, ("f",))["matched_term"].to_list() == ["CAR Tregs"]
