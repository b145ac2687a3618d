"""Shared fixtures: the fixture warehouse built by the real ETL, and the shared/ data folder."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from etl.cli import main as etl_main
from tests.fixtures.records import write_fixture_records

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


def require_shared(*parts: str) -> Path:
    """A path under ../shared; skip with a reason when absent, but fail in CI, where it must exist."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        message = f"{path} is absent (the shared data folder sits beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must have it")
        pytest.skip(message)
    return path


def build_fixture_warehouse(folder: Path) -> Path:
    """Run `python -m etl import` on the fixture records into folder/warehouse.duckdb (one refresh:
    the bundled snapshot's history is left out)."""
    records = write_fixture_records(folder / "fixture_studies.ndjson")
    db_path = folder / "warehouse.duckdb"
    out = io.StringIO()
    args = ["import", str(records), "--db", str(db_path), "--raw-dir", str(folder / "raw"), "--no-bundle"]
    code = etl_main(args, out=out)
    assert code == 0, out.getvalue()
    return db_path


def build_history_warehouse(folder: Path) -> Path:
    """Run `python -m etl build --source snapshot`: the bundled snapshot with its four history pulls."""
    db_path = folder / "history.duckdb"
    out = io.StringIO()
    code = etl_main(["build", "--source", "snapshot", "--db", str(db_path)], out=out)
    assert code == 0, out.getvalue()
    return db_path


@pytest.fixture(scope="session")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built once per test session from the bundled snapshot: five refreshes."""
    return build_history_warehouse(tmp_path_factory.mktemp("history_warehouse"))


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built once per test session from tests/fixtures/records.py."""
    return build_fixture_warehouse(tmp_path_factory.mktemp("fixture_warehouse"))
