"""Page render times with streamlit's AppTest: every page, cold and after a filter change, at two sizes."""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from bench.synthetic import write_synthetic_file
from etl.cli import main as cli_main
from landscape.sidebar import widget_key

ROOT = Path(__file__).resolve().parents[1]
# Every page script, overview first (it is the default page).
PAGES = sorted(
    (str(p.relative_to(ROOT)) for p in (ROOT / "pages" / "views").glob("*.py")),
    key=lambda path: (not path.endswith("overview.py"), path),
)
# Budgets from the issue: a filter change re-renders a page within these (ms).
BUDGET_MS = {"snapshot": 150.0, "large": 500.0}
SYNTHETIC_SIZE = 100_000
# Filter changes timed after the cold render (each one new to the cache); the median is reported.
FILTER_CHANGES: list[tuple[str, Callable[[list[str]], list[str]]]] = [
    (widget_key("status_groups"), lambda options: options[:1]),
    (widget_key("phases"), lambda options: options[:1]),
    (widget_key("status_groups"), lambda options: options[1:2]),
]


def _quiet_cli(args: list[str]) -> None:
    sink = io.StringIO()
    with contextlib.redirect_stderr(sink):
        code = cli_main(args, out=sink)
    if code != 0:
        raise RuntimeError(f"python -m etl {' '.join(args)} failed:\n{sink.getvalue()}")


def build_databases(folder: Path, size: int) -> dict[str, Path]:
    """The bundled snapshot and `size` synthetic studies, each built by the real ETL."""
    snapshot = folder / "snapshot.duckdb"
    _quiet_cli(["build", "--source", "snapshot", "--db", str(snapshot), "--raw-dir", str(folder / "raw-s")])
    studies = write_synthetic_file(folder / "synthetic.ndjson.gz", size)
    large = folder / "synthetic.duckdb"
    _quiet_cli(
        ["import", str(studies), "--db", str(large), "--raw-dir", str(folder / "raw-l"), "--no-bundle"]
    )
    return {"snapshot": snapshot, "large": large}


def _run_ms(at: AppTest) -> float:
    started = time.perf_counter()
    at.run()
    elapsed = (time.perf_counter() - started) * 1000
    if at.exception:
        raise RuntimeError(f"page raised: {at.exception[0].value}")
    return elapsed


def time_page(page: str) -> tuple[float, float]:
    """(cold ms, median ms of a filter change) for one page in a fresh session with an empty cache."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    if page == "pages/views/trial.py":
        # The trial page is about one trial: open the first one the Trials page lists.
        at.switch_page("pages/views/trials.py").run()
        at.query_params["nct"] = at.selectbox(key="trials_open").options[0].split(" ")[0]
    st.cache_data.clear()
    if page != "pages/views/overview.py":
        at.switch_page(page)
    cold = _run_ms(at)
    changes = []
    for key, choose in FILTER_CHANGES:
        widget = at.sidebar.multiselect(key=key)
        # Options read back as shown ("open (28)"); the widget's values are the bare labels.
        values = [label.rsplit(" (", 1)[0] for label in widget.options]
        before = widget.value
        widget.set_value(choose(values))
        changes.append(_run_ms(at))
        if at.sidebar.multiselect(key=key).value == before:
            raise RuntimeError(f"the filter change on {key} did not take")
    return cold, statistics.median(changes)


def run(size: int = SYNTHETIC_SIZE) -> dict[str, dict[str, tuple[float, float]]]:
    """Time every page at the snapshot's size and at `size` synthetic studies; print a table."""
    results: dict[str, dict[str, tuple[float, float]]] = {}
    previous_db = os.environ.get("LANDSCAPE_DB")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        databases = build_databases(Path(tmp), size)
        built_s = time.perf_counter() - started
        print(f"Page render times (AppTest, ms); built the two databases in {built_s:.0f} s")
        try:
            for label, db in databases.items():
                os.environ["LANDSCAPE_DB"] = str(db)
                results[label] = {page: time_page(page) for page in PAGES}
        finally:
            if previous_db is None:
                os.environ.pop("LANDSCAPE_DB", None)
            else:
                os.environ["LANDSCAPE_DB"] = previous_db
    print(
        "  cold = first render in a new session with an empty cache; change = median of "
        f"{len(FILTER_CHANGES)} filter changes (each new to the cache)"
    )
    print(
        f"  budget for a filter change: {BUDGET_MS['snapshot']:.0f} ms at the snapshot's size, "
        f"{BUDGET_MS['large']:.0f} ms at {size:,} studies"
    )
    header = f"{'page':<16} {'snapshot cold':>13} {'change':>7}   {f'{size:,} cold':>12} {'change':>7}"
    print(header)
    over = []
    for page in PAGES:
        name = Path(page).stem
        s_cold, s_change = results["snapshot"][page]
        l_cold, l_change = results["large"][page]
        flags = ""
        if s_change > BUDGET_MS["snapshot"]:
            flags += " snapshot over budget"
            over.append(name)
        if l_change > BUDGET_MS["large"]:
            flags += f" {size:,} over budget"
            over.append(name)
        print(f"{name:<16} {s_cold:>13.0f} {s_change:>7.0f}   {l_cold:>12.0f} {l_change:>7.0f}{flags}")
    print("all pages within budget" if not over else f"over budget: {', '.join(sorted(set(over)))}")
    return results
