"""`python -m etl`: refresh from the registry, import files, build from raw data, parse criteria."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from etl.changes_cli import add_changes_parser
from etl.extract.files import RecordBatch, iter_records, list_record_files
from etl.paths import DB_PATH, RAW_DIR, SNAPSHOT_DIR
from etl.pipeline import BuildSummary, NoRecordsError, read_meta_file
from etl.pulls import BASIS_AS_OF, BASIS_IMPORT_TIME, BASIS_META, list_pulls, parse_data_date
from etl.raw_store import META_FILE, EmptyPullError, PullWriter
from etl.rebuild import RebuildSummary, describe_pull, rebuild_warehouse

_DESCRIPTION = """\
Build the warehouse of CAR-based cell therapy trials in autoimmune disease.

  refresh      pull every CAR-based study from the ClinicalTrials.gov API v2 (network), keep the raw
               records under data/raw/, then rebuild the database
  import PATH  load records from files instead of the network (NDJSON, .gz, an API page, a JSON
               array or a folder of these), keep them as a raw pull, then rebuild the database
  build        rebuild the database from the bundled snapshot and its history plus every kept raw
               pull, in data-timestamp order (the latest pull gives the current tables)
  changes      what changed between two refreshes (new, dropped, status, phase, enrollment, dates ...)
  eligibility  print the eligibility thresholds found in a plain-text criteria file (JSON lines)

Every pull is a refresh with a data timestamp; the database keeps them all (tables refreshes,
trial_history, trial_changes). A failed refresh, import or build never replaces the database the
app is serving.
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
    if isinstance(summary, RebuildSummary) and summary.latest_pull is not None:
        out.write(
            f"History: {summary.refresh_count} refresh(es); the current tables describe the latest pull, "
            f"{describe_pull(summary.latest_pull)}\n"
        )
        for note in summary.unusable_pulls:
            out.write(f"left out an unusable pull: {note}\n")


def _report_problems(batch: RecordBatch) -> None:
    for problem in batch.problems:
        sys.stderr.write(f"skipped {problem.describe()}\n")


def _rebuild_with_progress(args: argparse.Namespace, out: TextIO, started: float) -> int:
    """Rebuild from every pull (bundled unless --no-bundle, and kept raw pulls); 0 on success."""
    snapshot_dir = None if args.no_bundle else args.snapshot_dir
    pulls = list_pulls(snapshot_dir, args.raw_dir)
    if not pulls:
        sys.stderr.write(
            f"error: no pull to build from (no bundled snapshot, nothing under {args.raw_dir})\n"
        )
        return 2
    bar = ProgressBar("build")
    try:
        summary = rebuild_warehouse(
            pulls, args.db, on_pull=lambda i, n, pull: bar.update(i, n, f"pull {pull.data_timestamp}")
        )
    except NoRecordsError as exc:
        bar.finish()
        sys.stderr.write(f"error: {exc}\n")
        return 1
    bar.update(len(pulls), len(pulls), "loaded")
    bar.finish()
    for problem in summary.problems:
        sys.stderr.write(f"skipped {problem.describe()}\n")
    _print_summary(summary, started, out)
    return 0


def run_build(args: argparse.Namespace, out: TextIO) -> int:
    """Rebuild from the bundled snapshot, its history and every kept raw pull, oldest data first."""
    started = time.perf_counter()
    db: Path = args.db
    if args.if_missing and db.is_file():
        out.write(f"{db} exists; nothing to do (drop --if-missing to rebuild)\n")
        return 0
    if args.source == "snapshot":
        # The bundle alone: its history and its current pull.
        args.raw_dir, args.no_bundle = None, False
    elif args.source == "latest" and not list_pulls(None, args.raw_dir):
        sys.stderr.write(f"error: no raw pull under {args.raw_dir}; run refresh or import first\n")
        return 2
    return _rebuild_with_progress(args, out, started)


