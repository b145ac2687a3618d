"""History at scale: N synthetic studies over R monthly refreshes with ~2% changing each time."""

from __future__ import annotations

import gzip
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.synthetic import make_record
from etl.pulls import list_pulls
from etl.raw_store import META_FILE, STUDIES_FILE
from etl.rebuild import rebuild_warehouse
from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.changes import (
    count_status_groups_by_refresh,
    list_refreshes,
    pick_refresh_pair,
    read_changes,
    read_trial_history,
)

_STATUSES = ["RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED", "SUSPENDED", "WITHDRAWN"]
_PHASES = [["PHASE1"], ["PHASE1", "PHASE2"], ["PHASE2"], ["PHASE2", "PHASE3"], ["PHASE3"]]


def _mutate(record: dict, rng: random.Random) -> None:
    """One registry-like edit: status, enrollment, a date slip, a phase step or a new site."""
    protocol = record["protocolSection"]
    choice = rng.randrange(5)
    if choice == 0:
        protocol["statusModule"]["overallStatus"] = rng.choice(_STATUSES)
    elif choice == 1:
        protocol["designModule"]["enrollmentInfo"]["count"] += rng.choice([-6, -2, 4, 10, 24])
    elif choice == 2:
        start = protocol["statusModule"]["startDateStruct"]["date"]
        year, month = int(start[:4]), int(start[5:7])
        month += rng.randint(1, 6)
        protocol["statusModule"]["startDateStruct"]["date"] = (
            f"{year + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}"
        )
    elif choice == 3:
        protocol["designModule"]["phases"] = rng.choice(_PHASES)
    else:
        sites = protocol["contactsLocationsModule"]["locations"]
        sites.append({"facility": f"Added site {len(sites)}", "city": "Berlin", "country": "Germany"})


def _write_pull(raw_dir: Path, name: str, stamp: str, lines: dict[int, str]) -> None:
    folder = raw_dir / name
    folder.mkdir(parents=True)
    with gzip.open(folder / STUDIES_FILE, "wt", encoding="utf-8", compresslevel=1) as fh:
        for index in sorted(lines):
            fh.write(lines[index])
            fh.write("\n")
    meta = {"source": "file import", "query": "synthetic", "data_timestamp": stamp, "saved_at": stamp}
    (folder / META_FILE).write_text(json.dumps(meta))


def write_synthetic_history(raw_dir: Path, size: int, refreshes: int, change_share: float = 0.02) -> int:
    """Write `refreshes` monthly pulls of about `size` studies; between pulls `change_share` of the
    studies change (one field each) and a few studies are added (0.1%) or leave (0.02%). Returns
    how many studies changed in all."""
    rng = random.Random(11)
    records = {i: make_record(i, rng) for i in range(size)}
    lines = {i: json.dumps(r, ensure_ascii=False) for i, r in records.items()}
    next_index, changed_total = size, 0
    for month in range(refreshes):
        if month:
            active = list(records)
            for index in rng.sample(active, int(len(active) * change_share)):
                _mutate(records[index], rng)
                lines[index] = json.dumps(records[index], ensure_ascii=False)
                changed_total += 1
            for index in rng.sample(active, max(1, len(active) // 5000)):
                del records[index], lines[index]
            for _ in range(max(1, size // 1000)):
                records[next_index] = make_record(next_index, rng)
                lines[next_index] = json.dumps(records[next_index], ensure_ascii=False)
                next_index += 1
        stamp = date(2026, 1 + month % 12, 1).replace(year=2026 + month // 12).isoformat()
        _write_pull(raw_dir, f"{month:02d}-{stamp}", stamp, lines)
    return changed_total


def _median_seconds(run: Callable[[], object], repeat: int = 5) -> float:
    run()  # warm: the first call pays for opening the file and planning
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(size: int = 100_000, refreshes: int = 10) -> dict[str, float]:
    """Build the history, print its cost, growth per refresh and the What's new query times."""
    print(f"History: {size:,} synthetic studies over {refreshes} refreshes, ~2% changing each time")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        raw = folder / "raw"
        started = time.perf_counter()
        changed = write_synthetic_history(raw, size, refreshes)
        print(f"  wrote {refreshes} pulls ({changed:,} study edits) in {time.perf_counter() - started:.1f} s")
        pulls = list_pulls(None, raw)
        one_db, all_db = folder / "one.duckdb", folder / "all.duckdb"
        started = time.perf_counter()
        rebuild_warehouse(pulls[:1], one_db)
        one_s = time.perf_counter() - started
        started = time.perf_counter()
        summary = rebuild_warehouse(pulls, all_db)
        all_s = time.perf_counter() - started
        rows = summary.table_row_counts
        one_mb, all_mb = one_db.stat().st_size / 1e6, all_db.stat().st_size / 1e6
        growth = (all_mb - one_mb) / (refreshes - 1)
        print(f"  build, 1 refresh:   {one_s:6.1f} s  ({one_mb:.1f} MB)")
        print(
            f"  build, {refreshes} refreshes: {all_s:6.1f} s  ({all_mb:.1f} MB; trial_history "
            f"{rows['trial_history']:,} rows, trial_changes {rows['trial_changes']:,} rows)"
        )
        per_refresh_s = (all_s - one_s) / (refreshes - 1)
        print(f"  warehouse growth per refresh: {growth:.2f} MB ({per_refresh_s:.1f} s build)")
        wh = Warehouse(all_db)
        listed = list_refreshes(wh)
        latest = pick_refresh_pair(listed)
        whole = pick_refresh_pair(listed, since=listed["data_date"][0])
        filters = TrialFilters(targets=("CD19",), status_groups=("open",))
        timings = {
            "changes, last two refreshes": lambda: read_changes(wh, TrialFilters(), latest),
            "changes, first vs latest": lambda: read_changes(wh, TrialFilters(), whole),
            "changes, last two, CD19 + open": lambda: read_changes(wh, filters, latest),
            "status groups at every refresh": lambda: count_status_groups_by_refresh(wh, TrialFilters()),
            "one trial's history": lambda: read_trial_history(wh, "NCT10000007"),
        }
        figures = {"build_one_s": one_s, "build_all_s": all_s, "growth_mb": growth}
        for label, call in timings.items():
            seconds = _median_seconds(call)
            figures[label] = seconds
            print(f"  {label:<34} {seconds * 1000:7.0f} ms (median of 5, warm)")
        found = read_changes(wh, TrialFilters(), latest).height
        print(f"  ({found:,} changes between the last two refreshes; target for What's new: <= 300 ms)")
        wh.close()
    return figures
