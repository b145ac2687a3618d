"""Queries behind the eligibility page: thresholds per measure, age windows, criteria side by side, and
which trials would admit a given patient."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered

REQUIREMENTS = "eligibility_requirements"
AGE_LIMITS = "trial_age_limits"
ADULT_AGE = 18.0

# Readable names for the measures a reader meets most; others show as "<measure> (<unit>)".
MEASURE_LABELS: dict[str, str] = {
    "age_years": "Age",
    "egfr_ml_min_1_73m2": "eGFR",
    "creatinine_clearance_ml_min": "Creatinine clearance",
    "lvef_pct": "LVEF",
    "sledai_2k": "SLEDAI-2K",
    "clinical_sledai_2k": "Clinical SLEDAI-2K",
    "selena_sledai": "SELENA-SLEDAI",
    "mrss": "mRSS",
    "cdai": "CDAI",
    "das28": "DAS28",
    "qmg": "QMG score",
    "mg_adl": "MG-ADL",
    "edss": "EDSS",
    "upcr_g_g": "Urine protein/creatinine ratio",
    "proteinuria_g_24h": "Proteinuria",
    "ck_x_uln": "Creatine kinase",
    "serum_creatinine_mg_dl": "Serum creatinine",
    "serum_creatinine_umol_l": "Serum creatinine",
    "serum_creatinine_x_uln": "Serum creatinine",
    "alt_x_uln": "ALT",
    "ast_x_uln": "AST",
    "total_bilirubin_x_uln": "Total bilirubin",
    "total_bilirubin_mg_dl": "Total bilirubin",
    "total_bilirubin_umol_l": "Total bilirubin",
    "spo2_pct": "SpO2",
    "dlco_pct_pred": "DLCO",
    "fvc_pct_pred": "FVC",
    "platelets_x10e9_l": "Platelets",
    "anc_x10e9_l": "Neutrophils (ANC)",
    "lymphocytes_x10e9_l": "Lymphocytes",
    "wbc_x10e9_l": "White cells",
    "hemoglobin_g_dl": "Haemoglobin",
    "prednisone_mg_d": "Prednisone dose",
    "prednisone_mg_kg_d": "Prednisone dose",
    "ecog": "ECOG",
    "karnofsky_pct": "Karnofsky",
    "life_expectancy_weeks": "Life expectancy",
    "disease_duration_months": "Disease duration",
    "weight_kg": "Body weight",
    "bmi": "BMI",
    "anti_dsdna_iu_ml": "Anti-dsDNA",
    "prior_therapies_count": "Prior therapies",
    "qtc_ms": "QTc",
    "washout_days": "Washout",
    "washout_weeks": "Washout",
    "washout_months": "Washout",
    "ana_titer": "ANA titre",
    "ana_x_uln": "ANA",
    "anti_dsdna_x_uln": "Anti-dsDNA",
    "bilag_a_count": "BILAG A organ systems",
    "bilag_b_count": "BILAG B organ systems",
    "inr": "INR",
    "inr_x_uln": "INR",
    "aptt_x_uln": "aPTT",
    "pt_x_uln": "Prothrombin time",
    "mean_pap_mmhg": "Mean pulmonary artery pressure",
}
# Units that the measure's name already says (or that are scores): not repeated in labels.
_UNITLESS = {"", "points", "ratio", "therapies", "organ systems"}


def label_measure(measure: str, unit: str | None) -> str:
    """A reader's name for a measure, with its unit: 'eGFR (mL/min/1.73m2)', 'SLEDAI-2K'."""
    name = MEASURE_LABELS.get(measure, measure.replace("_", " "))
    return name if (unit or "") in _UNITLESS else f"{name} ({unit})"


def _format_number(value: float) -> str:
    return f"{float(value):g}"


def describe_requirement(
    min_value: float | None,
    min_inclusive: bool | None,
    max_value: float | None,
    max_inclusive: bool | None,
    unit: str | None = None,
) -> str:
    """'≥ 45', '< 2', '≥ 18 and ≤ 65' (with the unit when given), or 'no limit'."""
    parts = []
    if min_value is not None:
        parts.append(("≥ " if min_inclusive is not False else "> ") + _format_number(min_value))
    if max_value is not None:
        parts.append(("≤ " if max_inclusive is not False else "< ") + _format_number(max_value))
    text = " and ".join(parts) or "no limit"
    return text if not parts or (unit or "") in _UNITLESS else f"{text} {unit}"


