"""Conditions: autoimmune or not (oncology-only excluded), entities, family, basket."""

from __future__ import annotations

import polars as pl

from etl.classify.evidence import quote_term, select_evidence
from etl.classify.matching import find_terms
from etl.classify.texts import CONDITION_FIELD_ORDER, rank_field
from etl.classify.vocabularies import load_conditions, load_oncology_terms

# Entities are read from the registered conditions, the titles, MeSH terms and keywords (MeSH
# ancestors give umbrella terms only). Umbrella entities are dropped when a specific entity they
# cover is named: "autoimmune disease (unspecified)" (family other) by any specific entity, the
# family umbrellas ("vasculitis (unspecified)", "immune kidney disease (unspecified)"...) by a
# specific entity of their own family. The primary entity is the first one in the order:
# registered conditions (as ordered by the sponsor), brief title, official title, MeSH, keywords. So
# lupus nephritis is primary when it is the stated condition, SLE when SLE is listed first.
# A basket trial names two or more specific diseases (a manifestation and its parent, such as lupus
# nephritis and SLE, count once), or only an umbrella term ("refractory autoimmune diseases").

ENTITY_FIELDS = CONDITION_FIELD_ORDER
ONCOLOGY_FIELDS = ("condition", "brief_title", "official_title", "mesh", "keyword")
# Umbrella terms of this family ("autoimmune disease (unspecified)") give way to any specific entity.
UMBRELLA_FAMILY = "other"
# "AAV" is also adeno-associated virus: in gene-therapy wording ("AAV vector", "AAV-delivered", "AAV9",
# "rAAV") it is masked before condition aliases are matched, so it does not read as ANCA vasculitis.
AAV_VECTOR_MASK = (
    r"(?i)adeno[\s\-]*associated[\s\-]*vir(?:us|al)(?:[\s\-]*vectors?)?\s*\(\s*r?aav\d{0,2}\s*\)"
    r"|(?-u:\b)(?:r|sc)aav\d{0,2}(?-u:\b)"
    r"|(?-u:\b)aav\d{1,2}(?-u:\b)"
    r"|(?-u:\b)aav[\s\-]*(?:vectors?|deliver\w*|mediated|based|gene\w*|capsids?|serotypes?|encod\w*"
    r"|transduc\w*|particles?|construct\w*)(?-u:\b)"
)
NO_CONDITION_REASON = "no autoimmune or immune-mediated condition named"


