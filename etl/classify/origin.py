"""Cell origin of each trial's CAR cells (autologous, allogeneic, in vivo, unclear) and its basis."""

from __future__ import annotations

import polars as pl

from etl.classify.evidence import quote_term, select_evidence
from etl.classify.modality import IN_VIVO_MASK, MODALITY_FIELDS, find_modality_wording

# Rules, tried in turn (one column, `cell_origin_basis`, says which one gave the label):
#   stated        the record's own wording ("autologous", "universal CAR-T", "donor-derived",
#                 "in vivo CAR-T"...; modalities.csv rows of the origin modalities)
#   named product a products.csv product whose cell origin is known (its cell_origin, or an
#                 origin-settling modality); stated wording and products are ranked together by
#                 tier (titles and interventions first), stated before product within a tier, then
#                 in vivo > allogeneic > autologous, the same order the modality column uses
#   presumed      a T-cell CAR record (modality "CAR-T (unspecified)" or "mRNA CAR-T") with no
#                 allogeneic, universal, donor, off-the-shelf or in vivo wording anywhere: autologous
#                 is the usual case, and the basis says it is presumed
# Otherwise the origin is "unclear" with no basis. CAR-NK, CAR-Treg, CAAR-T and CAR-γδ T are never
# presumed (NK and γδ products are mostly allogeneic): their origin is stated or from a product.
# The `modality` column is unchanged: it never presumes (it says "CAR-T (unspecified)"); the app
# combines the two ("Autologous (presumed)") from cell_origin and cell_origin_basis.

CELL_ORIGIN_UNCLEAR = "unclear"
CELL_ORIGIN_LABELS = ("autologous", "allogeneic", "in vivo", CELL_ORIGIN_UNCLEAR)
BASIS_STATED = "stated"
BASIS_PRODUCT = "named product"
BASIS_PRESUMED = "presumed"
CELL_ORIGIN_BASES = (BASIS_STATED, BASIS_PRODUCT, BASIS_PRESUMED)
ORIGIN_OF_MODALITY = {
    "In vivo CAR": "in vivo",
    "Allogeneic CAR-T": "allogeneic",
    "Autologous CAR-T": "autologous",
}
ORIGIN_PRECEDENCE = ("in vivo", "allogeneic", "autologous")
PRESUMABLE_MODALITIES = ("CAR-T (unspecified)", "mRNA CAR-T")
# Any of these words anywhere in titles, interventions, summaries and descriptions (transplant wording
# included) stops the autologous presumption.
NOT_AUTOLOGOUS_HINT = (
    r"(?i)(?-u:\b)(?:allo|allogeneic\w*|universal|donors?|donor-derived|off[\s\-]the[\s\-]shelf"
    r"|in[\s\-]vivo|ucar\w*|ipsc\w*|cord[\s\-]blood|third[\s\-]party)(?-u:\b)"
)
PRESUMED_RULE = (
    "presumed: a T-cell CAR record with no allogeneic, universal, donor, off-the-shelf or in vivo "
    "wording anywhere (autologous is the usual case)"
)


