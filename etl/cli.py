"""`python -m etl`: refresh from the registry, import files, build from raw data, parse criteria."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from etl.changes_cli import add_changes_parser
from etl.errors import check_existing_database, describe_failure, read_schema_version
from etl.extract.files import RecordBatch, iter_records
from etl.lock import WriterBusyError, hold_write_lock, remove_leftovers
from etl.paths import DB_PATH, RAW_DIR, SNAPSHOT_DIR
from etl.pipeline import BuildSummary, NoRecordsError, read_meta_file
from etl.problems import DataProblem
from etl.pulls import BASIS_AS_OF, BASIS_IMPORT_TIME, BASIS_META, list_pulls, parse_data_date
from etl.raw_store import META_FILE, EmptyPullError, PullWriter, RawPull
from etl.rebuild import NoPullError, RebuildSummary, describe_pull, rebuild_from_store
from etl.schema import SCHEMA_VERSION

# Exit codes: 0 done, 1 failed (nothing changed), 2 bad arguments or missing input,
# 75 another refresh/import/build is writing the same database (try again later).
EXIT_BUSY = 75
# Problems are listed one per line up to this many; all of them are in the refreshes table.
MAX_LISTED_PROBLEMS = 20

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
app is serving: a pull that falls short of the registry's count, or a file that cannot be read to
its end, changes nothing unless --allow-partial is given. Only one of them runs at a time per
database.
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
    if summary.duplicate_count:
        out.write(
            f"Merged {summary.duplicate_count} duplicate record(s) sharing an NCT ID, keeping each "
            "study's copy with the latest lastUpdatePostDate\n"
        )
    _report_data_problems(summary.problems)

    if isinstance(summary, RebuildSummary) and summary.latest_pull is not None:
        out.write(
            f"History: {summary.refresh_count} refresh(es); the current tables describe the latest pull, "
            f"{describe_pull(summary.latest_pull)}\n"
        )
        for note in summary.unusable_pulls:
            out.write(f"left out an unusable pull: {note}\n")


def _report_data_problems(problems: Sequence[DataProblem]) -> None:
    """List values dropped and records skipped (NCT ID, field, reason); all are kept in the database."""
    if not problems:
        return
    sys.stderr.write(
        f"{len(problems)} problem(s) in the data; the rest loaded "
        "(all are recorded in the refreshes table, column problems):\n"
    )
    for problem in problems[:MAX_LISTED_PROBLEMS]:
        sys.stderr.write(f"  {problem.describe()}\n")
    if len(problems) > MAX_LISTED_PROBLEMS:
        sys.stderr.write(f"  … and {len(problems) - MAX_LISTED_PROBLEMS} more\n")


def _report_incomplete_read(batch: RecordBatch, allow_partial: bool) -> None:
    for failure in batch.failures:
        sys.stderr.write(f"{'warning' if allow_partial else 'error'}: {failure.describe()}\n")
    if allow_partial:
        sys.stderr.write(
            f"warning: --allow-partial: loading the {batch.record_count} records that were read; "
            "the pull is kept marked incomplete, so a later build does not pick it up.\n"
        )
    else:
        sys.stderr.write(
            f"Nothing was loaded; the database was not changed ({batch.record_count} records were "
            "read in all). Fix or download the file again, or pass --allow-partial to load the "
            "records that were read.\n"
        )


def _report_skipped_files(batch: RecordBatch) -> None:
    if batch.skipped_files:
        names = ", ".join(str(p.name) for p in batch.skipped_files[:10])
        more = f" and {len(batch.skipped_files) - 10} more" if len(batch.skipped_files) > 10 else ""
        sys.stderr.write(
            f"skipped {len(batch.skipped_files)} file(s) not named .json, .ndjson or .jsonl (optionally "
            f".gz): {names}{more}\n"
        )


def _note_existing_database(db: Path) -> None:
    note = check_existing_database(db)
    if note:
        sys.stderr.write(note + "\n")


def _report_problems(batch: RecordBatch) -> None:
    for problem in batch.problems:
        sys.stderr.write(f"skipped {problem.describe()}\n")


def _rebuild_with_progress(
    args: argparse.Namespace, out: TextIO, started: float, include: Path | None = None
) -> int:
    """Rebuild from every pull (bundled unless --no-bundle, and kept raw pulls); 0 on success."""
    snapshot_dir = None if args.no_bundle else args.snapshot_dir
    bar = ProgressBar("build")
    try:
        summary = rebuild_from_store(
            args.db,
            args.raw_dir,
            snapshot_dir,
            include=include,
            on_pull=lambda i, n, pull: bar.update(i, n, f"pull {pull.data_timestamp}"),
        )
    except NoPullError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except NoRecordsError as exc:
        bar.finish()
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except BaseException:
        bar.finish()  # the error message starts on a line of its own
        raise
    bar.finish()
    _print_summary(summary, started, out)
    return 0


def run_build(args: argparse.Namespace, out: TextIO) -> int:
    """Rebuild from the bundled snapshot, its history and every kept raw pull, oldest data first."""
    started = time.perf_counter()
    db: Path = args.db
    if args.if_missing and db.is_file():
        if read_schema_version(db) == SCHEMA_VERSION:
            out.write(f"{db} exists; nothing to do (drop --if-missing to rebuild)\n")
            return 0
        # Built by an older version of the code: the app could not read it, so rebuild it now.
        out.write(f"{db} was built by another version of this code; rebuilding it\n")
    if args.source == "snapshot":
        # The bundle alone: its history and its current pull.
        args.raw_dir, args.no_bundle = None, False
    elif args.source == "latest" and not list_pulls(None, args.raw_dir):
        sys.stderr.write(f"error: no raw pull under {args.raw_dir}; run refresh or import first\n")
        return 2
    return _rebuild_with_progress(args, out, started)


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
            for _ in iter_records(args.path, batch, on_text=writer.write_line):
                pass
            _report_skipped_files(batch)
            if batch.failures:
                _report_incomplete_read(batch, args.allow_partial)
                if not args.allow_partial:
                    return 1  # leaving the block discards the half pull
            writer.meta = {
                **meta,
                "complete": batch.is_complete,
                "skipped_count": len(batch.problems),
                "problems": [p.to_data_problem().to_dict() for p in batch.problems],
                "files_failed": [f.describe() for f in batch.failures],
            }
            pull = writer.commit()
    except FileNotFoundError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except (NoRecordsError, EmptyPullError):
        _report_skipped_files(batch)
        _report_problems(batch)
        if batch.failures:
            _report_incomplete_read(batch, allow_partial=False)
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
    _note_existing_database(args.db)
    # An incomplete pull (--allow-partial) is used for this build only: a later build leaves it out.
    return _rebuild_with_progress(args, out, started, include=None if batch.is_complete else pull.folder)


def run_refresh(args: argparse.Namespace, out: TextIO) -> int:
    """Pull from the registry; on success keep the raw pull and rebuild."""
    from etl import refresh

    started = time.perf_counter()
    bar = ProgressBar("fetch")

    def pulled(pull: RawPull) -> None:
        bar.finish()
        meta = pull.meta
        out.write(
            f"Kept {meta.get('record_count')} raw records in {pull.folder} "
            f"(the registry announced {meta.get('count_total')})\n"
        )
        if meta.get("complete") is False:
            sys.stderr.write(
                f"warning: --allow-partial: this pull is incomplete ({meta.get('incomplete_reason')}); it "
                "is loaded now but a later build does not pick it up.\n"
            )

    try:
        result = refresh.run_refresh(
            db_path=args.db,
            raw_dir=args.raw_dir,
            base_url=args.base_url,
            page_size=args.page_size,
            max_pages=args.max_pages,
            allow_partial=args.allow_partial,
            on_page=lambda page, done, total: bar.update(done, total, f"page {page}"),
            on_pulled=pulled,
        )
    except refresh.RefreshError as exc:
        bar.finish()
        sys.stderr.write(f"error: {exc}\n{refresh.KEPT}\n")
        return 1
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
    parser.add_argument(
        "--no-bundle",
        action="store_true",
        help="build from the kept raw pulls only, leaving out the bundled snapshot and its history",
    )
    parser.set_defaults(snapshot_dir=SNAPSHOT_DIR)


def _add_allow_partial(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help=f"load {what} anyway, and say so (the pull is kept marked incomplete; "
        "a later build never picks it up)",
    )


def parse_page_size(text: str) -> int:
    """argparse type: a whole number 1..1000 (the API's own limit)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 1000, got {text!r}") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"must be from 1 to 1000 (the API's limit), got {value}")
    return value


