"""Print classification counts for a record file (default: the snapshot): python -m etl.classify.report."""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import polars as pl

from etl.classify.core import classify_trials
from etl.extract.files import read_records
from etl.paths import SNAPSHOT_PATH
from etl.transform.records import build_tables

COUNTED_COLUMNS = (
    "target",
    "modality",
    "cell_origin",
    "cell_origin_basis",
    "condition_family",
    "condition_entity",
    "sponsor_class",
    "status_group",
)


def count_classification(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Trial counts by each classified column, over the trials the dashboard shows."""
    shown = tables["trials"].filter(pl.col("is_car_based") & pl.col("is_autoimmune"))
    return {
        column: shown.group_by(column).len("trials").sort(["trials", column], descending=[True, False])
        for column in COUNTED_COLUMNS
    }


def list_undisclosed(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Shown trials without a target antigen, with their titles, to check that none names one."""
    return (
        tables["trials"]
        .filter(pl.col("is_car_based") & pl.col("is_autoimmune") & (pl.col("target") == "undisclosed"))
        .select("nct_id", "brief_title", "product_name")
    )


def list_not_car_based(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Trials left out as not CAR-based, with the product code they name (to look up and list)."""
    return tables["trials"].filter(~pl.col("is_car_based")).select("nct_id", "brief_title", "product_name")


def print_report(tables: dict[str, pl.DataFrame], out: TextIO) -> None:
    """Ledger, counts per column and the undisclosed-target trials, as plain tables."""
    with pl.Config(tbl_rows=100, fmt_str_lengths=90, tbl_width_chars=160, tbl_hide_dataframe_shape=True):
        print(tables["inclusion_ledger"], file=out)
        for column, counts in count_classification(tables).items():
            print(f"\nby {column}", file=out)
            print(counts, file=out)
        shown = tables["trials"].filter(pl.col("is_car_based") & pl.col("is_autoimmune")).select("nct_id")
        organs = tables["trial_organ_tags"].join(shown, on="nct_id", how="semi")
        print("\nby organ tag (trials; a trial may have several)", file=out)
        organ_counts = organs.group_by("organ").agg(pl.col("nct_id").n_unique().alias("trials"))
        print(organ_counts.sort("organ"), file=out)
        print("\nundisclosed targets", file=out)
        print(list_undisclosed(tables), file=out)
        print("\nexcluded as not CAR-based", file=out)
        print(list_not_car_based(tables), file=out)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Classify a record file (default: the bundled snapshot) and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=SNAPSHOT_PATH)
    parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=datetime.date.today())
    args = parser.parse_args(argv)
    batch = read_records(args.path)
    tables = classify_trials(build_tables(batch.records), as_of=args.as_of)
    print_report(tables, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
