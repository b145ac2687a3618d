"""Targets: trials per antigen, antigen x condition, emergence over time, multi-target constructs,
modality per antigen, and products with their furthest phase."""

import polars as pl
import streamlit as st

from landscape.cache import run_query
from landscape.charts import draw_bar, draw_lines, draw_matrix, draw_pipeline
from landscape.colors import MODALITY_COLORS, map_target_colors
from landscape.drilldown import build_picker_options
from landscape.page import make_figure, open_page, show_chart, show_chart_block, show_empty
from landscape.queries.sponsors import list_product_pipeline
from landscape.queries.targets import (
    UNDISCLOSED,
    count_antigen_starts_by_year,
    count_modality_per_antigen,
    count_multi_target_constructs,
    count_target_condition_matrix,
    count_trials_per_antigen,
    list_products_per_target,
)

MATRIX_COLUMNS = 16
EMERGENCE_LINES = 8
PIPELINE_ROWS = 40

filters, _ = open_page(
    "Targets",
    "Which antigens CAR constructs aim at, in which diseases, since when, and how far each product has got.",
)

per_antigen = run_query(count_trials_per_antigen, filters).with_columns(
    pl.when(pl.col("antigen") == UNDISCLOSED).then(pl.lit("")).otherwise(pl.col("antigen")).alias("drill")
)
antigen_colors = map_target_colors(per_antigen["antigen"].to_list())
left, right = st.columns(2)
with left:
    show_chart_block(
        draw_bar,
        per_antigen,
        key="targets_per_antigen",
        name="trials per target antigen",
        table=per_antigen.drop("drill"),
        picker_labels="antigen",
        narrows={"targets": "drill"},
        picker_label="Narrow to target…",
        note="Undisclosed: the registry names no antigen or known product (not a filter value).",
        x="antigen",
        y="trial_count",
        title="Trials per target antigen",
        x_title="Target antigen",
        y_title="Trials",
        color="antigen",
        color_map=antigen_colors,
        horizontal=True,
        subtitle="A dual-target trial counts under each of its antigens",
    )
with right:
    constructs = run_query(count_multi_target_constructs, filters)
    if constructs.is_empty():
        show_empty("No dual- or multi-target constructs among these trials.")
    else:
        show_chart_block(
            draw_bar,
            constructs,
            key="targets_constructs",
            name="multi-target constructs",
            narrows=["constructs"],
            picker_label="Narrow to construct…",
            x="target",
            y="trial_count",
            title="Dual- and multi-target constructs",
            x_title="Construct targets",
            y_title="Trials",
            color="target",
            color_map=map_target_colors(constructs["target"].to_list()),
            horizontal=True,
        )

st.subheader("Targets by condition")
level = st.radio(
    "Conditions as",
    options=["entity", "family"],
    format_func={"entity": "conditions", "family": "condition families"}.get,
    horizontal=True,
    key="targets_matrix_level",
)
matrix = run_query(count_target_condition_matrix, filters, level)
if matrix.is_empty():
    show_empty("None of these trials names both an antigen and a classified condition.")
else:
    condition_totals = (
        matrix.group_by("condition")
        .agg(pl.col("trial_count").sum())
        .sort(["trial_count", "condition"], descending=[True, False])
    )
    shown_conditions = condition_totals.head(MATRIX_COLUMNS)["condition"].to_list()
    antigen_order = [a for a in per_antigen["antigen"].to_list() if a != UNDISCLOSED]
    shown = matrix.filter(pl.col("condition").is_in(shown_conditions))
    hidden = condition_totals.height - len(shown_conditions)
    condition_field = "condition_entities" if level == "entity" else "condition_families"
    show_chart(
        make_figure(
            draw_matrix,
            shown,
            x="condition",
            y="antigen",
            value="trial_count",
            title="Trials per target antigen and condition" + (" family" if level == "family" else ""),
            x_title="Condition" if level == "entity" else "Condition family",
            y_title="Target antigen",
            x_order=shown_conditions,
            y_order=antigen_order,
            custom=["antigen", "condition"],
            subtitle=f"Top {len(shown_conditions)} of {condition_totals.height:,}" if hidden else None,
        ),
        key=f"targets_matrix_{level}",
        table=matrix,
        name=f"trials per target and condition {level}",
        filters=filters,
        drill_fields=["targets", condition_field],
        picker=build_picker_options(
            shown.sort(["trial_count", "antigen", "condition"], descending=[True, False, False]).with_columns(
                (pl.col("antigen") + " × " + pl.col("condition")).alias("cell")
            ),
            "cell",
            {"targets": "antigen", condition_field: "condition"},
        ),
        picker_label="Narrow to target × condition…",
        note="A trial counts in every cell of its antigens and conditions. Click a cell to narrow to it.",
    )