def classify_conditions(
    trials: pl.DataFrame, texts: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Per-trial condition columns, the trial_condition_entities table, and evidence.

    Per-trial columns: is_autoimmune, autoimmune_reason, condition_entity, condition_family,
    is_basket, has_oncology, exclusion_reason (why a trial is not autoimmune).
    """
    oncology = _find_oncology(texts)
    entities = _find_entities(texts, oncology)
    ordered = (
        entities.with_columns(rank_field(CONDITION_FIELD_ORDER).alias("field_rank"))
        .sort("nct_id", "field_rank", "item", "position")
        .with_columns(
            pl.col("is_generic").all().over("nct_id").alias("only_generic"),
            (~pl.col("is_generic")).any().over("nct_id").alias("has_specific"),
            (~pl.col("is_generic")).any().over("nct_id", "family").alias("family_has_specific"),
            # An organ umbrella ("glomerulonephritis") gives way to a specific entity of that organ even
            # when the entity's family is its systemic parent's (lupus nephritis is rheumatic).
            (~pl.col("is_generic") & pl.col("organ").is_not_null())
            .any()
            .over("nct_id", "organ")
            .alias("organ_has_specific"),
        )
        .filter(
            ~pl.col("is_generic")
            | ~(
                pl.col("family_has_specific")
                | (pl.col("organ").is_not_null() & pl.col("organ_has_specific"))
                | ((pl.col("family") == UMBRELLA_FAMILY) & pl.col("has_specific"))
            )
        )
    )
    distinct = ordered.unique(["nct_id", "entity"], keep="first", maintain_order=True).with_columns(
        (pl.int_range(pl.len()).over("nct_id") == 0).alias("is_primary")
    )
    per_trial = distinct.group_by("nct_id", maintain_order=True).agg(
        pl.col("entity").first().alias("condition_entity"),
        pl.col("family").first().alias("condition_family"),
        ((pl.col("root_entity").n_unique() >= 2) | pl.col("only_generic").first()).alias("is_basket"),
        (
            pl.lit("term ")
            + quote_term(pl.col("matched_term").first())
            + pl.lit(" in ")
            + pl.col("field").first()
        ).alias("autoimmune_reason"),
    )
    oncology_first = (
        oncology.with_columns(rank_field(CONDITION_FIELD_ORDER).alias("field_rank"))
        .sort("nct_id", "field_rank", "item", "position")
        .unique("nct_id", keep="first", maintain_order=True)
        .select(
            "nct_id",
            (pl.lit("oncology only (") + pl.col("category") + pl.lit(")")).alias("oncology_reason"),
            (pl.lit(": term ") + quote_term(pl.col("matched_term")) + pl.lit(" in ") + pl.col("field")).alias(
                "oncology_detail"
            ),
        )
    )
    result = (
        trials.select("nct_id")
        .join(per_trial, on="nct_id", how="left")
        .join(oncology_first, on="nct_id", how="left")
        .with_columns(
            pl.col("condition_entity").is_not_null().alias("is_autoimmune"),
            pl.col("oncology_reason").is_not_null().alias("has_oncology"),
            pl.col("is_basket").fill_null(False),
        )
        .with_columns(
            # exclusion_reason is the ledger's category; autoimmune_reason adds the matched term.
            pl.when(pl.col("is_autoimmune"))
            .then(None)
            .otherwise(pl.col("oncology_reason").fill_null(NO_CONDITION_REASON))
            .alias("exclusion_reason")
        )
        .with_columns(
            pl.col("autoimmune_reason").fill_null(
                pl.col("exclusion_reason") + pl.col("oncology_detail").fill_null("")
            )
        )
        .drop("oncology_reason", "oncology_detail")
    )
    entity_table = distinct.select(
        "nct_id",
        pl.col("entity").alias("condition_entity"),
        pl.col("family").alias("condition_family"),
        "is_primary",
        "organ",
    )
    return result, entity_table, _build_evidence(result, ordered)


def build_organ_tags(entities: pl.DataFrame) -> pl.DataFrame:
    """trial_organ_tags: (nct_id, organ, condition_entity) for every entity with an organ tag.

    Read from trial_condition_entities after curated overrides, so an override's entities count.
    """
    organs = {entity: organ for entity, organ in load_conditions().organs.items() if organ}
    return (
        entities.select(
            "nct_id",
            pl.col("condition_entity")
            .replace_strict(organs, default=None, return_dtype=pl.String)
            .alias("organ"),
            "condition_entity",
        )
        .filter(pl.col("organ").is_not_null())
        .unique(maintain_order=True)
    )


def _find_oncology(texts: pl.DataFrame) -> pl.DataFrame:
    return find_terms(texts, load_oncology_terms(), ONCOLOGY_FIELDS)


def _find_entities(texts: pl.DataFrame, oncology: pl.DataFrame) -> pl.DataFrame:
    has_aav = pl.col("text").str.contains(r"(?i)aav")
    masked = pl.concat(
        [
            texts.filter(~has_aav),
            texts.filter(has_aav).with_columns(
                pl.col("text").str.replace_all(AAV_VECTOR_MASK, " adeno-associated virus ")
            ),
        ]
    )
    found = find_terms(masked, load_conditions().matcher, ENTITY_FIELDS).filter(
        (pl.col("field") != "mesh_ancestor") | pl.col("is_generic")
    )
    with_cancer = oncology.select("nct_id").unique()
    return found.join(
        with_cancer.with_columns(pl.lit(True).alias("has_oncology")), on="nct_id", how="left"
    ).filter(~(pl.col("drop_with_oncology") & pl.col("has_oncology").fill_null(False)))


def _build_evidence(result: pl.DataFrame, ordered: pl.DataFrame) -> pl.DataFrame:
    supporting = ordered.unique(["nct_id", "entity", "field", "matched_term"], maintain_order=True)
    return pl.concat(
        [
            select_evidence(
                supporting,
                "condition",
                pl.col("entity"),
                pl.lit("conditions.csv alias ")
                + quote_term(pl.col("matched_term").str.to_lowercase())
                + pl.lit(" (")
                + pl.col("family")
                + pl.lit(")"),
                pl.col("matched_term"),
                pl.col("field"),
            ),
            select_evidence(
                result.filter(pl.col("is_autoimmune")),
                "autoimmune",
                pl.lit("true"),
                pl.col("autoimmune_reason"),
            ),
            select_evidence(
                result.filter(~pl.col("is_autoimmune")),
                "autoimmune",
                pl.lit("false"),
                pl.col("exclusion_reason"),
            ),
        ]
    )
