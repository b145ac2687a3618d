"""Targets: trials per antigen, antigen x condition, emergence over time, multi-target constructs,
modality per antigen, and products with their furthest phase."""

import polars as pl
import streamlit as st

from landscape.cache import run_query
from landscape.charts import draw_bar, draw_lines, draw_matrix, draw_pipeline
from landscape.colors import MODALITY_COLORS, map_target_colors
from landscape.drilldown import (
    apply_requested_drilldown,
    build_picker_options,
    make_figure,
    show_chart,
    show_empty,
    show_page_header,
)
from landscape.page import get_filters
from landscape.queries.overview import count_trials
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

apply_requested_drilldown()
filters = get_filters()
show_page_header(
    "Targets",
    "Which antigens CAR constructs aim at, in which diseases, since when, and how far each product has got.",
)
if run_query(count_trials, filters) == 0:
    show_empty("No trials match these filters. Loosen a filter in the sidebar or press Reset filters.")
    st.stop()

per_antigen = run_query(count_trials_per_antigen, filters).with_columns(
    pl.when(pl.col("antigen") == UNDISCLOSED).then(pl.lit("")).otherwise(pl.col("antigen")).alias("drill")
)
antigen_colors = map_target_colors(per_antigen["antigen"].to_list())
left, right = st.columns(2)
with left:
    show_chart(
        make_figure(
            draw_bar,
            per_antigen,
            x="antigen",
            y="trial_count",
            title="Trials per target antigen",
            x_title="Target antigen",
            y_title="Trials",
            color="antigen",
            color_map=antigen_colors,
            horizontal=True,
            custom=["drill"],
            subtitle="A dual-target trial counts under each of its antigens",
        ),
        key="targets_per_antigen",
        table=per_antigen.drop("drill"),
        name="trials per target antigen",
        filters=filters,
        drill_fields=["targets"],
        picker=build_picker_options(per_antigen, "antigen", {"targets": "drill"}),
        picker_label="Narrow to target…",
        note="Undisclosed: the registry names no antigen or known product (not a filter value).",
    )
with right:
    constructs = run_query(count_multi_target_constructs, filters)
    if constructs.is_empty():
        show_empty("No dual- or multi-target constructs among these trials.")
    else:
        show_chart(
            make_figure(
                draw_bar,
                constructs,
                x="target",
                y="trial_count",
                title="Dual- and multi-target constructs",
                x_title="Construct targets",
                y_title="Trials",
                color="target",
                color_map=map_target_colors(constructs["target"].to_list()),
                horizontal=True,
                custom=["target"],
            ),
            key="targets_constructs",
            table=constructs,
            name="multi-target constructs",
            filters=filters,
            drill_fields=["constructs"],
            picker=build_picker_options(constructs, "target", {"constructs": "target"}),
            picker_label="Narrow to construct…",
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
        show_chart(
            make_figure(
                draw_lines,
                lines,
                x="start_year",
                y="cumulative_trials",
                color="antigen",
                title="Target emergence: trials started to date",
                x_title="Start year",
                y_title="Trials started (cumulative)",
                color_map=antigen_colors,
                color_order=leaders.sort("first_year")["antigen"].to_list(),
                custom=["antigen"],
                subtitle="Each line starts in the year the antigen's first trial started",
            ),
            key="targets_emergence",
            table=emergence,
            name="target emergence",
            filters=filters,
            drill_fields=["targets"],
            picker=build_picker_options(leaders, "antigen", {"targets": "antigen"}),
            picker_label="Narrow to target…",
        )
with right:
    modality = run_query(count_modality_per_antigen, filters)
    if modality.is_empty():
        show_empty("None of these trials names a target antigen.")
    else:
        show_chart(
            make_figure(
                draw_bar,
                modality,
                x="antigen",
                y="trial_count",
                title="Modality per target antigen",
                x_title="Target antigen",
                y_title="Trials",
                color="modality",
                color_map=MODALITY_COLORS,
                horizontal=True,
                custom=["antigen", "modality"],
                height=max(380, 110 + 26 * modality["antigen"].n_unique()),
            ),
            key="targets_modality",
            table=modality,
            name="modality per target antigen",
            filters=filters,
            drill_fields=["targets", "modalities"],
            picker=build_picker_options(
                modality.with_columns((pl.col("antigen") + " · " + pl.col("modality")).alias("pair")),
                "pair",
                {"targets": "antigen", "modalities": "modality"},
            ),
            picker_label="Narrow to target · modality…",
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
    show_chart(
        make_figure(
            draw_pipeline,
            top,
            label="product_name",
            rank="furthest_rank",
            phase="furthest_phase",
            color="targets",
            title="Named products and the furthest phase each has reached",
            color_map=map_target_colors(top["targets"].to_list()),
            custom=["product_name"],
            hover="hover",
            subtitle=(
                f"The {top.height:,} furthest-along of {pipeline.height:,} products"
                if pipeline.height > top.height
                else None
            ),
        ),
        key="targets_pipeline",
        table=pipeline,
        name="products and furthest phase",
        filters=filters,
        drill_fields=["products"],
        picker=build_picker_options(pipeline, "product_name", {"products": "product_name"}),
        picker_label="Narrow to product…",
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
