"""The evidence table: why each trial got each label (one row per supporting match or rule)."""

from __future__ import annotations

import polars as pl

EVIDENCE_SCHEMA: dict[str, pl.DataType] = {
    "nct_id": pl.String(),
    "axis": pl.String(),
    "label": pl.String(),
    "rule": pl.String(),
    "matched_term": pl.String(),
    "field": pl.String(),
}


def select_evidence(
    frame: pl.DataFrame,
    axis: str,
    label: pl.Expr,
    rule: pl.Expr,
    matched_term: pl.Expr | None = None,
    field: pl.Expr | None = None,
) -> pl.DataFrame:
    """Evidence rows from any frame with an nct_id column."""
    return frame.select(
        pl.col("nct_id"),
        pl.lit(axis).alias("axis"),
        label.cast(pl.String).alias("label"),
        rule.cast(pl.String).alias("rule"),
        (matched_term if matched_term is not None else pl.lit(None)).cast(pl.String).alias("matched_term"),
        (field if field is not None else pl.lit(None)).cast(pl.String).alias("field"),
    )


def concat_evidence(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """All evidence rows in one frame, sorted for stable output."""
    if not frames:
        return pl.DataFrame(schema=EVIDENCE_SCHEMA)
    return pl.concat([frame.cast(EVIDENCE_SCHEMA) for frame in frames], how="vertical").sort(  # type: ignore[arg-type]
        "nct_id", "axis", maintain_order=True
    )


def quote_term(term: pl.Expr) -> pl.Expr:
    """'term' in single quotes, for rule and reason text."""
    return pl.lit("'") + term + pl.lit("'")
