"""Sponsors: top sponsors by trials and enrollment, sponsor class over time, by target and by phase, and
the product pipeline."""

import polars as pl
import streamlit as st

from landscape.cache import run_query
from landscape.charts import draw_bar
from landscape.colors import SPONSOR_CLASS_COLORS, SPONSOR_CLASS_ORDER
from landscape.drilldown import build_picker_options
from landscape.page import (
    STARTS_PER_YEAR,
    open_page,
    show_chart_block,
    show_empty,
    show_table,
)
from landscape.queries.shaping import order_phase_labels
from landscape.queries.sponsors import (
    NOT_STATED,
    count_sponsor_class_by_antigen,
    count_sponsor_class_by_phase,
    count_sponsor_class_by_year,
    count_top_sponsors,
    list_product_pipeline,
)

TOP_SPONSORS = 15
CLASS_COLORS = {**SPONSOR_CLASS_COLORS, NOT_STATED: "#e0e0e0"}
CLASS_ORDER = [*SPONSOR_CLASS_ORDER, NOT_STATED]


def _with_class_drill(frame: pl.DataFrame) -> pl.DataFrame:
    # 'not stated' is not a filter value: those bars have nothing to narrow to.
    return frame.with_columns(
        pl.when(pl.col("sponsor_class") == NOT_STATED)
        .then(pl.lit(""))
        .otherwise(pl.col("sponsor_class"))
        .alias("class_drill")
    )


filters, trial_total = open_page(
    "Sponsors",
    "Who runs these trials: companies, hospitals and universities, and which products each is developing.",
)

left, right = st.columns(2)
for column, rank_by, title, value, axis in (
    (left, "trials", "Top sponsors by trials", "trial_count", "Trials"),
    (right, "enrollment", "Top sponsors by planned enrollment", "planned_enrollment", "Participants"),
):
    with column:
        top = run_query(count_top_sponsors, filters, rank_by, TOP_SPONSORS)
        if top.is_empty():
            show_empty("None of these trials names a lead sponsor.")
            continue
        top = top.with_columns(pl.col("sponsor_class").fill_null(NOT_STATED))
        show_chart_block(
            draw_bar,
            top,
            key=f"sponsors_top_{rank_by}",
            name=title,
            narrows=["sponsors"],
            note="Sums registered enrollment (estimated or actual) over the sponsor's trials that state one."
            if rank_by == "enrollment"
            else None,
            x="sponsor_name",
            y=value,
            title=title,
            x_title="Lead sponsor",
            y_title=axis,
            color="sponsor_class",
            color_map=CLASS_COLORS,
            color_order=CLASS_ORDER,
            category_order=top["sponsor_name"].to_list(),
            horizontal=True,
            subtitle="Coloured by sponsor class",
        )

by_year = _with_class_drill(run_query(count_sponsor_class_by_year, filters))
if by_year.is_empty():
    show_empty("None of these trials states a start date.")
else:
    show_chart_block(
        draw_bar,
        by_year,
        key="sponsors_class_year",
        name="sponsor class over time",
        table=by_year.drop("class_drill"),
        picker_from=by_year.unique("sponsor_class").sort("sponsor_class"),
        picker_labels="sponsor_class",
        narrows={"sponsor_classes": "class_drill"},
        title="Sponsor class over time",
        **STARTS_PER_YEAR,
        color="sponsor_class",
        color_map=CLASS_COLORS,
        color_order=CLASS_ORDER,
        subtitle=f"{int(by_year['trial_count'].sum()):,} of {trial_total:,} trials state a start date",
    )

st.subheader("Industry and academia by target and phase")
left, right = st.columns(2)
with left:
    by_antigen = _with_class_drill(run_query(count_sponsor_class_by_antigen, filters))
    if by_antigen.is_empty():
        show_empty("None of these trials names a target antigen.")
    else:
        antigen_order = (
            by_antigen.group_by("antigen")
            .agg(pl.col("trial_count").sum())
            .sort(["trial_count", "antigen"], descending=[True, False])["antigen"]
            .to_list()
        )
        show_chart_block(
            draw_bar,
            by_antigen,
            key="sponsors_class_antigen",
            name="sponsor class by target",
            table=by_antigen.drop("class_drill"),
            picker_from=by_antigen.with_columns(
                (pl.col("antigen") + " · " + pl.col("sponsor_class")).alias("pair")
            ),
            picker_labels="pair",
            narrows={"targets": "antigen", "sponsor_classes": "class_drill"},
            picker_label="Narrow to target · sponsor class…",
            x="antigen",
            y="trial_count",
            title="Sponsor class by target antigen",
            x_title="Target antigen",
            y_title="Trials",
            color="sponsor_class",
            color_map=CLASS_COLORS,
            color_order=CLASS_ORDER,
            category_order=antigen_order,
            horizontal=True,
        )
with right:
    by_phase = _with_class_drill(run_query(count_sponsor_class_by_phase, filters))
    phase_order = order_phase_labels(by_phase)
    show_chart_block(
        draw_bar,
        by_phase,
        key="sponsors_class_phase",
        name="sponsor class by phase",
        table=by_phase.drop("class_drill"),
        picker_from=by_phase.with_columns(
            (pl.col("phase_label") + " · " + pl.col("sponsor_class")).alias("pair")
        ),
        picker_labels="pair",
        narrows={"phases": "phase_label", "sponsor_classes": "class_drill"},
        x="phase_label",
        y="trial_count",
        title="Sponsor class by phase",
        x_title="Phase",
        y_title="Trials",
        color="sponsor_class",
        color_map=CLASS_COLORS,
        color_order=CLASS_ORDER,
        category_order=phase_order,
        horizontal=True,
    )
st.caption(
    "Sponsor class comes from the lead sponsor; 'not stated' means the registry record names no lead sponsor."
)

st.subheader("Product pipeline")
pipeline = run_query(list_product_pipeline, filters)
if pipeline.is_empty():
    show_empty("None of these trials names a product.")
else:
    st.caption(
        f"{pipeline.height:,} named products, furthest phase first. "
        "Pick one to narrow every page to its trials."
    )
    show_table(
        pipeline.drop("furthest_rank"),
        key="sponsors_pipeline",
        name="product pipeline",
        filters=filters,
        column_config={
            "product_name": st.column_config.TextColumn("Product", width="medium"),
            "sponsors": st.column_config.TextColumn("Lead sponsor(s)", width="medium"),
            "targets": "Target",
            "modalities": "Modality",
            "indications": st.column_config.TextColumn("Indications", width="large"),
            "furthest_phase": "Furthest phase",
            "trial_count": st.column_config.NumberColumn("Trials", format="%d"),
            "nct_ids": st.column_config.TextColumn("Trial IDs", width="medium"),
        },
        picker=build_picker_options(pipeline, "product_name", {"products": "product_name"}),
        picker_label="Narrow to product…",
    )
