"""Parser quality on the hand-labelled criteria excerpts in ../shared/data/eligibility_dev.

Scoring rules (documented here because the floors depend on them):
- Only measures from the issue's list count, on both sides; other labels and other parser rows
  are ignored.
- A match is the same measure, section, op and value(s) (values equal to 0.01; a range compares
  both ends). Matching is one-to-one, so a threshold stated twice must be found twice.
- Spans and unit strings are not compared: the measure name already fixes the unit, and a span only
  has to locate the words. The test reports how many matched rows have spans that overlap the label's.
- Labels written in a unit the issue says to convert are converted first, exactly as the parser
  does (haemoglobin g/L -> g/dL, cells/uL -> x10^9/L, disease duration years -> months, life
  expectancy months -> weeks); the labels are otherwise taken as written.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from etl.eligibility import parse_criteria
from etl.eligibility.parser import Threshold
from tests.conftest import require_shared

LISTED_MEASURES = frozenset(
    [
        "age_years",
        "weight_kg",
        "bmi",
        "disease_duration_months",
        "sledai_2k",
        "bilag_a_count",
        "bilag_b_count",
        "mrss",
        "cdai",
        "das28",
        "qmg",
        "mg_adl",
        "edss",
        "lvef_pct",
        "egfr_ml_min_1_73m2",
        "creatinine_clearance_ml_min",
        "serum_creatinine_mg_dl",
        "alt_x_uln",
        "ast_x_uln",
        "total_bilirubin_x_uln",
        "spo2_pct",
        "dlco_pct_pred",
        "fvc_pct_pred",
        "platelets_x10e9_l",
        "anc_x10e9_l",
        "lymphocytes_x10e9_l",
        "hemoglobin_g_dl",
        "upcr_g_g",
        "proteinuria_g_24h",
        "prednisone_mg_kg_d",
        "prednisone_mg_d",
        "mean_pap_mmhg",
        "qtc_ms",
        "ecog",
        "life_expectancy_weeks",
        "washout_weeks",
        "prior_therapies_count",
        "anti_dsdna_iu_ml",
        "ana_titer",
        "wbc_x10e9_l",
        "inr_x_uln",
        "total_bilirubin_mg_dl",
        "serum_creatinine_umol_l",
    ]
)
# Label measures stated in a unit the issue converts: (listed measure, factor).
LABEL_CONVERSIONS: dict[str, tuple[str, float]] = {
    "hemoglobin_g_l": ("hemoglobin_g_dl", 0.1),
    "anc_per_ul": ("anc_x10e9_l", 0.001),
    "lymphocytes_per_ul": ("lymphocytes_x10e9_l", 0.001),
    "platelets_per_ul": ("platelets_x10e9_l", 0.001),
    "wbc_per_ul": ("wbc_x10e9_l", 0.001),
    "disease_duration_years": ("disease_duration_months", 12.0),
    "life_expectancy_months": ("life_expectancy_weeks", 4.348),
}
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.90

Key = tuple[str, str, str, float, float | None]


def read_criteria_text(path: Path) -> str:
    """The criteria of a dev file: everything after the 'SOURCE: ...' line and the blank line."""
    text = path.read_text(encoding="utf-8")
    return text.split("\n", 2)[2] if text.startswith("SOURCE:") else text


def normalise_label(label: dict) -> tuple[Key, str] | None:
    """A label as a comparable key (None when its measure is not scored) and its span."""
    measure, value, factor = label["measure"], label["value"], 1.0
    if measure in LABEL_CONVERSIONS:
        measure, factor = LABEL_CONVERSIONS[measure]
    if measure not in LISTED_MEASURES:
        return None
    if label["op"] == "range":
        low, high = (round(float(v) * factor, 2) for v in value)
        return (measure, label["section"], "range", low, high), label.get("span", "")
    return (measure, label["section"], label["op"], round(float(value) * factor, 2), None), label.get(
        "span", ""
    )


def make_key(threshold: Threshold) -> Key | None:
    """A parser row as a comparable key (None when its measure is not scored)."""
    if threshold.measure not in LISTED_MEASURES:
        return None
    high = None if threshold.value_high is None else round(threshold.value_high, 2)
    return (threshold.measure, threshold.section, threshold.op, round(threshold.value, 2), high)


def load_dev_set(folder: Path) -> list[tuple[str, str, list[dict]]]:
    """(nct_id, criteria text, labels) for every labelled text."""
    cases = []
    for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            text = read_criteria_text(folder / f"{record['nct_id']}.txt")
            cases.append((record["nct_id"], text, record["thresholds"]))
    return cases


def score_dev_set(cases: list[tuple[str, str, list[dict]]]) -> dict:
    """True/false positives and false negatives per measure, with the rows behind each miss."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    misses: list[str] = []
    span_overlaps = 0
    for nct_id, text, labels in cases:
        gold: Counter[Key] = Counter()
        gold_spans: dict[Key, str] = {}
        for label in labels:
            normalised = normalise_label(label)
            if normalised is not None:
                gold[normalised[0]] += 1
                gold_spans.setdefault(normalised[0], normalised[1])
        found: Counter[Key] = Counter()
        found_spans: dict[Key, str] = {}
        for threshold in parse_criteria(text):
            key = make_key(threshold)
            if key is not None:
                found[key] += 1
                found_spans.setdefault(key, threshold.span)
        for key in gold | found:
            hits = min(gold[key], found[key])
            tp[key[0]] += hits
            fn[key[0]] += gold[key] - hits
            fp[key[0]] += found[key] - hits
            if hits and _spans_overlap(text, gold_spans[key], found_spans[key]):
                span_overlaps += hits
            if gold[key] > hits:
                misses.append(f"{nct_id} missed {key} ({gold_spans[key]!r})")
            if found[key] > hits:
                misses.append(f"{nct_id} extra  {key} ({found_spans[key]!r})")
    return {"tp": tp, "fp": fp, "fn": fn, "misses": misses, "span_overlaps": span_overlaps}