def _add_requirement_label(frame: pl.DataFrame, with_unit: bool = False) -> pl.DataFrame:
    labels = [
        describe_requirement(lo, lo_inc, hi, hi_inc, unit if with_unit else None)
        for lo, lo_inc, hi, hi_inc, unit in frame.select(
            "min_value", "min_inclusive", "max_value", "max_inclusive", "unit"
        ).iter_rows()
    ]
    return frame.with_columns(pl.Series("requirement", labels, dtype=pl.String))


def has_eligibility_tables(wh: Warehouse) -> bool:
    """True when the warehouse holds the eligibility requirement table."""
    return REQUIREMENTS in wh.table_names


def count_trials_per_measure(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(measure, unit, label, trial_count): how many matching trials state a limit on each measure."""
    if not has_eligibility_tables(wh):
        return pl.DataFrame(
            schema={"measure": pl.String, "unit": pl.String, "label": pl.String, "trial_count": pl.Int64}
        )
    frame = read_filtered(
        wh,
        """SELECT r.measure, any_value(r.unit) AS unit, count(DISTINCT r.nct_id) AS trial_count
           FROM eligibility_requirements r JOIN trials t ON t.nct_id = r.nct_id
           WHERE /*filters*/
           GROUP BY r.measure ORDER BY trial_count DESC, r.measure""",
        filters,
    )
    labels = [label_measure(m, u) for m, u in frame.select("measure", "unit").iter_rows()]
    return frame.with_columns(pl.Series("label", labels, dtype=pl.String)).select(
        "measure", "unit", "label", "trial_count"
    )


def count_requirement_thresholds(wh: Warehouse, filters: TrialFilters, measure: str) -> pl.DataFrame:
    """(requirement, min_value, min_inclusive, max_value, max_inclusive, unit, trial_count) for one
    measure: how many trials ask for each limit (e.g. LVEF ≥ 50 vs ≥ 55), lowest limit first."""
    if not has_eligibility_tables(wh):
        return pl.DataFrame(
            schema={
                "requirement": pl.String,
                "min_value": pl.Float64,
                "min_inclusive": pl.Boolean,
                "max_value": pl.Float64,
                "max_inclusive": pl.Boolean,
                "unit": pl.String,
                "trial_count": pl.Int64,
            }
        )
    frame = read_filtered(
        wh,
        """SELECT r.min_value, r.min_inclusive, r.max_value, r.max_inclusive, any_value(r.unit) AS unit,
                  count(DISTINCT r.nct_id) AS trial_count
           FROM eligibility_requirements r JOIN trials t ON t.nct_id = r.nct_id
           WHERE r.measure = ? AND /*filters*/
           GROUP BY r.min_value, r.min_inclusive, r.max_value, r.max_inclusive
           ORDER BY r.min_value NULLS LAST, r.max_value NULLS LAST""",
        filters,
        before=[measure],
    )
    return _add_requirement_label(frame).select(
        "requirement",
        "min_value",
        "min_inclusive",
        "max_value",
        "max_inclusive",
        "unit",
        "trial_count",
    )


_AGE_WINDOWS_WITH_TEXT = """SELECT coalesce(t.min_age_years, a.text_min_age_years) AS min_age,
       coalesce(t.max_age_years, a.text_max_age_years) AS max_age,
       count(*) AS trial_count
FROM trials t LEFT JOIN trial_age_limits a ON a.nct_id = t.nct_id
WHERE /*filters*/
GROUP BY 1, 2 ORDER BY trial_count DESC, min_age NULLS LAST, max_age NULLS LAST"""
_AGE_WINDOWS = """SELECT t.min_age_years AS min_age, t.max_age_years AS max_age,
       count(*) AS trial_count
FROM trials t
WHERE /*filters*/
GROUP BY 1, 2 ORDER BY trial_count DESC, min_age NULLS LAST, max_age NULLS LAST"""


def classify_age_window(min_age: float | None, max_age: float | None) -> str:
    """'children only', 'children and adults', 'adults only' or 'not stated'."""
    if min_age is None and max_age is None:
        return "not stated"
    if max_age is not None and max_age < ADULT_AGE:
        return "children only"
    if min_age is not None and min_age >= ADULT_AGE:
        return "adults only"
    return "children and adults"


def describe_age_window(min_age: float | None, max_age: float | None) -> str:
    """'18–65 years', '≥ 18 years', '≤ 17 years' or 'no limit stated'."""
    if min_age is None and max_age is None:
        return "no limit stated"
    if max_age is None:
        return f"≥ {_format_number(min_age or 0)} years"
    if min_age is None:
        return f"≤ {_format_number(max_age)} years"
    return f"{_format_number(min_age)}–{_format_number(max_age)} years"


def count_age_windows(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(window, age_group, min_age, max_age, trial_count) per distinct age window, most common first.

    Ages come from the registry's age fields, with ages parsed from the criteria text filling gaps."""
    template = _AGE_WINDOWS_WITH_TEXT if AGE_LIMITS in wh.table_names else _AGE_WINDOWS
    frame = read_filtered(wh, template, filters)
    rows = frame.select("min_age", "max_age").iter_rows()
    windows, groups = [], []
    for lo, hi in rows:
        windows.append(describe_age_window(lo, hi))
        groups.append(classify_age_window(lo, hi))
    return frame.with_columns(
        pl.Series("window", windows, dtype=pl.String), pl.Series("age_group", groups, dtype=pl.String)
    ).select("window", "age_group", "min_age", "max_age", "trial_count")


def read_requirement_matrix(
    wh: Warehouse, filters: TrialFilters, measures: tuple[str, ...], limit: int = 200
) -> pl.DataFrame:
    """(nct_id, brief_title, measure, requirement) for the matching trials that state a limit on any of
    `measures`; at most `limit` trials (those stating the most of these measures first)."""
    empty = pl.DataFrame(
        schema={"nct_id": pl.String, "brief_title": pl.String, "measure": pl.String, "requirement": pl.String}
    )
    if not has_eligibility_tables(wh) or not measures:
        return empty
    frame = read_filtered(
        wh,
        """WITH r AS (
               SELECT r.*, t.brief_title FROM eligibility_requirements r JOIN trials t ON t.nct_id = r.nct_id
               WHERE list_contains(?::VARCHAR[], r.measure) AND /*filters*/),
           top AS (
               SELECT nct_id, count(*) AS n FROM r GROUP BY nct_id ORDER BY n DESC, nct_id LIMIT ?)
           SELECT r.nct_id, r.brief_title, r.measure, r.min_value, r.min_inclusive, r.max_value,
                  r.max_inclusive, r.unit
           FROM r JOIN top USING (nct_id) ORDER BY top.n DESC, r.nct_id, r.measure""",
        filters,
        before=[list(measures)],
        after=[limit],
    )
    return _add_requirement_label(frame).select("nct_id", "brief_title", "measure", "requirement")


def check_patient(
    wh: Warehouse,
    filters: TrialFilters,
    age_years: float | None,
    values: tuple[tuple[str, float], ...],
    limit: int = 300,
) -> pl.DataFrame:
    """Per matching trial: would it admit a patient with this age and these values?

    Columns: nct_id, brief_title, target, status_group, verdict ('admits' | 'excludes'), excluded_by
    (what rules the patient out), not_stated (entered measures the trial states no limit on). A trial
    that states no limit on a measure is not counted against the patient. Admitting trials come first;
    at most `limit` rows.
    """
    measures = [m for m, _ in values]
    numbers = [float(v) for _, v in values]
    requirements_join = (
        """LEFT JOIN eligibility_requirements r ON r.nct_id = f.nct_id AND r.measure = p.measure"""
        if has_eligibility_tables(wh)
        else """LEFT JOIN (SELECT NULL::VARCHAR AS nct_id, NULL::VARCHAR AS measure,
                       NULL::DOUBLE AS min_value, NULL::BOOLEAN AS min_inclusive,
                       NULL::DOUBLE AS max_value, NULL::BOOLEAN AS max_inclusive, NULL::VARCHAR AS unit) r
                  ON r.nct_id = f.nct_id AND r.measure = p.measure"""
    )
    frame = read_filtered(
        wh,
        """WITH f AS (SELECT t.nct_id, t.brief_title, t.target, t.status_group,
                            t.min_age_years, t.max_age_years
                     FROM trials t WHERE /*filters*/),
           p AS (SELECT unnest(?::VARCHAR[]) AS measure, unnest(?::DOUBLE[]) AS value),
           checks AS (
               SELECT f.nct_id, p.measure, p.value, r.min_value, r.min_inclusive, r.max_value,
                      r.max_inclusive, r.unit, r.nct_id IS NOT NULL AS stated,
                      coalesce((r.min_value IS NOT NULL AND (p.value < r.min_value
                                 OR (p.value = r.min_value AND NOT r.min_inclusive)))
                            OR (r.max_value IS NOT NULL AND (p.value > r.max_value
                                 OR (p.value = r.max_value AND NOT r.max_inclusive))), false) AS excludes
               FROM f CROSS JOIN p """
        + requirements_join
        + """),
           ages AS (
               SELECT f.nct_id, ?::DOUBLE AS age,
                      (f.min_age_years IS NOT NULL AND ?::DOUBLE < f.min_age_years)
                      OR (f.max_age_years IS NOT NULL AND ?::DOUBLE > f.max_age_years) AS excludes,
                      f.min_age_years, f.max_age_years
               FROM f WHERE ?::DOUBLE IS NOT NULL),
           agg AS (
               SELECT f.nct_id, f.brief_title, f.target, f.status_group,
                  a.excludes AS age_excludes, a.min_age_years, a.max_age_years,
                  list(c.measure ORDER BY c.measure) FILTER (WHERE c.excludes) AS excluded_measures,
                  list(c.min_value ORDER BY c.measure) FILTER (WHERE c.excludes) AS excluded_min,
                  list(c.min_inclusive ORDER BY c.measure) FILTER (WHERE c.excludes)
                      AS excluded_min_inclusive,
                  list(c.max_value ORDER BY c.measure) FILTER (WHERE c.excludes) AS excluded_max,
                  list(c.max_inclusive ORDER BY c.measure) FILTER (WHERE c.excludes)
                      AS excluded_max_inclusive,
                  list(c.unit ORDER BY c.measure) FILTER (WHERE c.excludes) AS excluded_units,
                  list(c.measure ORDER BY c.measure) FILTER (WHERE NOT c.stated) AS not_stated_measures,
                  count(*) FILTER (WHERE c.excludes) AS n_excluded,
                  count(*) FILTER (WHERE NOT c.stated) AS n_not_stated
           FROM f LEFT JOIN checks c ON c.nct_id = f.nct_id LEFT JOIN ages a ON a.nct_id = f.nct_id
           GROUP BY ALL)
           SELECT * FROM agg
           ORDER BY (coalesce(age_excludes, false) OR n_excluded > 0), n_not_stated, nct_id
           LIMIT ?""",
        filters,
        after=[measures, numbers, age_years, age_years, age_years, age_years, limit],
    )
    return _summarise_patient_checks(frame)


def _summarise_patient_checks(frame: pl.DataFrame) -> pl.DataFrame:
    excluded_by: list[str] = []
    not_stated: list[str] = []
    verdicts: list[str] = []
    for row in frame.iter_rows(named=True):
        reasons = []
        if row["age_excludes"]:
            reasons.append(
                "Age " + describe_requirement(row["min_age_years"], True, row["max_age_years"], True)
            )
        for measure, lo, lo_inc, hi, hi_inc, unit in zip(
            row["excluded_measures"] or [],
            row["excluded_min"] or [],
            row["excluded_min_inclusive"] or [],
            row["excluded_max"] or [],
            row["excluded_max_inclusive"] or [],
            row["excluded_units"] or [],
            strict=True,
        ):
            reasons.append(
                f"{label_measure(measure, None)} {describe_requirement(lo, lo_inc, hi, hi_inc, unit)}"
            )
        excluded_by.append("; ".join(reasons))
        not_stated.append(", ".join(label_measure(m, None) for m in row["not_stated_measures"] or []))
        verdicts.append("excludes" if reasons else "admits")
    return pl.DataFrame(
        {
            "verdict": verdicts,
            "nct_id": frame["nct_id"],
            "brief_title": frame["brief_title"],
            "target": frame["target"],
            "status_group": frame["status_group"],
            "excluded_by": excluded_by,
            "not_stated": not_stated,
        },
        schema={
            "verdict": pl.String,
            "nct_id": pl.String,
            "brief_title": pl.String,
            "target": pl.String,
            "status_group": pl.String,
            "excluded_by": pl.String,
            "not_stated": pl.String,
        },
    )


def count_patient_verdicts(
    wh: Warehouse, filters: TrialFilters, age_years: float | None, values: tuple[tuple[str, float], ...]
) -> dict[str, int]:
    """{'trials', 'admits'}: how many matching trials admit the patient on every stated limit."""
    admitted = replace(
        filters,
        patient_age_years=age_years,
        # Without the requirement table no stated limit can exclude anyone.
        patient_values=tuple(sorted(values)) if has_eligibility_tables(wh) else (),
    )
    total = read_filtered(wh, "SELECT count(*) AS n FROM trials t WHERE /*filters*/", filters).item()
    admits = read_filtered(wh, "SELECT count(*) AS n FROM trials t WHERE /*filters*/", admitted).item()
    return {"trials": int(total), "admits": int(admits)}


def count_eligibility_coverage(wh: Warehouse, filters: TrialFilters) -> dict[str, int]:
    """How many matching trials have criteria text, state any numeric limit, and state an age limit."""
    requirements = (
        "(SELECT count(DISTINCT r.nct_id) FROM eligibility_requirements r"
        " WHERE r.nct_id IN (SELECT nct_id FROM f))"
        if has_eligibility_tables(wh)
        else "0"
    )
    frame = read_filtered(
        wh,
        """WITH f AS (SELECT t.nct_id, t.eligibility_criteria, t.min_age_years, t.max_age_years
                     FROM trials t WHERE /*filters*/)
           SELECT count(*) AS trials, count(eligibility_criteria) AS with_criteria_text,
                  count(*) FILTER (WHERE min_age_years IS NOT NULL OR max_age_years IS NOT NULL) AS with_age,
                  """
        + requirements
        + """ AS with_requirements
           FROM f""",
        filters,
    )
    return {name: int(value or 0) for name, value in frame.row(0, named=True).items()}


_TRIAL_COLUMNS = "t.nct_id, t.brief_title, t.target, t.phase_label, t.status_group"


def list_trials_with_requirement(
    wh: Warehouse,
    filters: TrialFilters,
    measure: str,
    bounds: tuple[float | None, bool | None, float | None, bool | None],
    limit: int = 200,
) -> pl.DataFrame:
    """Matching trials whose requirement on `measure` is exactly (min, min_inclusive, max, max_inclusive)."""
    if not has_eligibility_tables(wh):
        return pl.DataFrame(
            schema={c: pl.String for c in ("nct_id", "brief_title", "target", "phase_label", "status_group")}
        )
    lo, lo_inc, hi, hi_inc = bounds
    return read_filtered(
        wh,
        "SELECT "
        + _TRIAL_COLUMNS
        + """ FROM eligibility_requirements r JOIN trials t ON t.nct_id = r.nct_id
           WHERE r.measure = ? AND r.min_value IS NOT DISTINCT FROM ?::DOUBLE
             AND r.min_inclusive IS NOT DISTINCT FROM ?::BOOLEAN
             AND r.max_value IS NOT DISTINCT FROM ?::DOUBLE
             AND r.max_inclusive IS NOT DISTINCT FROM ?::BOOLEAN
             AND /*filters*/
           ORDER BY t.nct_id LIMIT ?""",
        filters,
        before=[measure, lo, lo_inc, hi, hi_inc],
        after=[limit],
    )
