"""Curated per-trial corrections (data/curated/classification_overrides.csv), each with its reason."""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from etl.classify.labels import UNDISCLOSED
from etl.classify.vocabularies import load_antigens, load_conditions, split_cell
from etl.schema import MODALITIES, SPONSOR_CLASSES, STATUS_GROUPS
from etl.vocab import VocabularyError, load_curated

OVERRIDE_COLUMNS = ("nct_id", "axis", "value", "reason")
# Override axis -> evidence axis. sponsor_class is its own override axis but sponsor evidence.
OVERRIDE_AXES: dict[str, str] = {
    "car_based": "car_based",
    "autoimmune": "autoimmune",
    "target": "target",
    "modality": "modality",
    "product": "product",
    "condition": "condition",
    "sponsor": "sponsor",
    "sponsor_class": "sponsor",
    "status": "status",
}
# Axes whose whole evidence is replaced; for the others only the rows of the replaced label go.
_WHOLE_AXIS = frozenset({"car_based", "autoimmune", "target", "modality", "product", "condition"})
_BOOLEAN_VALUES = {"true": True, "false": False}
NO_PRODUCT_VALUE = "none"


@dataclass(frozen=True)
class ClassifiedTables:
    """The classified trials and the side tables an override may touch."""

    trials: pl.DataFrame
    trial_targets: pl.DataFrame
    trial_condition_entities: pl.DataFrame
    evidence: pl.DataFrame


def load_overrides() -> pl.DataFrame:
    """The curated override file, checked: known axis and a valid value for it."""
    overrides = load_curated("classification_overrides", OVERRIDE_COLUMNS)
    for row in overrides.iter_rows(named=True):
        check_override(row["nct_id"], row["axis"], row["value"])
    return overrides


def check_override(nct_id: str, axis: str, value: str) -> None:
    """Fail loudly on an override that could not be applied as written."""
    where = f"classification_overrides.csv: {nct_id} {axis}"
    if axis not in OVERRIDE_AXES:
        raise VocabularyError(f"{where}: unknown axis; allowed {sorted(OVERRIDE_AXES)}")
    allowed: tuple[str, ...] | None = None
    if axis in ("car_based", "autoimmune"):
        allowed = tuple(_BOOLEAN_VALUES)
    elif axis == "modality":
        allowed = MODALITIES
    elif axis == "sponsor_class":
        allowed = SPONSOR_CLASSES
    elif axis == "status":
        allowed = STATUS_GROUPS
    if allowed is not None and value not in allowed:
        raise VocabularyError(f"{where}: {value!r} not in {list(allowed)}")
    if axis == "target" and value != UNDISCLOSED:
        unknown = [a for a in value.split("/") if a.strip() not in load_antigens().labels]
        if unknown:
            raise VocabularyError(f"{where}: unknown antigens {unknown}")
    if axis == "condition":
        unknown = [e for e in split_cell(value) if e not in load_conditions().families]
        if unknown or not split_cell(value):
            raise VocabularyError(f"{where}: unknown condition entities {unknown or [value]}")


def apply_overrides(tables: ClassifiedTables, overrides: pl.DataFrame) -> ClassifiedTables:
    """Apply every override whose trial is present; each leaves a 'curated override' evidence row."""
    present = set(tables.trials["nct_id"].to_list())
    for row in overrides.iter_rows(named=True):
        if row["nct_id"] in present:
            check_override(row["nct_id"], row["axis"], row["value"])
            tables = _apply_one(tables, row["nct_id"], row["axis"], row["value"], row["reason"])
    return tables


