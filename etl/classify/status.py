"""Status group and stalled flag from the registry's overall status and start date."""

from __future__ import annotations

import datetime

import polars as pl

from etl.classify.evidence import select_evidence

# A trial is stalled when it is still open (recruiting, not yet recruiting, or enrolling by
# invitation) three or more years after its start date, as of the data timestamp. "Not yet
# recruiting" counts: three years past an anticipated start without enrolling is the clearest stall.

STATUS_GROUP_BY_STATUS: dict[str, str] = {
    "RECRUITING": "open",
    "NOT_YET_RECRUITING": "open",
    "ENROLLING_BY_INVITATION": "open",
    "ACTIVE_NOT_RECRUITING": "active, not recruiting",
    "COMPLETED": "closed",
    "TERMINATED": "closed",
    "WITHDRAWN": "closed",
    "SUSPENDED": "closed",
}
STALLED_AFTER = "3y"


def classify_status(trials: pl.DataFrame, as_of: datetime.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(nct_id, status_group, is_stalled) per trial, and the status evidence."""
    status = pl.col("overall_status").fill_null("UNKNOWN")
    result = trials.select(
        "nct_id",
        "overall_status",
        "start_date",
        status.replace_strict(STATUS_GROUP_BY_STATUS, default="unknown", return_dtype=pl.String).alias(
            "status_group"
        ),
    ).with_columns(
        (
            (pl.col("status_group") == "open")
            & pl.col("start_date").is_not_null()
            & (pl.col("start_date").dt.offset_by(STALLED_AFTER) <= pl.lit(as_of))
        ).alias("is_stalled")
    )
    evidence = pl.concat(
        [
            select_evidence(
                result,
                "status",
                pl.col("status_group"),
                pl.lit("overall status ") + status + pl.lit(" -> ") + pl.col("status_group"),
                status,
                pl.lit("overall_status"),
            ),
            select_evidence(
                result.filter(pl.col("is_stalled")),
                "status",
                pl.lit("stalled"),
                pl.lit(f"still open {STALLED_AFTER[:-1]}+ years after its start date ")
                + pl.col("start_date").dt.to_string("%Y-%m-%d")
                + pl.lit(f" (as of {as_of.isoformat()})"),
                pl.col("start_date").dt.to_string("%Y-%m-%d"),
                pl.lit("start_date"),
            ),
        ]
    )
    return result.select("nct_id", "status_group", "is_stalled"), evidence