def classify_cell_origin(
    trials: pl.DataFrame, texts: pl.DataFrame, product_matches: pl.DataFrame, modality: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(nct_id, cell_origin, cell_origin_basis) per trial and the cell_origin evidence.

    `modality` has nct_id and modality (the modality column as classified).
    """
    signals = pl.concat([_stated_signals(texts), _product_signals(product_matches)])
    precedence = {origin: rank for rank, origin in enumerate(ORIGIN_PRECEDENCE)}
    basis_rank = {BASIS_STATED: 0, BASIS_PRODUCT: 1}
    ranked = signals.with_columns(
        pl.col("cell_origin").replace_strict(precedence, return_dtype=pl.Int32).alias("precedence"),
        pl.col("cell_origin_basis").replace_strict(basis_rank, return_dtype=pl.Int32).alias("basis_rank"),
    ).sort("nct_id", "tier", "basis_rank", "precedence")
    chosen = ranked.unique("nct_id", keep="first", maintain_order=True).select(
        "nct_id", "cell_origin", "cell_origin_basis"
    )
    supporting = ranked.join(chosen, on=["nct_id", "cell_origin", "cell_origin_basis"], how="semi").unique(
        ["nct_id", "field", "matched_term"], maintain_order=True
    )
    # Transplant wording counts here ("after allogeneic HSCT": the T cells may be the donor's); only
    # "in vivo expansion" wording, which any CAR-T trial uses, is masked.
    hinted = (
        texts.filter(pl.col("field").is_in(MODALITY_FIELDS))
        .with_columns(pl.col("text").str.replace_all(IN_VIVO_MASK, " in-body"))
        .filter(pl.col("text").str.contains(NOT_AUTOLOGOUS_HINT))
        .select("nct_id")
        .unique()
    )
    result = (
        trials.select("nct_id")
        .join(modality.select("nct_id", "modality"), on="nct_id", how="left")
        .join(chosen, on="nct_id", how="left")
        .join(hinted.with_columns(pl.lit(True).alias("has_hint")), on="nct_id", how="left")
        .with_columns(
            (
                pl.col("cell_origin").is_null()
                & pl.col("modality").is_in(PRESUMABLE_MODALITIES)
                & pl.col("has_hint").is_null()
            ).alias("is_presumed")
        )
        .with_columns(
            pl.when(pl.col("is_presumed"))
            .then(pl.lit("autologous"))
            .otherwise(pl.col("cell_origin").fill_null(CELL_ORIGIN_UNCLEAR))
            .alias("cell_origin"),
            pl.when(pl.col("is_presumed"))
            .then(pl.lit(BASIS_PRESUMED))
            .otherwise(pl.col("cell_origin_basis"))
            .alias("cell_origin_basis"),
        )
    )
    evidence = pl.concat(
        [
            select_evidence(
                supporting,
                "cell_origin",
                pl.col("cell_origin"),
                pl.col("rule"),
                pl.col("matched_term"),
                pl.col("field"),
            ),
            select_evidence(
                result.filter(pl.col("is_presumed")),
                "cell_origin",
                pl.lit("autologous"),
                pl.lit(PRESUMED_RULE),
            ),
            select_evidence(
                result.filter(pl.col("cell_origin") == CELL_ORIGIN_UNCLEAR),
                "cell_origin",
                pl.lit(CELL_ORIGIN_UNCLEAR),
                pl.when(pl.col("has_hint").is_not_null())
                .then(pl.lit("origin wording present but not settled (e.g. 'in vivo' or 'donor' in passing)"))
                .when(pl.col("modality").is_in(PRESUMABLE_MODALITIES))
                .then(pl.lit("no origin wording and no listed product with a known origin"))
                .otherwise(
                    pl.lit("no origin stated and no listed product with a known origin; not presumed for ")
                    + pl.col("modality")
                ),
            ),
        ]
    )
    return result.select("nct_id", "cell_origin", "cell_origin_basis"), evidence


def _stated_signals(texts: pl.DataFrame) -> pl.DataFrame:
    wording = find_modality_wording(texts).filter(pl.col("modality").is_in(list(ORIGIN_OF_MODALITY)))
    return wording.select(
        "nct_id",
        "field",
        "matched_term",
        pl.col("modality").replace_strict(ORIGIN_OF_MODALITY, return_dtype=pl.String).alias("cell_origin"),
        pl.lit(BASIS_STATED).alias("cell_origin_basis"),
        "tier",
        (pl.lit("stated: wording ") + quote_term(pl.col("matched_term"))).alias("rule"),
    )


def _product_signals(product_matches: pl.DataFrame) -> pl.DataFrame:
    return product_matches.filter(pl.col("product_cell_origin").is_not_null()).select(
        "nct_id",
        "field",
        "matched_term",
        pl.col("product_cell_origin").alias("cell_origin"),
        pl.lit(BASIS_PRODUCT).alias("cell_origin_basis"),
        "tier",
        (
            pl.lit("named product: ")
            + pl.col("product_name")
            + pl.lit(" is ")
            + pl.col("product_cell_origin")
            + pl.lit(" (products.csv)")
        ).alias("rule"),
    )
