"""Run every classification axis over the foundation tables and assemble the results."""

from __future__ import annotations

import datetime

import polars as pl

from etl.classify.conditions import build_organ_tags, classify_conditions
from etl.classify.evidence import concat_evidence
from etl.classify.inclusion import build_inclusion_ledger, classify_car_based
from etl.classify.modality import classify_modality
from etl.classify.origin import classify_cell_origin
from etl.classify.overrides import ClassifiedTables, apply_overrides, load_overrides
from etl.classify.products import classify_products, find_products
from etl.classify.sponsors import classify_sponsors
from etl.classify.status import classify_status
from etl.classify.targets import classify_targets
from etl.classify.texts import build_texts

CLASSIFICATION_COLUMNS = (
    "is_car_based",
    "car_based_reason",
    "is_autoimmune",
    "autoimmune_reason",
    "target",
    "targets",
    "modality",
    "cell_origin",
    "cell_origin_basis",
    "product_name",
    "condition_family",
    "condition_entity",
    "is_basket",
    "sponsor_name",
    "sponsor_class",
    "is_sponsor_person",
    "sponsor_institution",
    "status_group",
    "is_stalled",
)


def classify_trials(tables: dict[str, pl.DataFrame], *, as_of: datetime.date) -> dict[str, pl.DataFrame]:
    """The same tables with classification columns on `trials`, plus trial_targets,
    trial_condition_entities, classification_evidence and inclusion_ledger.

    Pure: reads only the vocabulary and curated files (through etl.vocab). `as_of` is the data
    timestamp's date, used for the stalled flag.
    """
    # Classifying already-classified tables starts again from the foundation columns.
    trials = tables["trials"].drop(CLASSIFICATION_COLUMNS, strict=False)
    texts = build_texts({**tables, "trials": trials})
    product_matches = find_products(texts)
    car_based, car_evidence = classify_car_based(trials, texts, product_matches)
    conditions, entities, condition_evidence = classify_conditions(trials, texts)
    targets, trial_targets, target_evidence = classify_targets(trials, texts, product_matches)
    modality, modality_evidence = classify_modality(trials, texts, product_matches)
    origin, origin_evidence = classify_cell_origin(trials, texts, product_matches, modality)
    products, product_evidence = classify_products(trials, texts, product_matches)
    sponsors, sponsor_evidence = classify_sponsors(trials, tables.get("trial_sites"))
    status, status_evidence = classify_status(trials, as_of)
    classified = trials
    for frame in (car_based, conditions, targets, modality, origin, products, sponsors, status):
        classified = classified.join(frame, on="nct_id", how="left")
    result = ClassifiedTables(
        trials=classified,
        trial_targets=trial_targets,
        trial_condition_entities=entities,
        evidence=concat_evidence(
            [
                car_evidence,
                condition_evidence,
                target_evidence,
                modality_evidence,
                origin_evidence,
                product_evidence,
                sponsor_evidence,
                status_evidence,
            ]
        ),
    )
    result = apply_overrides(result, load_overrides())
    ledger = build_inclusion_ledger(result.trials)
    # The ledger's working columns (has_oncology, exclusion_reason) stay out of the trials table.
    ordered = [c for c in trials.columns if c not in CLASSIFICATION_COLUMNS] + list(CLASSIFICATION_COLUMNS)
    return {
        **tables,
        "trials": result.trials.select(ordered),
        "trial_targets": result.trial_targets.sort("nct_id", maintain_order=True),
        "trial_condition_entities": result.trial_condition_entities.sort("nct_id", maintain_order=True),
        "trial_organ_tags": build_organ_tags(result.trial_condition_entities).sort(
            "nct_id", maintain_order=True
        ),
        "classification_evidence": concat_evidence([result.evidence]),
        "inclusion_ledger": ledger,
    }
