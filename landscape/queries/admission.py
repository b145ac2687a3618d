"""The one admission rule: does any limit a trial states exclude a patient's values?

The sidebar's "would admit a patient with…" filter, the Eligibility page's patient panel and that
panel's CSV all call this module, so they cannot disagree. Each trial gets one of three verdicts:

- MEETS: the trial states a limit on at least one value entered, and the patient meets every one;
- EXCLUDED: some stated limit rules the patient out (`excluded_by` says which);
- NO_INFORMATION: the trial states no limit on any value entered (or has no criteria text at all).

The filter keeps every trial that is not excluded (MEETS and NO_INFORMATION).
"""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters

AGE_MEASURE = "age_years"
MEETS = "meets every stated limit"
EXCLUDED = "excluded"
NO_INFORMATION = "no information"
VERDICT_ORDER = (MEETS, NO_INFORMATION, EXCLUDED)

# Every limit a trial states: the criteria text's requirements (exclusions already inverted, the
# tightest window per measure) and the registry's age fields, which count as an age limit too.
_LIMITS = """(
    SELECT nct_id, measure, unit, min_value, min_inclusive, max_value, max_inclusive,
           'criteria' AS source
    FROM eligibility_requirements
    UNION ALL
    SELECT nct_id, 'age_years', 'years', min_age_years, true, max_age_years, true, 'registry'
    FROM trials WHERE min_age_years IS NOT NULL OR max_age_years IS NOT NULL)"""
# The patient: one row per entered measure (two list parameters: measures, values).
_PATIENT = "(SELECT unnest(?::VARCHAR[]) AS measure, unnest(?::DOUBLE[]) AS value)"
# A limit `l` excludes the patient's value `p.value`.
_EXCLUDES = """((l.min_value IS NOT NULL AND (p.value < l.min_value
                                           OR (p.value = l.min_value AND NOT l.min_inclusive)))
      OR (l.max_value IS NOT NULL AND (p.value > l.max_value
                                       OR (p.value = l.max_value AND NOT l.max_inclusive))))"""
_EXCLUDED_TRIALS = (
    "SELECT l.nct_id FROM " + _LIMITS + " l JOIN " + _PATIENT + " p ON p.measure = l.measure"
    " WHERE " + _EXCLUDES
)


def describe_patient(
    age_years: float | None, values: tuple[tuple[str, float], ...]
) -> tuple[list[str], list[float]]:
    """The entered measures and values as two parallel lists, age first; one value per measure."""
    entered: dict[str, float] = {}
    if age_years is not None:
        entered[AGE_MEASURE] = float(age_years)
    for measure, value in values:
        entered.setdefault(measure, float(value))
    return list(entered), list(entered.values())


def admission_predicate(filters: TrialFilters) -> tuple[str, list]:
    """SQL predicate over `trials t` keeping the trials no stated limit excludes the filters' patient
    from, and its parameters; ("", []) when no patient value is set."""
    measures, numbers = describe_patient(filters.patient_age_years, filters.patient_values)
    if not measures:
        return "", []
    return "t.nct_id NOT IN (" + _EXCLUDED_TRIALS + ")", [measures, numbers]


_VERDICTS = (
    """WITH f AS (
    SELECT t.nct_id, t.brief_title, t.target, t.status_group,
           coalesce(trim(t.eligibility_criteria), '') <> '' AS has_criteria_text
    FROM trials t WHERE /*filters*/),
p AS """
    + _PATIENT
    + """,
l AS (
    SELECT l.*, p.value, """
    + _EXCLUDES
    + """ AS excludes
    FROM """
    + _LIMITS
    + """ l JOIN p ON p.measure = l.measure
    WHERE l.nct_id IN (SELECT nct_id FROM f)),
per_measure AS (
    SELECT f.nct_id, p.measure, count(l.nct_id) AS limit_count
    FROM f CROSS JOIN p LEFT JOIN l ON l.nct_id = f.nct_id AND l.measure = p.measure
    GROUP BY f.nct_id, p.measure),
unstated AS (
    SELECT nct_id, list(measure ORDER BY measure) FILTER (WHERE limit_count = 0) AS unstated_measures,
           count(*) FILTER (WHERE limit_count > 0) AS stated_count
    FROM per_measure GROUP BY nct_id),
excluding AS (
    SELECT nct_id, list(struct_pack(measure := measure, source := source, min_value := min_value,
                                    min_inclusive := min_inclusive, max_value := max_value,
                                    max_inclusive := max_inclusive, unit := unit)
                        ORDER BY measure, source) AS limits
    FROM l WHERE excludes GROUP BY nct_id),
v AS (
    SELECT f.*, u.unstated_measures, x.limits AS excluding_limits,
           CASE WHEN x.nct_id IS NOT NULL THEN ? WHEN coalesce(u.stated_count, 0) = 0 THEN ? ELSE ? END
               AS verdict
    FROM f LEFT JOIN unstated u USING (nct_id) LEFT JOIN excluding x USING (nct_id))"""
)
_VERDICT_PARAMS = [EXCLUDED, NO_INFORMATION, MEETS]

