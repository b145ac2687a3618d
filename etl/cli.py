"""`python -m etl`: refresh from the registry, import files, build from raw data, parse criteria."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from etl.extract.files import RecordBatch, iter_records
from etl.paths import DB_PATH, RAW_DIR, SNAPSHOT_DIR, SNAPSHOT_PATH
from etl.pipeline import (
    BuildSummary,
    NoRecordsError,
    build_warehouse,
    load_tables,
    read_meta_file,
    transform_records,
)
from etl.raw_store import EmptyPullError, PullWriter, RawPull, find_latest_pull

_DESCRIPTION = """\
Build the warehouse of CAR-based cell therapy trials in autoimmune disease.

  refresh      pull every CAR-based study from the ClinicalTrials.gov API v2 (network), keep the raw
               records under data/raw/, then rebuild the database
  import PATH  load records from files instead of the network (NDJSON, .gz, an API page, a JSON
               array or a folder of these), keep them as a raw pull, then rebuild the database
  build        rebuild the database from the latest raw pull, or the bundled offline snapshot
  eligibility  print the eligibility thresholds found in a plain-text criteria file (JSON lines)

A failed refresh, import or build never replaces the database the app is serving.
"""


class ProgressBar:
    """A one-line text progress bar on stderr (no dependency, works in any terminal or log)."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label, self.stream, self.width = label, stream or sys.stderr, width

    def update(self, done: int, total: int | None, note: str = "") -> None:
        """Redraw the bar; an unknown total shows a count only."""
        if total:
            filled = min(self.width, int(self.width * done / total))
            bar = "#" * filled + "-" * (self.width - filled)
            text = f"\r{self.label} [{bar}] {done}/{total} {note}"
        else:
            text = f"\r{self.label} {done} {note}"
        self.stream.write(text.ljust(78))
        self.stream.flush()

    def finish(self) -> None:
        """End the bar's line."""
        self.stream.write("\n")
        self.stream.flush()


def _print_summary(summary: BuildSummary, started: float, out: TextIO) -> None:
    seconds = time.perf_counter() - started
    out.write(
        f"Built {summary.db_path}: {summary.trial_count} trials from {summary.record_count} records "
        f"({summary.shown_trial_count} CAR-based autoimmune shown in the app, "
        f"{summary.skipped_count} records skipped) in {seconds:.1f} s\n"
    )


def _build_with_progress(path: Path, meta: dict, db: Path, out: TextIO, started: float) -> int:
    """Stream records from a file into a new warehouse; report skipped records; 0 on success."""
    batch = RecordBatch()
    bar = ProgressBar("build")
    bar.update(0, 2, "reading and transforming")
    try:
        summary = build_warehouse(iter_records(path, batch), meta, db, problems=batch.problems)
    except NoRecordsError as exc:
        bar.finish()
        _report_problems(batch)
        sys.stderr.write(f"error: {path}: {exc}\n")
        return 1
    bar.update(2, 2, "loaded")
    bar.finish()
    _report_problems(batch)
    _print_summary(summary, started, out)
    return 0


def _report_problems(batch: RecordBatch) -> None:
    for problem in batch.problems:
        sys.stderr.write(f"skipped {problem.describe()}\n")


def run_build(args: argparse.Namespace, out: TextIO) -> int:
    """Rebuild from the latest raw pull, else from the bundled snapshot."""
    started = time.perf_counter()
    db: Path = args.db
    if args.if_missing and db.is_file():
        out.write(f"{db} exists; nothing to do (drop --if-missing to rebuild)\n")
        return 0
    pull = None if args.source == "snapshot" else find_latest_pull(args.raw_dir)
    if pull is not None:
        path, meta = pull.studies_path, pull.meta
    elif args.source == "latest":
        sys.stderr.write(f"error: no raw pull under {args.raw_dir}; run refresh or import first\n")
        return 2
    else:
        path, meta = SNAPSHOT_PATH, read_meta_file(SNAPSHOT_DIR / "meta.json")
    return _build_with_progress(path, meta, db, out, started)


