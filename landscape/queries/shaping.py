"""Small reshaping steps shared by the landscape queries (on aggregated frames, never row-level data)."""

from __future__ import annotations

import polars as pl

OTHER = "other"


def lump_small_groups(
    frame: pl.DataFrame, group: str, count: str, keep: int, drill: str | None = None
) -> pl.DataFrame:
    """Keep the `keep` largest groups (by total count) and fold the rest into 'other' (no drill value)."""
    if frame.is_empty():
        return frame
    totals = (
        frame.group_by(group)
        .agg(pl.col(count).sum().alias("_total"))
        .sort(["_total", group], descending=[True, False])
    )
    kept = set(totals.head(keep)[group].to_list())
    keys = [c for c in frame.columns if c not in {group, count} and c != drill]
    lumped = frame.with_columns(
        pl.when(pl.col(group).is_in(list(kept))).then(pl.col(group)).otherwise(pl.lit(OTHER)).alias(group),
        *(
            [pl.when(pl.col(group).is_in(list(kept))).then(pl.col(drill)).otherwise(pl.lit("")).alias(drill)]
            if drill
            else []
        ),
    )
    aggregations = [pl.col(count).sum()] + ([pl.col(drill).first()] if drill else [])
    return lumped.group_by([*keys, group], maintain_order=True).agg(aggregations).sort(keys)


def order_phase_labels(frame: pl.DataFrame) -> list[str]:
    """The phase labels of an aggregated frame in reading order: earliest to furthest phase, then
    'Not stated' and 'Not applicable' (rank 0) last."""
    return (
        frame.select("phase_label", "phase_rank")
        .unique()
        .sort(pl.col("phase_rank") == 0, "phase_rank", "phase_label")["phase_label"]
        .to_list()
    )