def _iter_import_records(path: Path, batch: RecordBatch, on_text: Callable[[str], None]) -> Iterator[dict]:
    """The records under `path`; a folder's meta.json describes the pull and is not read as records."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    for file in list_record_files(path):
        if path.is_dir() and file.name == META_FILE:
            continue
        yield from iter_records(file, batch, on_text=on_text)


def resolve_import_timestamp(path: Path, as_of: str | None, imported_at: str) -> tuple[str, str]:
    """The data timestamp of an import and how it is known: --as-of, else data_timestamp in a
    meta.json beside the file (or in the folder), else the import time."""
    if as_of:
        return as_of, BASIS_AS_OF
    meta = read_meta_file((path if path.is_dir() else path.parent) / META_FILE)
    stamp = meta.get("data_timestamp")
    if isinstance(stamp, str) and stamp.strip():
        try:
            parse_data_date(stamp)
        except ValueError:
            pass
        else:
            return stamp.strip(), BASIS_META
    return imported_at, BASIS_IMPORT_TIME


def _as_of_date(text: str) -> str:
    try:
        parse_data_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc
    return text


def run_import(args: argparse.Namespace, out: TextIO) -> int:
    """Load records from files, keep them as a raw pull with its data timestamp, rebuild."""
    started = time.perf_counter()
    batch = RecordBatch()
    imported_at = datetime.now(UTC).isoformat(timespec="seconds")
    stamp, basis = resolve_import_timestamp(args.path, args.as_of, imported_at)
    meta = {
        "source": "file import",
        "query": str(args.path),
        "api_version": None,
        "data_timestamp": stamp,
        "data_timestamp_basis": basis,
        "fetched_at": None,
    }
    try:
        with PullWriter(args.raw_dir, meta) as writer:
            for _ in _iter_import_records(args.path, batch, on_text=writer.write_line):
                pass
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
    if basis == BASIS_IMPORT_TIME:
        out.write(
            f"No data timestamp given (no meta.json with data_timestamp, no --as-of): "
            f"the pull is dated by its import time, {stamp}\n"
        )
    else:
        out.write(f"Data timestamp {stamp} (from {basis})\n")
    return _rebuild_with_progress(args, out, started)


def run_refresh(args: argparse.Namespace, out: TextIO) -> int:
    """Pull from the registry; on success keep the raw pull and rebuild."""
    from etl.extract.ctgov import FetchError, refresh_raw

    started = time.perf_counter()
    bar = ProgressBar("fetch")
    try:
        pull = refresh_raw(
            raw_dir=args.raw_dir,
            base_url=args.base_url,
            page_size=args.page_size,
            max_pages=args.max_pages,
            on_page=lambda page, done, total: bar.update(done, total, f"page {page}"),
        )
    except FetchError as exc:
        bar.finish()
        sys.stderr.write(f"error: refresh failed: {exc}\nThe current data stays in place.\n")
        return 1
    except EmptyPullError:
        bar.finish()
        sys.stderr.write("error: the registry returned no studies; the current data stays in place.\n")
        return 1
    bar.finish()
    stamp = pull.meta.get("data_timestamp") or "not given: the pull is dated by when it was kept"
    out.write(f"Kept {pull.meta.get('record_count')} raw records in {pull.folder} (data timestamp {stamp})\n")
    return _rebuild_with_progress(args, out, started)


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
    parser.add_argument(
        "--no-bundle",
        action="store_true",
        help="build from the kept raw pulls only, leaving out the bundled snapshot and its history",
    )
    parser.set_defaults(snapshot_dir=SNAPSHOT_DIR)


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
    imp.add_argument(
        "--as-of",
        type=_as_of_date,
        default=None,
        metavar="DATE",
        help="the data timestamp of these records (default: data_timestamp in a meta.json beside the "
        "file or in the folder, else the import time)",
    )
    _add_common(imp)
    imp.set_defaults(run=run_import)

    build = commands.add_parser(
        "build",
        help="rebuild from the bundled snapshot, its history and every kept raw pull",
        description=run_build.__doc__,
    )
    _add_common(build)
    build.add_argument(
        "--source",
        choices=("auto", "latest", "snapshot"),
        default="auto",
        help="auto: the bundle and every kept raw pull (default); snapshot: the bundle only; "
        "latest: as auto, but fail when no raw pull is kept",
    )
    build.add_argument("--if-missing", action="store_true", help="do nothing when the database exists")
    build.set_defaults(run=run_build)

    add_changes_parser(commands)

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