def _apply_one(tables: ClassifiedTables, nct_id: str, axis: str, value: str, reason: str) -> ClassifiedTables:
    rule = f"curated override: {reason}"
    trials = tables.trials
    old_labels: list[str | None] = []
    if axis in ("car_based", "autoimmune"):
        flag = _BOOLEAN_VALUES[value]
        columns: dict[str, object] = {f"is_{axis}": flag, f"{axis}_reason": rule}
        if axis == "autoimmune":
            columns["exclusion_reason"] = None if flag else rule
        trials = _set_values(trials, nct_id, columns)
    elif axis == "target":
        tables = _override_targets(tables, nct_id, value)
        trials = tables.trials
    elif axis == "condition":
        tables = _override_conditions(tables, nct_id, value)
        trials = tables.trials
    else:
        column = {
            "modality": "modality",
            "product": "product_name",
            "sponsor": "sponsor_name",
            "sponsor_class": "sponsor_class",
            "status": "status_group",
        }[axis]
        old_labels = trials.filter(pl.col("nct_id") == nct_id)[column].to_list()
        new_value = None if axis == "product" and value == NO_PRODUCT_VALUE else value
        trials = _set_values(trials, nct_id, {column: new_value})
    evidence_axis = OVERRIDE_AXES[axis]
    evidence = tables.evidence
    drop = (pl.col("nct_id") == nct_id) & (pl.col("axis") == evidence_axis)
    if evidence_axis not in _WHOLE_AXIS:
        drop = drop & pl.col("label").is_in([label for label in old_labels if label is not None])
    added = pl.DataFrame(
        [
            {
                "nct_id": nct_id,
                "axis": evidence_axis,
                "label": value,
                "rule": rule,
                "matched_term": None,
                "field": None,
            }
        ],
        schema=evidence.schema,
    )
    evidence = pl.concat([evidence.filter(~drop), added])
    return replace(tables, trials=trials, evidence=evidence)


def _override_targets(tables: ClassifiedTables, nct_id: str, value: str) -> ClassifiedTables:
    antigens = load_antigens()
    chosen = [] if value == UNDISCLOSED else [a.strip() for a in value.split("/")]
    ordered = [label for label in antigens.labels if label in chosen]
    label = "/".join(ordered) if ordered else UNDISCLOSED
    trials = _set_values(tables.trials, nct_id, {"targets": ordered, "target": label})
    rows = pl.DataFrame(
        {
            "nct_id": [nct_id] * len(ordered),
            "antigen": ordered,
            "is_caar": [a in antigens.caar_labels for a in ordered],
        },
        schema=tables.trial_targets.schema,
    )
    trial_targets = pl.concat([tables.trial_targets.filter(pl.col("nct_id") != nct_id), rows])
    return replace(tables, trials=trials, trial_targets=trial_targets)


def _override_conditions(tables: ClassifiedTables, nct_id: str, value: str) -> ClassifiedTables:
    vocabulary = load_conditions()
    entities = split_cell(value)
    trials = _set_values(
        tables.trials,
        nct_id,
        {
            "condition_entity": entities[0],
            "condition_family": vocabulary.families[entities[0]],
            "is_basket": len({vocabulary.roots[e] for e in entities}) >= 2,
        },
    )
    rows = pl.DataFrame(
        {
            "nct_id": [nct_id] * len(entities),
            "condition_entity": entities,
            "condition_family": [vocabulary.families[e] for e in entities],
            "is_primary": [index == 0 for index in range(len(entities))],
            "organ": [vocabulary.organs.get(e) for e in entities],
        },
        schema=tables.trial_condition_entities.schema,
    )
    kept = tables.trial_condition_entities.filter(pl.col("nct_id") != nct_id)
    return replace(tables, trials=trials, trial_condition_entities=pl.concat([kept, rows]))


def _set_values(trials: pl.DataFrame, nct_id: str, values: dict[str, object]) -> pl.DataFrame:
    """Set columns of one trial (values may be null or lists)."""
    is_target = pl.col("nct_id") == nct_id
    return trials.with_columns(
        pl.when(is_target)
        .then(pl.lit(value, dtype=trials.schema[column]))
        .otherwise(pl.col(column))
        .alias(column)
        for column, value in values.items()
    )
