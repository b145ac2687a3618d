"""The two seed trials (../shared/seeds) must come out exactly: every threshold in their criteria.

The criteria are read from the seed documents at test time: the bullet lines under "Eligibility
criteria" (NCT06792344, a web page capture) and the fenced block under "## Eligibility"
(NCT05085444, a registry mirror). Exclusions are listed as written; the requirement view turns
them around.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from etl.eligibility import parse_criteria
from etl.paths import SNAPSHOT_PATH
from tests.conftest import require_shared

Expected = tuple[str, str, str, float, float | None, str]

# (section, measure, op, value, value_high, unit)
NCT06792344: list[Expected] = [
    ("inclusion", "age_years", ">=", 5, None, "years"),  # age ≥5 years
    ("inclusion", "mrss", ">=", 15, None, "points"),  # mRSS ≥15 points (total 51 points)
    ("inclusion", "prednisone_mg_kg_d", ">=", 0.5, None, "mg/kg/day"),  # Glucocorticoids (≥0.5mg/kg/d)
    ("inclusion", "prior_therapies_count", ">=", 1, None, "therapies"),  # one or more ... immunomodulators
    ("inclusion", "lvef_pct", ">=", 55, None, "%"),
    ("inclusion", "egfr_ml_min_1_73m2", ">=", 30, None, "mL/min/1.73m2"),
    ("inclusion", "ast_x_uln", "<=", 3, None, "x ULN"),  # AST and ALT≤3.0ULN
    ("inclusion", "alt_x_uln", "<=", 3, None, "x ULN"),
    ("inclusion", "total_bilirubin_x_uln", "<=", 2, None, "x ULN"),
    ("inclusion", "spo2_pct", ">=", 92, None, "%"),
    ("inclusion", "dlco_pct_pred", ">=", 40, None, "% predicted"),
    ("inclusion", "fvc_pct_pred", ">=", 50, None, "% predicted"),
    ("exclusion", "mean_pap_mmhg", ">", 45, None, "mmHg"),  # mean pulmonary pressure > 45mmHg
    ("exclusion", "washout_weeks", "<", 4, None, "weeks"),  # live vaccine within 4 weeks before screening
    ("exclusion", "washout_months", "<", 3, None, "months"),  # other interventional trials within 3 months
]
# Not thresholds there: "2013ACR/EULAR", "(total 51 points)", "for more than 3 months" (how long
# treatment failed), "until 1 year after the infusion", "GVHD of grade 2 or above", the look-back
# windows for myocardial infarction (6 months) and transplantation (3 months), and the summary's
# "aged 5 and older ... up to 74 years", which is not part of the criteria.

NCT05085444: list[Expected] = [
    ("inclusion", "life_expectancy_weeks", ">", 12, None, "weeks"),  # Estimated survival time> 12 weeks
    ("exclusion", "washout_weeks", "<", 2, None, "weeks"),  # systemic steroids within 2 weeks
    ("exclusion", "serum_creatinine_mg_dl", ">", 2.5, None, "mg/dL"),
    ("exclusion", "alt_x_uln", ">", 3, None, "x ULN"),  # ALT / AST > 3 times of normal amounts
    ("exclusion", "ast_x_uln", ">", 3, None, "x ULN"),
    ("exclusion", "total_bilirubin_mg_dl", ">", 2.0, None, "mg/dL"),
    ("exclusion", "platelets_x10e9_l", ">=", 30, None, "x10^9/L"),  # item 11, listed under exclusion
    ("exclusion", "lymphocytes_x10e9_l", ">=", 1.0, None, "x10^9/L"),
    ("exclusion", "prednisone_mg_kg_d", "<=", 1.25, None, "mg/kg"),  # prednisone (maximum dose 1.25mg/kg)
]
# Methylprednisolone's "maximum dose 1mg/kg" is not a prednisone dose; the CAR-T dose "1-4*10E6/kg"
# is in the Arms section, outside the criteria.


def read_seed_criteria(path: Path) -> str:
    """The criteria part of a seed document."""
    text = path.read_text(encoding="utf-8")
    if "## Eligibility" in text:
        return text.split("## Eligibility", 1)[1].split("```", 2)[1]
    lines = []
    for line in text.split("Eligibility criteria", 1)[1].splitlines():
        stripped = line.strip()
        if stripped.startswith("•"):
            lines.append(stripped.lstrip("•").strip())
        elif lines and stripped:
            break
    return "\n".join(lines)


def find_seed(nct_id: str) -> Path:
    """The seed document that is about `nct_id`."""
    folder = require_shared("seeds")
    for path in sorted(folder.glob("*.txt")):
        if nct_id in path.read_text(encoding="utf-8")[:600]:
            return path
    pytest.fail(f"no seed document mentions {nct_id}")


@pytest.mark.parametrize(("nct_id", "expected"), [("NCT06792344", NCT06792344), ("NCT05085444", NCT05085444)])
def test_seed_thresholds_exactly(nct_id: str, expected: list[Expected]) -> None:
    criteria = read_seed_criteria(find_seed(nct_id))
    assert "Exclusion Criteria" in criteria
    found = [(t.section, t.measure, t.op, t.value, t.value_high, t.unit) for t in parse_criteria(criteria)]
    assert found == [(s, m, o, float(v), h, u) for s, m, o, v, h, u in expected]


def test_seed_spans_are_the_words_as_written() -> None:
    criteria = read_seed_criteria(find_seed("NCT05085444"))
    spans = [t.span for t in parse_criteria(criteria)]
    assert "ALT / AST \\> 3 times of normal amounts" in spans
    assert all(span in criteria for span in spans)


@pytest.mark.parametrize(("nct_id", "expected"), [("NCT06792344", NCT06792344), ("NCT05085444", NCT05085444)])
def test_bundled_snapshot_criteria_give_the_same_thresholds(nct_id: str, expected: list[Expected]) -> None:
    with gzip.open(SNAPSHOT_PATH, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    (record,) = [r for r in records if r["protocolSection"]["identificationModule"]["nctId"] == nct_id]
    criteria = record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    found = [(t.section, t.measure, t.op, t.value, t.value_high, t.unit) for t in parse_criteria(criteria)]
    assert found == [(s, m, o, float(v), h, u) for s, m, o, v, h, u in expected]
