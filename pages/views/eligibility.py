"""Eligibility: thresholds per measure across trials, age windows, criteria side by side, and which
trials would admit a given patient."""

import polars as pl
import streamlit as st

from landscape.cache import run_query
from landscape.charts import draw_bar, draw_ranges
from landscape.page import (
    add_trial_links,
    make_figure,
    open_page,
    show_chart,
    show_chart_block,
    show_empty,
    show_table,
)
from landscape.queries.admission import (
    AGE_MEASURE,
    EXCLUDED,
    MEETS,
    NO_INFORMATION,
    check_admission,
    count_admission_verdicts,
)
from landscape.queries.eligibility import (
    count_age_windows,
    count_eligibility_coverage,
    count_requirement_thresholds,
    count_trials_per_measure,
    list_trials_with_requirement,
    read_requirement_matrix,
)

TOP_MEASURES = 20
TOP_WINDOWS = 20
MATRIX_TRIALS = 200
AGE_GROUP_COLORS = {
    "children only": "#f4a261",
    "children and adults": "#2a9d8f",
    "adults only": "#264653",
    "not stated": "#d3d3d3",
}
TRIAL_LINK = st.column_config.LinkColumn("Trial", display_text=r"nct=(NCT\d+)")
# Measures a reader most often wants to test a patient against, when trials state them.
PATIENT_DEFAULTS = ("egfr_ml_min_1_73m2", "lvef_pct")
# The measure shown first: the examples before whatever is merely most common.
MEASURE_PREFERENCE = ("lvef_pct", "egfr_ml_min_1_73m2", "sledai_2k", "mrss")

filters, coverage = open_page(
    "Eligibility",
    "What it takes to get in: the limits trials set on each measure, their age windows, and which trials "
    "would admit a given patient.",
    count_eligibility_coverage,
)
st.caption(
    f"{coverage['with_requirements']:,} of {coverage['trials']:,} trials state a numeric limit we could read "
    f"(from {coverage['with_criteria_text']:,} with criteria text, plus curated records); "
    f"{coverage['with_age']:,} state an age limit in the registry's age fields. A trial that states nothing "
    "about a measure is not counted on that measure's chart."
)

measures = run_query(count_trials_per_measure, filters)
labels = dict(zip(measures["measure"].to_list(), measures["label"].to_list(), strict=True))

st.subheader("Thresholds per measure")
if measures.is_empty():
    show_empty("None of these trials states a numeric eligibility limit.")
else:
    left, right = st.columns(2)
    with left:
        top_measures = measures.head(TOP_MEASURES)
        show_chart_block(
            draw_bar,
            top_measures,
            key="eligibility_measures",
            name="trials per eligibility measure",
            table=measures,
            x="label",
            y="trial_count",
            title="Which measures trials set limits on",
            x_title="Measure",
            y_title="Trials stating a limit",
            category_order=top_measures["label"].to_list(),
            horizontal=True,
            subtitle=f"Top {TOP_MEASURES} of {measures.height:,} measures"
            if measures.height > TOP_MEASURES
            else None,
        )
    with right:
        all_measures = measures["measure"].to_list()
        choices = [m for m in all_measures if m != AGE_MEASURE] or all_measures
        preferred = next((m for m in MEASURE_PREFERENCE if m in choices), choices[0])
        measure = st.selectbox(
            "Measure",
            choices,
            index=choices.index(preferred),
            format_func=lambda m: labels.get(m, m),
            key="eligibility_measure",
            help="Trials that state a limit on this measure, grouped by the limit they set.",
        )
        thresholds = run_query(count_requirement_thresholds, filters, measure)
        selected = show_chart(
            make_figure(
                draw_bar,
                thresholds,
                x="requirement",
                y="trial_count",
                title=f"{labels.get(measure, measure)}: limits across trials",
                x_title="Limit",
                y_title="Trials",
                category_order=thresholds["requirement"].to_list(),
                horizontal=True,
                custom=["requirement"],
                subtitle="Lowest limit at the top; click a bar to list its trials",
            ),
            key=f"eligibility_thresholds_{measure}",
            table=thresholds,
            name=f"thresholds {measure}",
            filters=filters,
            selectable=True,
        )
        picked = st.multiselect(
            "Show the trials asking for…",
            thresholds["requirement"].to_list(),
            key=f"eligibility_threshold_pick_{measure}",
            placeholder="pick a limit (or click its bar)",
        )
        chosen = [row[0] for row in selected] + list(picked)
        for requirement in dict.fromkeys(chosen):
            match = thresholds.filter(pl.col("requirement") == requirement)
            if match.is_empty():
                continue
            lo, lo_inc, hi, hi_inc = match.select(
                "min_value", "min_inclusive", "max_value", "max_inclusive"
            ).row(0)
            trials = run_query(list_trials_with_requirement, filters, measure, (lo, lo_inc, hi, hi_inc))
            st.markdown(f"**{labels.get(measure, measure)} {requirement}** ({trials.height:,} trials)")
            st.dataframe(
                add_trial_links(trials, filters).select("trial_page", "brief_title", "target", "phase_label"),
                hide_index=True,
                width="stretch",
                column_config={
                    "trial_page": TRIAL_LINK,
                    "brief_title": st.column_config.TextColumn("Title", width="large"),
                    "target": "Target",
                    "phase_label": "Phase",
                },
            )

