"""ETL throughput: import -> transform -> load at several sizes, against a plain JSON parse."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import tempfile
import time
from pathlib import Path

from bench.synthetic import write_synthetic_file
from etl.cli import main as cli_main

SIZES = (1_000, 10_000, 100_000)


def time_plain_parse(path: Path) -> float:
    """Seconds to decompress and json.loads every line: the floor any importer pays."""
    started = time.perf_counter()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            json.loads(line)
    return time.perf_counter() - started


def time_etl(path: Path, folder: Path) -> dict[str, float]:
    """Seconds for `python -m etl import` (validate, keep raw pull, transform, load) and for a
    `build` from that raw pull (stream, transform, load), run in-process."""
    db, raw = folder / "w.duckdb", folder / "raw"
    sink = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stderr(sink):
        args = ["import", str(path), "--db", str(db), "--raw-dir", str(raw), "--no-bundle"]
        assert cli_main(args, out=sink) == 0
    imported = time.perf_counter()
    with contextlib.redirect_stderr(sink):
        assert (
            cli_main(
                ["build", "--source", "latest", "--db", str(db), "--raw-dir", str(raw), "--no-bundle"],
                out=sink,
            )
            == 0
        )
    built = time.perf_counter()
    return {"import_s": imported - started, "build_s": built - imported}


def run(sizes: tuple[int, ...] = SIZES) -> list[dict[str, float]]:
    """Time every size and print one line each."""
    rows = []
    print("ETL throughput: synthetic API v2 studies (~5 KB of JSON each), in-process CLI runs")
    print(
        "  import = read + validate + keep raw pull + transform + load; build = raw pull -> transform -> load"
    )
    header = f"{'studies':>8} {'MB gz':>6} {'parse s':>8} {'import s':>9} {'build s':>8} "
    print(header + f"{'import/s':>9} {'build/s':>9} {'build/parse':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            folder = Path(tmp) / str(size)
            folder.mkdir()
            path = write_synthetic_file(folder / "studies.ndjson.gz", size)
            parse_s = time_plain_parse(path)
            t = time_etl(path, folder)
            row = {"studies": size, "parse_s": parse_s, **t}
            rows.append(row)
            print(
                f"{size:>8} {path.stat().st_size / 1e6:>6.1f} {parse_s:>8.2f} {t['import_s']:>9.2f} "
                f"{t['build_s']:>8.2f} {size / t['import_s']:>9.0f} {size / t['build_s']:>9.0f} "
                f"{t['build_s'] / parse_s:>12.1f}"
            )
    per_study = [r["build_s"] / r["studies"] * 1e6 for r in rows]
    print("build cost per study (µs): " + ", ".join(f"{s:.0f}" for s in per_study) + "  (flat = linear)")
    return rows
