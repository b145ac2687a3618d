"""Status group and the stalled flag."""

from __future__ import annotations

import datetime

import pytest

from tests.labelled.helpers import classify_records, make_record

AS_OF = datetime.date(2026, 9, 1)


def status_of(status: str | None, start: str | None = None) -> tuple[str, bool]:
    row = classify_records([make_record("NCT00000001", "CAR-T in SLE", status=status, start=start)], AS_OF)[
        "trials"
    ].row(0, named=True)
    return row["status_group"], row["is_stalled"]


@pytest.mark.parametrize(
    ("status", "group"),
    [
        ("RECRUITING", "open"),
        ("NOT_YET_RECRUITING", "open"),
        ("ENROLLING_BY_INVITATION", "open"),
        ("ACTIVE_NOT_RECRUITING", "active, not recruiting"),
        ("COMPLETED", "closed"),
        ("TERMINATED", "closed"),
        ("WITHDRAWN", "closed"),
        ("SUSPENDED", "closed"),
        ("UNKNOWN", "unknown"),
        ("AVAILABLE", "unknown"),
        (None, "unknown"),
    ],
)
def test_status_groups(status: str | None, group: str) -> None:
    assert status_of(status)[0] == group


@pytest.mark.parametrize(
    ("status", "start", "stalled"),
    [
        ("RECRUITING", "2023-09-01", True),
        ("RECRUITING", "2023-09-02", False),
        ("NOT_YET_RECRUITING", "2022-01", True),
        ("ENROLLING_BY_INVITATION", "2020", True),
        ("ACTIVE_NOT_RECRUITING", "2019-01-01", False),
        ("COMPLETED", "2019-01-01", False),
        ("RECRUITING", None, False),
    ],
)
def test_stalled_means_still_open_three_years_after_start(
    status: str, start: str | None, stalled: bool
) -> None:
    assert status_of(status, start)[1] is stalled


def test_stalled_evidence_gives_the_start_date() -> None:
    out = classify_records(
        [make_record("NCT00000001", "CAR-T", status="RECRUITING", start="2020-09-29")], AS_OF
    )
    evidence = out["classification_evidence"].filter(axis="status")
    assert evidence["label"].to_list() == ["open", "stalled"]
    assert "2020-09-29" in evidence["rule"][1]
