"""Named products: find them (with their antigens and modality) and pick each trial's product name."""

from __future__ import annotations

import polars as pl

from etl.classify.evidence import quote_term, select_evidence
from etl.classify.matching import find_terms
from etl.classify.texts import (
    EVIDENCE_FIELD_ORDER,
    TIER_A_FIELDS,
    TIER_B_FIELDS,
    rank_field,
)
from etl.classify.vocabularies import load_products

NO_PRODUCT = "(none stated)"
# Where an unlisted product code counts: intervention names first, then titles (not acronyms,
# which are study names such as "KYSA-1").
CODE_FIELDS = ("intervention_name", "intervention_other_name", "brief_title", "official_title")
# INN-style names ("...cabtagene autoleucel", "xxx-cel") and sponsor codes ("JY231", "RD06-04",
# "LUCAR-G79D", "TI-0032").
PRODUCT_CODE_PATTERN = (
    r"(?i)(?-u:\b)[a-z]+cabtagene[\s\-]+(?:autoleucel|zapreleucel|leucel)(?-u:\b)"
    r"|(?-u:\b)[a-z]{3,}-cel(?-u:\b)"
    r"|(?-u:\b)[a-z]{1,10}(?:-[a-z]{1,6})?-?\d{2,6}[a-z]{0,2}(?:[-.]\d{1,3}[a-z]{0,3}|-[ivx]{1,4})?(?-u:\b)"
)
# Letters-only codes written in capitals right before "injection" or "cells" ("KSVCBD injection").
CAPITAL_CODE_PATTERN = (
    r"(?-u:\b)([A-Z][A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s+(?:[Ii]njection|[Cc]ells?(?-u:\b)|CAR-?T)"
)
# Letter prefixes of codes that are not products: markers, cytokines, registry IDs, study words.
NOT_PRODUCT_PREFIXES = (
    "cd", "il", "covid", "nct", "hla", "sars", "igg", "iga", "igm", "ifn", "tnf", "tgf", "car", "cart",
    "ccr", "cxcr", "nk", "ms", "tnfrsf", "who", "type", "stage", "week", "weeks", "day", "days", "dose",
    "grade", "step", "phase", "part", "cohort", "arm", "class", "version", "x", "n", "p", "q", "vs",
    "baffr", "bcma", "ucar", "ccar", "scar", "mrna", "anti", "dual", "tandem", "allo", "auto", "universal",
    "baff", "april", "nkt", "treg", "tregs", "gmp",
)  # fmt: skip


def find_products(texts: pl.DataFrame) -> pl.DataFrame:
    """Every products.csv alias in titles, interventions, summary and keywords, with its tier (0 = A)."""
    matches = find_terms(texts, load_products(), (*TIER_A_FIELDS, *TIER_B_FIELDS))
    return matches.with_columns(
        pl.when(pl.col("field").is_in(TIER_A_FIELDS)).then(0).otherwise(1).cast(pl.Int8).alias("tier")
    )


def classify_products(
    trials: pl.DataFrame, texts: pl.DataFrame, product_matches: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(nct_id, product_name) for every trial, and the product evidence.

    Listed products from the best tier win (several are joined with '; ' in order of mention);
    otherwise the first INN-style name or sponsor code in intervention names or titles, as registered.
    """
    listed = _choose_listed(product_matches)
    unlisted = _find_codes(texts.join(listed.select("nct_id").unique(), on="nct_id", how="anti"))
    chosen = pl.concat(
        [
            listed.select("nct_id", "product_name", "matched_term", "field", "rule"),
            unlisted.select("nct_id", "product_name", "matched_term", "field", "rule"),
        ]
    )
    names = chosen.group_by("nct_id", maintain_order=True).agg(
        pl.col("product_name").unique(maintain_order=True).str.join("; ")
    )
    result = trials.select("nct_id").join(names, on="nct_id", how="left")
    evidence = [
        select_evidence(
            chosen, "product", pl.col("product_name"), pl.col("rule"), pl.col("matched_term"), pl.col("field")
        ),
        select_evidence(
            result.filter(pl.col("product_name").is_null()),
            "product",
            pl.lit(NO_PRODUCT),
            pl.lit("no listed product, INN-style name or product code in titles or intervention names"),
        ),
    ]
    return result, pl.concat(evidence)


def _choose_listed(product_matches: pl.DataFrame) -> pl.DataFrame:
    if product_matches.is_empty():
        return pl.DataFrame(
            schema={
                "nct_id": pl.String,
                "product_name": pl.String,
                "matched_term": pl.String,
                "field": pl.String,
                "rule": pl.String,
            }
        )
    best = product_matches.filter(pl.col("tier") == pl.col("tier").min().over("nct_id"))
    return (
        best.with_columns(rank_field(EVIDENCE_FIELD_ORDER).alias("field_rank"))
        .sort("nct_id", "field_rank", "item", "position")
        .unique(["nct_id", "product_name"], keep="first", maintain_order=True)
        .with_columns(
            (pl.lit("products.csv alias ") + quote_term(pl.col("matched_term").str.to_lowercase())).alias(
                "rule"
            )
        )
    )


def _find_codes(texts: pl.DataFrame) -> pl.DataFrame:
    code_order = {field: rank for rank, field in enumerate(CODE_FIELDS)}
    candidates = texts.filter(pl.col("field").is_in(CODE_FIELDS))
    found = (
        candidates.select(
            "nct_id",
            "field",
            "item",
            pl.concat_list(
                pl.col("text").str.extract_all(PRODUCT_CODE_PATTERN),
                pl.col("text")
                .str.extract_all(CAPITAL_CODE_PATTERN)
                .list.eval(pl.element().str.extract(CAPITAL_CODE_PATTERN)),
            ).alias("matched_term"),
        )
        .filter(pl.col("matched_term").list.len() > 0)
        .with_columns(pl.int_ranges(pl.col("matched_term").list.len()).alias("position"))
        .explode(["matched_term", "position"])
        .with_columns(pl.col("matched_term").str.to_lowercase().str.extract(r"^([a-z]+)").alias("prefix"))
        .filter(~pl.col("prefix").is_in(NOT_PRODUCT_PREFIXES))
        .with_columns(pl.col("field").replace_strict(code_order, return_dtype=pl.Int32).alias("field_rank"))
        .sort("nct_id", "field_rank", "item", "position")
        .unique("nct_id", keep="first", maintain_order=True)
    )
    return found.with_columns(
        pl.col("matched_term").alias("product_name"),
        pl.lit("product name or code as registered (not in products.csv)").alias("rule"),
    )
