"""What changed between refreshes: the `changes` command, the query layer behind What's new, the Atom feed."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from etl.cli import main
from etl.load import REFRESHES_SCHEMA, write_warehouse
from etl.paths import SNAPSHOT_DIR
from landscape.db import Warehouse
from landscape.feed import ATOM_NS, build_atom_feed
from landscape.filters import TrialFilters
from landscape.queries import changes as q


@pytest.fixture(scope="module")
def wh(history_db: Path) -> Warehouse:
    return Warehouse(history_db)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(["changes", *args], out=out)
    return code, out.getvalue(), capsys.readouterr().err


def test_changes_defaults_to_the_last_two_refreshes_and_says_so(
    history_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["--db", str(history_db)], capsys)
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("Compared refresh 2026-07-25 (bundled) with 2026-08-22 (bundled)")
    assert "the trials the app shows" in first
    assert out.splitlines()[1].split() == ["nct_id", "kind", "field", "old", "new"]
    assert "NCT07053800  returned" in out


def test_changes_json_lines_are_typed(history_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        [
            "--db",
            str(history_db),
            "--since",
            "2026-04-30",
            "--until",
            "2026-05-31",
            "--all",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    # --since 2026-04-30 picks the latest refresh at or before it: 2026-04-25.
    assert "Compared refresh 2026-04-25 (bundled) with 2026-05-25 (bundled)" in err
    rows = [json.loads(line) for line in out.splitlines()]
    assert all(set(r) == {"nct_id", "kind", "field", "old", "new", "from", "to"} for r in rows)
    assert {(r["from"], r["to"]) for r in rows} == {("2026-04-25", "2026-05-25")}
    status = next(r for r in rows if r["nct_id"] == "NCT07053800" and r["kind"] == "status")
    assert (status["old"], status["new"]) == ("NOT_YET_RECRUITING", "RECRUITING")
    enrollment = next(r for r in rows if r["nct_id"] == "NCT06557265" and r["kind"] == "enrollment")
    assert (enrollment["old"], enrollment["new"]) == (96, 120)
    start = next(r for r in rows if r["nct_id"] == "NCT07053800" and r["kind"] == "start_date")
    assert (start["old"], start["new"]) == (None, "2026-01-16")
    countries = next(r for r in rows if r["kind"] == "countries")
    assert isinstance(countries["new"], list)
    assert sum(r["kind"] == "new" for r in rows) == 12


def test_changes_csv_has_a_header_and_every_row(history_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["--db", str(history_db), "--format", "csv"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["nct_id", "kind", "field", "old", "new", "from", "to"]
    # Shown trials only by default; --all adds the rest.
    _, out_all, _ = _run(["--db", str(history_db), "--format", "csv", "--all"], capsys)
    assert len(list(csv.DictReader(io.StringIO(out_all)))) > len(rows) == 66


def test_changes_refuses_dates_before_the_first_refresh_and_empty_warehouses(
    history_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["--db", str(history_db), "--since", "2026-01-01"], capsys)
    assert code == 2 and out == ""
    assert "--since 2026-01-01 is before the first refresh (2026-04-25)" in err
    code, _, err = _run(["--db", str(history_db), "--until", "2025-12-31"], capsys)
    assert code == 2 and "--until 2025-12-31 is before the first refresh" in err
    code, _, err = _run(["--db", str(tmp_path / "none.duckdb")], capsys)
    assert code == 2 and "no database at" in err
    empty = tmp_path / "empty.duckdb"
    write_warehouse(
        {
            "trials": pl.DataFrame({"nct_id": ["NCT00000001"]}),
            "refreshes": pl.DataFrame(schema=REFRESHES_SCHEMA),
        },
        empty,
    )
    code, _, err = _run(["--db", str(empty)], capsys)
    assert code == 2 and "holds no refresh yet" in err


def test_pick_refresh_pair_rules(wh: Warehouse) -> None:
    refreshes = q.list_refreshes(wh)
    assert refreshes["data_timestamp"].to_list() == [
        "2026-04-25",
        "2026-05-25",
        "2026-06-25",
        "2026-07-25",
        "2026-08-22",
    ]
    assert q.pick_refresh_pair(refreshes) == q.RefreshPair(4, 5, "2026-07-25", "2026-08-22")
    assert q.pick_refresh_pair(refreshes, since=date(2026, 5, 25)).from_refresh_id == 2
    assert q.pick_refresh_pair(refreshes, until=date(2026, 6, 30)) == q.RefreshPair(
        2, 3, "2026-05-25", "2026-06-25"
    )
    with pytest.raises(q.RefreshChoiceError, match="after --until"):
        q.pick_refresh_pair(refreshes, since=date(2026, 8, 1), until=date(2026, 5, 30))
    with pytest.raises(q.RefreshChoiceError, match="nothing earlier"):
        q.pick_refresh_pair(refreshes.head(1))


def test_whats_new_sections(wh: Warehouse) -> None:
    pair = q.pick_refresh_pair(q.list_refreshes(wh))
    changes = q.read_changes(wh, TrialFilters(), pair)
    counts = dict(q.count_changes_by_kind(changes).iter_rows())
    assert counts["new"] == 20 and counts["returned"] == 1 and counts["status"] == 9
    assert list(q.count_changes_by_kind(changes)["kind"])[:3] == ["new", "returned", "status"]
    new = q.select_new_trials(changes)
    assert new.height == 20
    assert set(new.columns) >= {"target", "condition_entity", "sponsor_name", "phase_label", "overall_status"}
    status = q.select_status_changes(changes)
    opened = status.filter(pl.col("callout") == "opened")["nct_id"].to_list()
    assert "NCT07490951" in opened and "NCT06359041" in opened
    phase = q.select_phase_changes(changes).row(0, named=True)
    assert (phase["nct_id"], phase["old_phase"], phase["new_phase"], phase["is_advance"]) == (
        "NCT06328777",
        "Phase 1/2",
        "Phase 2/3",
        True,
    )
    enrollment = (
        q.select_enrollment_changes(changes).filter(pl.col("nct_id") == "NCT06359041").row(0, named=True)
    )
    assert (enrollment["change_count"], enrollment["change_pct"]) == (12, 100.0)
    slips = q.select_date_slips(changes).filter(pl.col("nct_id") == "NCT07556120").row(0, named=True)
    assert (slips["field"], slips["months_moved"]) == ("start_date", 7)
    assert q.select_dropped_and_returned(changes).rows() == [
        (
            "NCT07053800",
            "returned",
            changes.filter(pl.col("nct_id") == "NCT07053800")["brief_title"][0],
            "CD19",
            "NOT_YET_RECRUITING",
        )
    ]


def test_filters_narrow_the_changes_and_apply_to_dropped_trials(wh: Warehouse) -> None:
    refreshes = q.list_refreshes(wh)
    pair = q.pick_refresh_pair(refreshes, since=date(2026, 5, 25), until=date(2026, 6, 25))
    everything = q.read_changes(wh, TrialFilters(), pair)
    cd19 = q.read_changes(wh, TrialFilters(targets=("CD19",)), pair)
    assert 0 < cd19.height < everything.height
    assert set(cd19["target"].drop_nulls()) <= {t for t in everything["target"].unique() if "CD19" in t}
    # The dropped trial is judged by the latest state it has: it is a CD19 trial (it came back later).
    assert "dropped" in cd19["kind"].to_list()
    assert "dropped" not in q.read_changes(wh, TrialFilters(targets=("BCMA",)), pair)["kind"].to_list()


def test_a_trial_no_longer_in_the_latest_pull_is_filtered_by_its_last_state(tmp_path: Path) -> None:
    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    for day in ("2026-05-25", "2026-06-25"):
        records = SNAPSHOT_DIR / "history" / day / "studies.ndjson.gz"
        args = ["import", str(records), "--as-of", day, "--db", str(db), "--raw-dir", str(raw), "--no-bundle"]
        assert main(args, out=io.StringIO()) == 0
    latest = Warehouse(db)
    pair = q.pick_refresh_pair(q.list_refreshes(latest))
    # NCT07053800 (CD19 CAR-T in lupus nephritis) is not in the latest pull: no `trials` row.
    assert latest.query("SELECT count(*) FROM trials WHERE nct_id = 'NCT07053800'").item() == 0

    def dropped(filters: TrialFilters) -> list[str]:
        changes = q.read_changes(latest, filters, pair)
        return changes.filter(pl.col("kind") == "dropped")["nct_id"].to_list()

    assert dropped(TrialFilters()) == ["NCT07053800"]
    assert dropped(TrialFilters(targets=("CD19",), condition_families=("rheumatic",))) == ["NCT07053800"]
    assert dropped(TrialFilters(search_text="obe-cel", status_groups=("open",))) == ["NCT07053800"]
    assert dropped(TrialFilters(condition_families=("neurologic",))) == []
    assert dropped(TrialFilters(targets=("BCMA",))) == []


def test_trial_history_and_landscape_across_refreshes(wh: Warehouse) -> None:
    history = q.read_trial_history(wh, "NCT07053800")
    assert history.select("valid_from", "valid_to", "overall_status").rows() == [
        ("2026-04-25", "2026-04-25", "NOT_YET_RECRUITING"),
        ("2026-05-25", "2026-05-25", "RECRUITING"),
        ("2026-08-22", "2026-08-22", "NOT_YET_RECRUITING"),
    ]
    steps = q.read_trial_changes(wh, "NCT07053800")
    assert [k for k in steps["kind"]] == ["status", "start_date", "countries", "sites", "dropped", "returned"]
    landscape = q.count_status_groups_by_refresh(wh, TrialFilters())
    assert landscape["refresh_id"].unique().sort().to_list() == [1, 2, 3, 4, 5]
    latest = landscape.filter(pl.col("refresh_id") == 5)["trial_count"].sum()
    assert latest == wh.query("SELECT count(*) FROM trials WHERE is_car_based AND is_autoimmune").item()
    summary = q.summarize_latest_changes(wh, TrialFilters())
    assert summary["from_data_timestamp"] == "2026-07-25" and summary["counts"]["new"] == 20  # type: ignore[index]


def test_warehouse_without_history_gives_empty_frames(fixture_db: Path) -> None:
    # The fixture warehouse has one refresh: nothing earlier to compare with, empty but typed frames.
    fixture = Warehouse(fixture_db)
    assert q.list_refreshes(fixture).height == 1
    assert q.summarize_latest_changes(fixture, TrialFilters()) == {}


def test_atom_feed_is_valid_atom(wh: Warehouse) -> None:
    pair = q.pick_refresh_pair(q.list_refreshes(wh))
    changes = q.read_changes(wh, TrialFilters(targets=("CD19",)), pair)
    text = build_atom_feed(
        changes,
        title="CAR-T in autoimmune disease: CD19 <changes> & more",
        from_data_timestamp=pair.from_data_timestamp,
        to_data_timestamp=pair.to_data_timestamp,
        scope="target=CD19",
    )
    root = ET.fromstring(text.encode("utf-8"))
    ns = {"a": ATOM_NS}
    assert root.tag == f"{{{ATOM_NS}}}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"a:{tag}", ns) is not None and root.find(f"a:{tag}", ns).text  # type: ignore[union-attr]
    assert root.find("a:title", ns).text == "CAR-T in autoimmune disease: CD19 <changes> & more"  # type: ignore[union-attr]
    assert root.find("a:author/a:name", ns) is not None
    assert root.find("a:updated", ns).text == "2026-08-22T00:00:00Z"  # type: ignore[union-attr]
    entries = root.findall("a:entry", ns)
    assert len(entries) == changes["nct_id"].n_unique() > 0
    ids = set()
    for entry in entries:
        entry_id = entry.find("a:id", ns).text  # type: ignore[union-attr]
        assert entry_id and entry_id.startswith("urn:uuid:")
        ids.add(entry_id)
        assert entry.find("a:title", ns).text  # type: ignore[union-attr]
        assert entry.find("a:updated", ns).text == "2026-08-22T00:00:00Z"  # type: ignore[union-attr]
        link = entry.find("a:link[@rel='alternate']", ns)
        assert link is not None and link.get("href", "").startswith("https://clinicaltrials.gov/study/NCT")
    assert len(ids) == len(entries)
    returned = next(e for e in entries if "NCT07053800" in (e.find("a:title", ns).text or ""))  # type: ignore[union-attr]
    assert returned.find("a:summary", ns).text == "back in the registry search (NOT_YET_RECRUITING)"  # type: ignore[union-attr]
    # Same view, same feed id; an empty change set is still a valid feed.
    again = build_atom_feed(
        changes.head(0),
        title="x",
        from_data_timestamp="2026-07-25",
        to_data_timestamp="2026-08-22",
        scope="target=CD19",
    )
    assert ET.fromstring(again).find("a:id", ns).text == root.find("a:id", ns).text  # type: ignore[union-attr]


def test_stored_consecutive_changes_equal_the_computed_ones(wh: Warehouse) -> None:
    # One rule: trial_changes (consecutive pairs) is the same SQL the app runs for any two refreshes.
    from etl.history import KIND_ORDER

    for pair in [(1, 2), (2, 3), (3, 4), (4, 5)]:
        params = [*pair, list(KIND_ORDER)]
        computed = wh.query(q._TEMPLATES[(True, False)], params)
        stored = wh.query(q._TEMPLATES[(True, True)], params)
        assert computed.height > 0
        assert computed.equals(stored), pair