st.subheader("Age windows")
windows = run_query(count_age_windows, filters)
left, right = st.columns([2, 3])
with left:
    groups = (
        windows.group_by("age_group")
        .agg(pl.col("trial_count").sum())
        .with_columns(
            pl.col("age_group").replace_strict({g: i for i, g in enumerate(AGE_GROUP_COLORS)}).alias("_order")
        )
        .sort("_order")
        .drop("_order")
    )
    show_chart_block(
        draw_bar,
        groups,
        key="eligibility_age_groups",
        name="trials by age group",
        x="age_group",
        y="trial_count",
        title="Children and adults",
        x_title="Admits",
        y_title="Trials",
        color="age_group",
        color_map=AGE_GROUP_COLORS,
        category_order=list(AGE_GROUP_COLORS),
        horizontal=True,
        subtitle="Children: under 18 years",
    )
with right:
    stated = windows.filter(pl.col("age_group") != "not stated")
    if stated.is_empty():
        show_empty("None of these trials states an age limit.")
    else:
        top_windows = stated.head(TOP_WINDOWS).sort("min_age", "max_age", nulls_last=True)
        show_chart_block(
            draw_ranges,
            top_windows,
            key="eligibility_age_windows",
            name="age windows",
            table=windows,
            label="window",
            low="min_age",
            high="max_age",
            color="age_group",
            title="Age windows",
            x_title="Age (years)",
            open_high=90.0,
            color_map=AGE_GROUP_COLORS,
            color_order=list(AGE_GROUP_COLORS),
            count="trial_count",
            subtitle=f"The {top_windows.height:,} most common of {stated.height:,} windows; "
            "no upper limit runs to the right edge",
        )

st.subheader("Criteria side by side")
if measures.is_empty():
    show_empty("None of these trials states a numeric eligibility limit.")
else:
    default_columns = measures["measure"].head(8).to_list()
    columns = st.multiselect(
        "Measures to compare",
        measures["measure"].to_list(),
        default=default_columns,
        format_func=lambda m: labels.get(m, m),
        key="eligibility_matrix_measures",
    )
    matrix = run_query(read_requirement_matrix, filters, tuple(columns), MATRIX_TRIALS)
    if matrix.is_empty():
        show_empty("None of these trials states a limit on the chosen measures.")
    else:
        present = set(matrix["measure"].to_list())
        wide = (
            matrix.pivot(on="measure", index=["nct_id", "brief_title"], values="requirement")
            .select("nct_id", "brief_title", *[m for m in columns if m in present])
            .with_columns(pl.col(m).fill_null("") for m in columns if m in present)
        )
        st.caption(
            f"{wide.height:,} trials that state a limit on at least one chosen measure"
            + (f" (the first {MATRIX_TRIALS:,})" if wide.height >= MATRIX_TRIALS else "")
            + "; an empty cell means the trial states no limit on that measure."
        )
        show_table(
            wide,
            key="eligibility_matrix",
            name="criteria side by side",
            filters=filters,
            shown=add_trial_links(wide, filters).select("trial_page", *wide.columns[1:]),
            column_config={
                "trial_page": TRIAL_LINK,
                "brief_title": st.column_config.TextColumn("Title", width="medium"),
                **{m: labels.get(m, m) for m in columns},
            },
        )

st.subheader("Would this patient qualify?")
st.caption(
    "Enter what you know; each trial is checked against the limits it states (its criteria text and the "
    "registry's age fields). Verdicts: meets every stated limit, excluded (by which limit), or no "
    "information (no limit stated on any value entered, or no criteria text): the criteria may still "
    "exclude the patient in words. The sidebar's 'Would admit a patient with…' keeps the trials not excluded."
)
patient_choices = [m for m in measures["measure"].to_list() if m != AGE_MEASURE]
with st.container(border=True):
    age_column, measure_column = st.columns([1, 3])
    age = age_column.number_input(
        "Age (years)", min_value=0.0, max_value=120.0, value=None, step=1.0, key="eligibility_patient_age"
    )
    chosen_measures = measure_column.multiselect(
        "Measures",
        patient_choices,
        default=[m for m in PATIENT_DEFAULTS if m in patient_choices],
        format_func=lambda m: labels.get(m, m),
        key="eligibility_patient_measures",
        placeholder="e.g. eGFR, LVEF",
    )
    values: list[tuple[str, float]] = []
    if chosen_measures:
        inputs = st.columns(min(4, len(chosen_measures)))
        for index, m in enumerate(chosen_measures):
            value = inputs[index % len(inputs)].number_input(
                labels.get(m, m), value=None, key=f"eligibility_patient_{m}", placeholder="not known"
            )
            if value is not None:
                values.append((m, float(value)))
patient = tuple(sorted(values))
if age is None and not patient:
    st.info("Enter an age or a value above to see which trials would admit the patient.")
else:
    verdicts = run_query(count_admission_verdicts, filters, age, patient)
    st.metric(
        "Trials not excluded",
        f"{verdicts['not_excluded']:,} of {verdicts['trials']:,}",
        help="No limit a trial states rules out the values entered; the sidebar's 'Would admit a "
        "patient with…' keeps exactly these trials.",
    )
    st.markdown(
        f"**{verdicts['not_excluded']:,} not excluded, of which {verdicts[NO_INFORMATION]:,} state no limit "
        f"on any value you entered**; {verdicts[MEETS]:,} meet every limit they state on these values, "
        f"{verdicts[EXCLUDED]:,} are excluded."
    )
    checked = run_query(check_admission, filters, age, patient)
    show_table(
        checked,
        key="eligibility_patient",
        name="patient check",
        filters=filters,
        shown=add_trial_links(checked, filters).select("verdict", "trial_page", *checked.columns[2:]),
        column_config={
            "verdict": "Verdict",
            "trial_page": TRIAL_LINK,
            "brief_title": st.column_config.TextColumn("Title", width="medium"),
            "target": "Target",
            "status_group": "Status",
            "excluded_by": st.column_config.TextColumn("Excluded by", width="medium"),
            "no_limit_stated_on": "No limit stated on",
        },
        height=420,
    )