def parse_base_url(text: str) -> str:
    """argparse type: an http(s) URL with a host and nothing after the path."""
    try:
        parts = urlsplit(text.strip())
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a valid URL: {text!r} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"expected an http:// or https:// address with a host, like https://clinicaltrials.gov, "
            f"got {text!r}"
        )
    if parts.query or parts.fragment or any(c.isspace() for c in text.strip()):
        raise argparse.ArgumentTypeError(
            f"expected the server's address only (no ?query or #part), got {text!r}"
        )
    return text.strip().rstrip("/")


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
        type=parse_base_url,
        default="https://clinicaltrials.gov",
        help="server speaking the API v2 (a mirror or a local test server)",
    )
    refresh.add_argument(
        "--page-size", type=parse_page_size, default=200, help="studies per page (1 to 1000)"
    )
    refresh.add_argument(
        "--max-pages", type=int, default=None, help="stop after N pages (testing; needs --allow-partial)"
    )
    _add_allow_partial(refresh, "a pull that falls short of the registry's count")
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
    _add_allow_partial(imp, "the records read from a file that cannot be read to its end")
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
    _add_allow_partial(build, "the records read from a raw pull that cannot be read to its end")
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
    """Parse arguments and run one subcommand; returns the exit code.

    Commands that write hold the database's writer lock (a second one stops with a message and
    exit code 75), first remove what killed runs left behind, and turn failures a person can act
    on (permission, disk full, missing data, unreadable database) into one sentence.
    """
    args = make_parser().parse_args(argv)
    runner: Callable[[argparse.Namespace, TextIO], int] = args.run
    if args.command in ("eligibility", "changes"):  # read-only: no lock, no cleanup
        return runner(args, out)
    db: Path = args.db
    raw_dir: Path = args.raw_dir
    try:
        with hold_write_lock(db, f"python -m etl {args.command}"):
            for leftover in remove_leftovers(db, raw_dir):
                sys.stderr.write(f"removed {leftover}, left half-written by a run that was stopped\n")
            return runner(args, out)
    except WriterBusyError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_BUSY
    except Exception as exc:
        message = describe_failure(exc, db_path=db, raw_dir=raw_dir)
        if message is None:
            if os.environ.get("ETL_DEBUG"):
                raise
            message = (
                f"unexpected failure ({type(exc).__name__}: {exc}). The current data stays in place. "
                "Run again with ETL_DEBUG=1 to see where it happened, and report it."
            )
        sys.stderr.write(f"error: {message}\n")
        return 1
