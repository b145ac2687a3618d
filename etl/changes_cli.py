"""`python -m etl changes`: what changed between two refreshes, as a table, CSV or JSON lines."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import polars as pl

from etl.paths import DB_PATH

# Fields whose values are integers, and lists joined with "; " in the table (etl/history.py).
_INTEGER_FIELDS = frozenset({"enrollment_count", "site_count"})
_LIST_FIELDS = frozenset({"conditions", "countries"})
_TABLE_WIDTH = 60


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def add_changes_parser(commands: Any) -> None:
    """Register the `changes` subcommand on the CLI's subparsers."""
    parser = commands.add_parser(
        "changes",
        help="what changed between two refreshes",
        description=(
            "Net changes between two refreshes: the latest at or before --since (default: the one "
            "before the latest) and the latest at or before --until (default: the latest). A value that "
            "went A -> B -> A in between is no change. By default only the trials the app shows "
            "(CAR-based and autoimmune); --all for every trial in the pulls."
        ),
    )
    parser.add_argument("--since", type=_date_arg, metavar="DATE", help="earlier side (YYYY-MM-DD)")
    parser.add_argument("--until", type=_date_arg, metavar="DATE", help="later side (YYYY-MM-DD)")
    parser.add_argument("--all", action="store_true", help="every trial in the pulls, not only those shown")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    parser.add_argument(
        "--db", type=Path, default=DB_PATH, help=f"database file to read (default: {DB_PATH})"
    )
    parser.set_defaults(run=run_changes)


def typed_value(field: str | None, value: str | None) -> object:
    """A change value as JSON wants it: integers for counts, lists for conditions and countries,
    registry codes, labels and ISO dates as text."""
    if value is None:
        return None
    if field in _INTEGER_FIELDS:
        return int(value)
    if field in _LIST_FIELDS:
        return [part for part in value.split("; ") if part]
    return value


def _write_table(frame: pl.DataFrame, out: TextIO) -> None:
    def cut(value: object) -> str:
        text = "" if value is None else str(value)
        return text if len(text) <= _TABLE_WIDTH else text[: _TABLE_WIDTH - 1] + "…"

    rows = [["nct_id", "kind", "field", "old", "new"]]
    rows += [
        [cut(r["nct_id"]), cut(r["kind"]), cut(r["field"]), cut(r["old_value"]), cut(r["new_value"])]
        for r in frame.iter_rows(named=True)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
        )


def _write_csv(frame: pl.DataFrame, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["nct_id", "kind", "field", "old", "new", "from", "to"])
    for r in frame.iter_rows(named=True):
        writer.writerow(
            [
                r["nct_id"],
                r["kind"],
                r["field"] or "",
                r["old_value"] or "",
                r["new_value"] or "",
                r["from_data_timestamp"],
                r["to_data_timestamp"],
            ]
        )


def _write_json(frame: pl.DataFrame, out: TextIO) -> None:
    for r in frame.iter_rows(named=True):
        row = {
            "nct_id": r["nct_id"],
            "kind": r["kind"],
            "field": r["field"],
            "old": typed_value(r["field"], r["old_value"]),
            "new": typed_value(r["field"], r["new_value"]),
            "from": r["from_data_timestamp"],
            "to": r["to_data_timestamp"],
        }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def run_changes(args: argparse.Namespace, out: TextIO) -> int:
    """Print the net changes between two refreshes; 2 with a message when they cannot be compared."""
    # The reader side of the project answers the question, so the app and this command agree.
    from landscape.db import Warehouse, WarehouseOutdatedError
    from landscape.filters import TrialFilters
    from landscape.queries.changes import RefreshChoiceError, list_refreshes, pick_refresh_pair, read_changes

    if not args.db.is_file():
        sys.stderr.write(f"error: no database at {args.db}; build it first: python -m etl build\n")
        return 2
    wh = Warehouse(args.db)
    try:
        try:
            wh.check_schema_version()
        except WarehouseOutdatedError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return 2
        refreshes = list_refreshes(wh)
        try:
            pair = pick_refresh_pair(refreshes, args.since, args.until)
        except RefreshChoiceError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return 2
        changes = read_changes(wh, TrialFilters(), pair, all_trials=args.all)
    finally:
        wh.close()
    scope = "every trial in the pulls" if args.all else "the trials the app shows (CAR-based, autoimmune)"
    sources = dict(zip(refreshes["refresh_id"].to_list(), refreshes["source_kind"].to_list(), strict=True))
    note = (
        f"Compared refresh {pair.from_data_timestamp} ({sources.get(pair.from_refresh_id)}) with "
        f"{pair.to_data_timestamp} ({sources.get(pair.to_refresh_id)}): {changes.height} change(s) in "
        f"{changes['nct_id'].n_unique()} trial(s), {scope}\n"
    )
    if args.format == "table":
        out.write(note)
        _write_table(changes, out)
    else:
        # Machine-readable output stays clean: the note goes to stderr.
        sys.stderr.write(note)
        (_write_csv if args.format == "csv" else _write_json)(changes, out)
    return 0