def run_import(args: argparse.Namespace, out: TextIO) -> int:
    """Load records from files, keep them as a raw pull, rebuild."""
    started = time.perf_counter()
    batch = RecordBatch()
    meta = {
        "source": "file import",
        "query": str(args.path),
        "api_version": None,
        "data_timestamp": None,
        "fetched_at": None,
    }
    # One pass: each record is parsed once, kept as raw text in the new pull, and transformed.
    try:
        with PullWriter(args.raw_dir, meta) as writer:
            derived = transform_records(iter_records(args.path, batch, on_text=writer.write_line), meta)
            pull = writer.commit()
    except FileNotFoundError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except (NoRecordsError, EmptyPullError):
        _report_problems(batch)
        sys.stderr.write(
            f"error: no usable study records in {args.path} "
            f"({len(batch.problems)} problems); the database was not changed\n"
        )
        return 1
    _report_problems(batch)
    out.write(
        f"Kept {pull.meta['record_count']} raw records from {len(batch.files)} file(s) in {pull.folder}"
        f" ({len(batch.problems)} skipped)\n"
    )
    summary = load_tables(derived, pull.meta, args.db, len(batch.problems))
    _print_summary(summary, started, out)
    return 0


def run_refresh(args: argparse.Namespace, out: TextIO) -> int:
    """Pull from the registry; on success keep the raw pull and rebuild."""
    from etl import refresh

    started = time.perf_counter()
    bar = ProgressBar("fetch")

    def pulled(pull: RawPull) -> None:
        bar.finish()
        out.write(f"Kept {pull.meta.get('record_count')} raw records in {pull.folder}\n")

    try:
        result = refresh.run_refresh(
            db_path=args.db,
            raw_dir=args.raw_dir,
            base_url=args.base_url,
            page_size=args.page_size,
            max_pages=args.max_pages,
            on_page=lambda page, done, total: bar.update(done, total, f"page {page}"),
            on_pulled=pulled,
        )
    except refresh.RefreshError as exc:
        bar.finish()
        sys.stderr.write(f"error: {exc}\n{refresh.KEPT}\n")
        return 1
    _report_problems(result.batch)
    _print_summary(result.summary, started, out)
    return 0


def run_eligibility(args: argparse.Namespace, out: TextIO) -> int:
    """Print thresholds found in a criteria text file."""
    from etl.eligibility.cli import print_thresholds

    return print_thresholds(args.path, out)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, default=DB_PATH, help=f"database file to write (default: {DB_PATH})"
    )
    parser.add_argument(
        "--raw-dir", type=Path, default=RAW_DIR, help=f"where raw pulls are kept (default: {RAW_DIR})"
    )


def make_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand and its help."""
    parser = argparse.ArgumentParser(
        prog="python -m etl", description=_DESCRIPTION, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    refresh = commands.add_parser(
        "refresh", help="pull live from ClinicalTrials.gov and rebuild", description=run_refresh.__doc__
    )
    _add_common(refresh)
    refresh.add_argument(
        "--base-url",
        default="https://clinicaltrials.gov",
        help="server speaking the API v2 (a mirror or a local test server)",
    )
    refresh.add_argument("--page-size", type=int, default=200, help="studies per page (max 1000)")
    refresh.add_argument("--max-pages", type=int, default=None, help="stop after N pages (testing)")
    refresh.set_defaults(run=run_refresh)

    imp = commands.add_parser(
        "import", help="load records from files and rebuild", description=run_import.__doc__
    )
    imp.add_argument("path", type=Path, help="NDJSON(.gz), API page JSON, JSON array, or a folder")
    _add_common(imp)
    imp.set_defaults(run=run_import)

    build = commands.add_parser(
        "build",
        help="rebuild from the latest raw pull or the bundled snapshot",
        description=run_build.__doc__,
    )
    _add_common(build)
    build.add_argument(
        "--source",
        choices=("auto", "latest", "snapshot"),
        default="auto",
        help="auto: latest raw pull, else the bundled snapshot (default)",
    )
    build.add_argument("--if-missing", action="store_true", help="do nothing when the database exists")
    build.set_defaults(run=run_build)

    elig = commands.add_parser(
        "eligibility",
        help="print thresholds found in a criteria text file",
        description=run_eligibility.__doc__,
    )
    elig.add_argument("path", type=Path, help="plain-text eligibility criteria")
    elig.set_defaults(run=run_eligibility)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Parse arguments and run one subcommand; returns the exit code."""
    args = make_parser().parse_args(argv)
    runner: Callable[[argparse.Namespace, TextIO], int] = args.run
    return runner(args, out)