left, right = st.columns(2)
with left:
    emergence = run_query(count_antigen_starts_by_year, filters)
    if emergence.is_empty():
        show_empty("None of these trials states both a target antigen and a start date.")
    else:
        leaders = (
            emergence.group_by("antigen")
            .agg(pl.col("trial_count").sum(), pl.col("first_year").first())
            .sort(["trial_count", "antigen"], descending=[True, False])
            .head(EMERGENCE_LINES)
        )
        lines = emergence.filter(pl.col("antigen").is_in(leaders["antigen"].to_list()))
        show_chart_block(
            draw_lines,
            lines,
            key="targets_emergence",
            name="target emergence",
            table=emergence,
            picker_from=leaders,
            narrows=["targets"],
            picker_label="Narrow to target…",
            x="start_year",
            y="cumulative_trials",
            color="antigen",
            title="Target emergence: trials started to date",
            x_title="Start year",
            y_title="Trials started (cumulative)",
            color_map=antigen_colors,
            color_order=leaders.sort("first_year")["antigen"].to_list(),
            subtitle="Each line starts in the year the antigen's first trial started",
        )
with right:
    modality = run_query(count_modality_per_antigen, filters)
    if modality.is_empty():
        show_empty("None of these trials names a target antigen.")
    else:
        show_chart_block(
            draw_bar,
            modality,
            key="targets_modality",
            name="modality per target antigen",
            picker_from=modality.with_columns((pl.col("antigen") + " · " + pl.col("modality")).alias("pair")),
            picker_labels="pair",
            narrows=["targets", "modalities"],
            picker_label="Narrow to target · modality…",
            x="antigen",
            y="trial_count",
            title="Modality per target antigen",
            x_title="Target antigen",
            y_title="Trials",
            color="modality",
            color_map=MODALITY_COLORS,
            horizontal=True,
            height=max(380, 110 + 26 * modality["antigen"].n_unique()),
        )

st.subheader("Products per target")
pipeline = run_query(list_product_pipeline, filters)
if pipeline.is_empty():
    show_empty("None of these trials names a product.")
else:
    top = pipeline.head(PIPELINE_ROWS).with_columns(
        (
            pl.col("product_name")
            + " · "
            + pl.col("targets")
            + " · "
            + pl.col("trial_count").cast(pl.String)
            + " trial(s)"
        ).alias("hover")
    )
    show_chart_block(
        draw_pipeline,
        top,
        key="targets_pipeline",
        name="products and furthest phase",
        table=pipeline,
        picker_from=pipeline,
        narrows=["products"],
        label="product_name",
        rank="furthest_rank",
        phase="furthest_phase",
        color="targets",
        title="Named products and the furthest phase each has reached",
        color_map=map_target_colors(top["targets"].to_list()),
        hover="hover",
        subtitle=f"The {top.height:,} furthest-along of {pipeline.height:,} products"
        if pipeline.height > top.height
        else None,
    )
    by_target = run_query(list_products_per_target, filters)
    with st.expander(f"Products grouped by target antigen ({by_target['product_name'].n_unique()} products)"):
        st.dataframe(
            by_target.drop("furthest_rank"),
            hide_index=True,
            width="stretch",
            column_config={
                "antigen": "Target antigen",
                "product_name": "Product",
                "furthest_phase": "Furthest phase",
                "trial_count": st.column_config.NumberColumn("Trials", format="%d"),
                "modalities": "Modality",
                "sponsors": "Lead sponsor(s)",
            },
        )
