"""Curated overrides: every axis can be corrected, with its reason kept as evidence."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from etl import vocab
from etl.classify.overrides import load_overrides
from tests.labelled.helpers import classify_records, make_record

HEADER = "nct_id,axis,value,reason\n"


def write_overrides(folder: Path, lines: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "classification_overrides.csv").write_text(HEADER + "".join(f"{line}\n" for line in lines))
    monkeypatch.setattr(vocab, "CURATED_DIR", folder)


def test_overrides_set_every_axis_and_leave_their_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_overrides(
        tmp_path,
        [
            'NCT00000001,target,BCMA/CD19,"registry summary names BCMA and CD19"',
            "NCT00000001,modality,Autologous CAR-T,summary says autologous",
            "NCT00000001,product,GC012F (AZD0120),intervention names GC012F",
            'NCT00000001,condition,"lupus nephritis|SLE",LN is the stated condition',
            "NCT00000001,sponsor,Zhejiang University,registered under an alias",
            "NCT00000001,sponsor_class,academic/hospital,university sponsor",
            "NCT00000001,status,closed,registry page says withdrawn",
            "NCT00000002,car_based,true,summary describes a CAR-T product",
            "NCT00000002,autoimmune,false,the trial treats lymphoma only",
            "NCT09999999,target,CD19,not in this data set",
        ],
        monkeypatch,
    )
    records = [
        make_record("NCT00000001", "Dual Target CAR-T in Refractory SLE", sponsor="Someone"),
        make_record("NCT00000002", "JY-9 in Refractory SLE"),
    ]
    out = classify_records(records)
    first, second = out["trials"].sort("nct_id").iter_rows(named=True)
    assert (first["target"], first["targets"]) == ("CD19/BCMA", ["CD19", "BCMA"])
    assert first["modality"] == "Autologous CAR-T"
    assert first["product_name"] == "GC012F (AZD0120)"
    assert (first["condition_entity"], first["condition_family"], first["is_basket"]) == (
        "lupus nephritis",
        "rheumatic",
        False,
    )
    assert (first["sponsor_name"], first["sponsor_class"], first["status_group"]) == (
        "Zhejiang University",
        "academic/hospital",
        "closed",
    )
    assert (second["is_car_based"], second["is_autoimmune"]) == (True, False)
    assert second["car_based_reason"] == "curated override: summary describes a CAR-T product"
    assert out["trial_targets"].filter(nct_id="NCT00000001")["antigen"].to_list() == ["CD19", "BCMA"]
    entities = out["trial_condition_entities"].filter(nct_id="NCT00000001")
    assert entities.select("condition_entity", "is_primary").rows() == [
        ("lupus nephritis", True),
        ("SLE", False),
    ]
    evidence = out["classification_evidence"].filter(pl.col("rule").str.starts_with("curated override"))
    assert evidence.height == 9
    target_evidence = out["classification_evidence"].filter(nct_id="NCT00000001", axis="target")
    assert target_evidence.select("label", "rule").rows() == [
        ("BCMA/CD19", "curated override: registry summary names BCMA and CD19")
    ]
    ledger = {(s, r): c for s, r, c in out["inclusion_ledger"].iter_rows()}
    assert ledger[("excluded", "CAR-based, curated override: the trial treats lymphoma only")] == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("NCT00000001,colour,red,why", "unknown axis"),
        ("NCT00000001,modality,CAR-X,why", "not in"),
        ("NCT00000001,target,CD999,why", "unknown antigens"),
        ("NCT00000001,condition,lupus,why", "unknown condition"),
        ("NCT00000001,car_based,maybe,why", "not in"),
        ("NCT00000001,status,open,", "empty"),
    ],
)
def test_bad_overrides_are_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, message: str
) -> None:
    write_overrides(tmp_path, [line], monkeypatch)
    with pytest.raises(vocab.VocabularyError, match=message):
        load_overrides()


def test_the_curated_file_is_valid() -> None:
    overrides = load_overrides()
    assert overrides["reason"].str.len_chars().min() > 10  # type: ignore[operator]