def _spans_overlap(text: str, gold: str, found: str) -> bool:
    """Whether the label's words and the parser's words share a place in the text."""
    lowered = text.lower()
    gold_at, found_at = lowered.find(gold.lower().strip()), lowered.find(found.lower().strip())
    if gold_at < 0 or found_at < 0:
        return bool(set(gold.lower().split()) & set(found.lower().split()))
    return gold_at < found_at + len(found) and found_at < gold_at + len(gold)


def format_report(result: dict) -> str:
    """Precision and recall per measure and overall, as printed by the test."""
    tp, fp, fn = result["tp"], result["fp"], result["fn"]
    lines = [f"{'measure':<30} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}"]
    for measure in sorted(set(tp) | set(fp) | set(fn)):
        t, f, n = tp[measure], fp[measure], fn[measure]
        precision = t / (t + f) if t + f else 1.0
        recall = t / (t + n) if t + n else 1.0
        lines.append(f"{measure:<30} {t:>4} {f:>4} {n:>4} {precision:>9.3f} {recall:>7.3f}")
    t, f, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    lines.append(f"{'OVERALL':<30} {t:>4} {f:>4} {n:>4} {t / (t + f):>9.3f} {t / (t + n):>7.3f}")
    lines.append(f"matched rows whose span overlaps the label's span: {result['span_overlaps']}/{t}")
    lines.extend(result["misses"])
    return "\n".join(lines)


@pytest.fixture(scope="module")
def dev_cases() -> list[tuple[str, str, list[dict]]]:
    """The labelled dev set, read from ../shared at test time."""
    return load_dev_set(require_shared("data", "eligibility_dev"))


def test_dev_set_precision_and_recall(dev_cases: list[tuple[str, str, list[dict]]]) -> None:
    result = score_dev_set(dev_cases)
    print("\n" + format_report(result))
    tp, fp, fn = (sum(result[k].values()) for k in ("tp", "fp", "fn"))
    assert tp / (tp + fp) >= PRECISION_FLOOR
    assert tp / (tp + fn) >= RECALL_FLOOR


def test_every_labelled_text_is_read(dev_cases: list[tuple[str, str, list[dict]]]) -> None:
    assert len(dev_cases) >= 30
    assert all(text.strip() for _, text, _ in dev_cases)
