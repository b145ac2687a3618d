"""Inclusion: is a trial CAR-based (with the reason), and the ledger of what was kept and why."""

from __future__ import annotations

import polars as pl

from etl.classify.evidence import quote_term, select_evidence
from etl.classify.matching import find_terms
from etl.classify.texts import (
    CONDITION_FIELDS,
    EVIDENCE_FIELD_ORDER,
    TIER_A_FIELDS,
    TIER_B_FIELDS,
    rank_field,
)
from etl.classify.vocabularies import load_car_terms

CAR_FIELDS = (*TIER_A_FIELDS, *TIER_B_FIELDS, *CONDITION_FIELDS)
NOT_CAR_REASON = (
    "no CAR wording or listed CAR product in titles, interventions, keywords, conditions, summary or "
    "descriptions"
)
LEDGER_SCHEMA = {"stage": pl.String, "reason": pl.String, "trial_count": pl.Int64}


def classify_car_based(
    trials: pl.DataFrame, texts: pl.DataFrame, product_matches: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(nct_id, is_car_based, car_based_reason) per trial and the car_based evidence.

    CAR wording anywhere but MeSH ancestors counts, and so does a listed product; the reason names
    the plainest field ("term 'chimeric antigen receptor' in brief_title").
    """
    wording = find_terms(texts, load_car_terms(), CAR_FIELDS).select(
        "nct_id", "field", "item", "position", "matched_term", pl.lit("CAR wording").alias("kind")
    )
    products = product_matches.select(
        "nct_id", "field", "item", "position", "matched_term", pl.lit("listed CAR product").alias("kind")
    )
    hits = (
        pl.concat([wording, products])
        .with_columns(rank_field(EVIDENCE_FIELD_ORDER).alias("field_rank"))
        .sort("nct_id", "field_rank", "item", "position")
    )
    first = hits.unique("nct_id", keep="first", maintain_order=True).select(
        "nct_id",
        (
            pl.when(pl.col("kind") == "CAR wording").then(pl.lit("term ")).otherwise(pl.lit("product "))
            + quote_term(pl.col("matched_term"))
            + pl.lit(" in ")
            + pl.col("field")
        ).alias("car_based_reason"),
    )
    result = (
        trials.select("nct_id")
        .join(first, on="nct_id", how="left")
        .with_columns(
            pl.col("car_based_reason").is_not_null().alias("is_car_based"),
            pl.col("car_based_reason").fill_null(NOT_CAR_REASON),
        )
        .select("nct_id", "is_car_based", "car_based_reason")
    )
    evidence = pl.concat(
        [
            select_evidence(
                hits.unique(["nct_id", "field", "matched_term"], maintain_order=True),
                "car_based",
                pl.lit("true"),
                pl.col("kind") + pl.lit(" ") + quote_term(pl.col("matched_term")),
                pl.col("matched_term"),
                pl.col("field"),
            ),
            select_evidence(
                result.filter(~pl.col("is_car_based")), "car_based", pl.lit("false"), pl.lit(NOT_CAR_REASON)
            ),
        ]
    )
    return result, evidence


def build_inclusion_ledger(trials: pl.DataFrame) -> pl.DataFrame:
    """How many records were fetched, CAR-based, autoimmune, excluded (and why), and shown.

    `trials` needs is_car_based, is_autoimmune and exclusion_reason (set for CAR-based trials
    that are not autoimmune).
    """
    car = trials.filter(pl.col("is_car_based"))
    shown = car.filter(pl.col("is_autoimmune"))
    rows: list[tuple[str, str, int]] = [
        ("fetched", "records received from the registry", trials.height),
        ("excluded", NOT_CAR_REASON, trials.height - car.height),
        ("car_based", "CAR wording or a listed CAR product", car.height),
    ]
    excluded = (
        car.filter(~pl.col("is_autoimmune"))
        .group_by("exclusion_reason")
        .len()
        .sort("len", "exclusion_reason", descending=[True, False])
    )
    rows.extend(("excluded", f"CAR-based, {reason}", count) for reason, count in excluded.iter_rows())
    rows.append(("autoimmune", "CAR-based with an autoimmune or immune-mediated condition", shown.height))
    mixed = shown.filter(pl.col("has_oncology")).height
    rows.append(("autoimmune", "of which also naming a cancer (kept: autoimmune cohort beside it)", mixed))
    rows.append(("included", "CAR-based and autoimmune: shown in the dashboard", shown.height))
    return pl.DataFrame(rows, schema=LEDGER_SCHEMA, orient="row")
