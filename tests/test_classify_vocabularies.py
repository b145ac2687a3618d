"""Every classification vocabulary loads, is consistent, and a new product is one line."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from etl import vocab
from etl.classify import vocabularies
from etl.classify.labels import MODALITY_PRECEDENCE
from etl.classify.overrides import load_overrides
from etl.paths import VOCAB_DIR
from etl.schema import CONDITION_FAMILIES
from tests.labelled.helpers import classify_one, make_record

PAYLOAD_COLUMNS = {
    "antigens": ["antigen"],
    "products": ["product_name"],
    "conditions": ["entity"],
    "oncology_terms": ["category"],
    "car_terms": ["car_label"],
    "modalities": ["modality"],
    "sponsor_class_terms": ["sponsor_class"],
}


def clear_caches() -> None:
    vocab.load_vocabulary.cache_clear()
    for name in dir(vocabularies):
        function = getattr(vocabularies, name)
        if name.startswith("load_") and hasattr(function, "cache_clear"):
            function.cache_clear()


@pytest.fixture
def vocab_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A writable copy of data/vocab that the loader reads instead of the real one."""
    folder = tmp_path / "vocab"
    shutil.copytree(VOCAB_DIR, folder)
    monkeypatch.setattr(vocab, "VOCAB_DIR", folder)
    clear_caches()
    yield folder
    clear_caches()


def test_every_vocabulary_loads() -> None:
    frames = vocabularies.list_vocabulary_frames()
    assert set(frames) == set(PAYLOAD_COLUMNS)
    for name, frame in frames.items():
        assert frame.height > 0, name


@pytest.mark.parametrize("name", sorted(PAYLOAD_COLUMNS))
def test_no_alias_key_names_two_labels(name: str) -> None:
    keys = vocabularies.list_vocabulary_frames()[name]
    label = PAYLOAD_COLUMNS[name]
    clashes = (
        keys.group_by("key").agg(pl.col(label[0]).n_unique().alias("labels")).filter(pl.col("labels") > 1)
    )
    # APRIL and slash shorthands ("cd19/20") resolve to two antigens on purpose.
    if name == "antigens":
        clashes = clashes.filter(~pl.col("key").str.contains("april|/"))
    assert clashes.is_empty(), clashes


def test_products_name_known_antigens_and_modalities() -> None:
    antigens = set(vocabularies.load_antigens().labels)
    products = vocabularies.load_products().keys
    for row in products.iter_rows(named=True):
        assert set(row["product_antigens"]) <= antigens, row
        assert row["product_modality"] in (None, *MODALITY_PRECEDENCE), row


def test_conditions_use_known_families_and_parents() -> None:
    conditions = vocabularies.load_conditions()
    assert set(conditions.families.values()) <= set(CONDITION_FAMILIES)
    assert set(conditions.roots.values()) <= set(conditions.families)
    assert conditions.roots["lupus nephritis"] == "SLE"


def test_antigen_display_order_starts_with_cd19_then_bcma() -> None:
    assert vocabularies.load_antigens().labels[:3] == ("CD19", "BCMA", "CD20")


def test_ligand_and_shorthand_rows_resolve_to_antigens() -> None:
    keys = vocabularies.load_antigens().matcher.keys
    assert keys.filter(pl.col("key") == "aprilcar")["antigen"].sort().to_list() == ["BCMA", "TACI"]
    assert keys.filter(pl.col("key") == "baff")["antigen"].to_list() == ["BAFF-R"]
    assert keys.filter(pl.col("key") == "cd19/20")["antigen"].sort().to_list() == ["CD19", "CD20"]


def test_sponsor_aliases_and_overrides_load() -> None:
    aliases = vocabularies.load_sponsor_aliases()
    assert "Kyverna Therapeutics" in aliases.names.values()
    assert set(load_overrides().columns) >= {"nct_id", "axis", "value", "reason"}


def test_a_bad_product_antigen_is_rejected(vocab_copy: Path) -> None:
    with (vocab_copy / "products.csv").open("a", encoding="utf-8") as stream:
        stream.write("BAD-1,bad-1,CD999,,,\n")
    with pytest.raises(vocab.VocabularyError, match="unknown antigens"):
        vocabularies.load_products()


def test_adding_a_product_is_one_line(vocab_copy: Path) -> None:
    record = make_record(
        "NCT00000001", "ZZX-777 in Refractory Lupus", conditions=["SLE"], interventions=["ZZX-777"]
    )
    before = classify_one(record)
    assert (before["is_car_based"], before["target"]) == (False, "undisclosed")
    with (vocab_copy / "products.csv").open("a", encoding="utf-8") as stream:
        stream.write("ZZX-777,zzx-777|zzx777,CD19|CD20,Allogeneic CAR-T,Example Bio,test product\n")
    clear_caches()
    after = classify_one(record)
    assert after["is_car_based"] is True
    assert (after["target"], after["modality"], after["product_name"]) == (
        "CD19/CD20",
        "Allogeneic CAR-T",
        "ZZX-777",
    )