_VERDICT_SCHEMA: dict[str, pl.DataType] = {
    "verdict": pl.String(),
    "nct_id": pl.String(),
    "brief_title": pl.String(),
    "target": pl.String(),
    "status_group": pl.String(),
    "excluded_by": pl.String(),
    "no_limit_stated_on": pl.String(),
}


def check_admission(
    wh: Warehouse,
    filters: TrialFilters,
    age_years: float | None,
    values: tuple[tuple[str, float], ...],
    limit: int | None = None,
) -> pl.DataFrame:
    """Per matching trial, its verdict for this patient: (verdict, nct_id, brief_title, target,
    status_group, excluded_by, no_limit_stated_on). Trials meeting every stated limit come first,
    then those without information, then the excluded; at most `limit` rows (None: all)."""
    # Imported here: where.py imports this module for the filter predicate.
    from landscape.queries.eligibility_options import describe_requirement, read_measure_names
    from landscape.queries.where import read_filtered

    measures, numbers = describe_patient(age_years, values)
    if not measures:
        return pl.DataFrame(schema=_VERDICT_SCHEMA)
    frame = read_filtered(
        wh,
        _VERDICTS
        + """
SELECT * FROM v
ORDER BY CASE verdict WHEN ? THEN 0 WHEN ? THEN 1 ELSE 2 END, nct_id
LIMIT ?""",
        filters,
        after=[measures, numbers, *_VERDICT_PARAMS, *VERDICT_ORDER[:2], limit],
    )
    labels = read_measure_names(wh)
    excluded_by, unstated = [], []
    for row in frame.iter_rows(named=True):
        reasons = []
        for item in row["excluding_limits"] or []:
            name = labels.get(item["measure"], item["measure"])
            where = " (registry age fields)" if item["source"] == "registry" else ""
            bounds = describe_requirement(
                item["min_value"],
                item["min_inclusive"],
                item["max_value"],
                item["max_inclusive"],
                item["unit"],
            )
            reasons.append(f"{name} {bounds}{where}")
        excluded_by.append("; ".join(reasons))
        missing = ", ".join(labels.get(m, m) for m in row["unstated_measures"] or [])
        if missing and not row["has_criteria_text"]:
            missing += " (no criteria text)"
        unstated.append(missing)
    return pl.DataFrame(
        {
            "verdict": frame["verdict"],
            "nct_id": frame["nct_id"],
            "brief_title": frame["brief_title"],
            "target": frame["target"],
            "status_group": frame["status_group"],
            "excluded_by": excluded_by,
            "no_limit_stated_on": unstated,
        },
        schema=_VERDICT_SCHEMA,
    )


def count_admission_verdicts(
    wh: Warehouse, filters: TrialFilters, age_years: float | None, values: tuple[tuple[str, float], ...]
) -> dict[str, int]:
    """{'trials', 'not_excluded', MEETS, NO_INFORMATION, EXCLUDED}: how many matching trials get each
    verdict for this patient (with no value entered, every trial is 'no information')."""
    from landscape.queries.where import read_filtered

    measures, numbers = describe_patient(age_years, values)
    frame = read_filtered(
        wh,
        _VERDICTS + "\nSELECT verdict, count(*) AS n FROM v GROUP BY verdict",
        filters,
        after=[measures, numbers, *_VERDICT_PARAMS],
    )
    counts = {verdict: 0 for verdict in VERDICT_ORDER}
    counts.update(dict(frame.iter_rows()))
    return {
        "trials": sum(counts.values()),
        "not_excluded": counts[MEETS] + counts[NO_INFORMATION],
        **counts,
    }
