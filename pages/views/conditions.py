"""Conditions: trials per family and condition, condition x phase, basket trials, open trials."""

import polars as pl
import streamlit as st

from landscape.cache import run_query
from landscape.charts import draw_bar, draw_matrix, draw_treemap
from landscape.colors import FAMILY_COLORS, STATUS_GROUP_COLORS, map_family_colors
from landscape.drilldown import build_picker_options
from landscape.page import (
    add_trial_links,
    make_figure,
    open_page,
    show_chart,
    show_chart_block,
    show_empty,
    show_table,
)
from landscape.queries.conditions import (
    count_basket_condition_pairs,
    count_basket_trials,
    count_entity_phase,
    count_trials_by_entity,
    count_trials_by_primary_condition,
    list_basket_trials,
)
from landscape.queries.shaping import order_phase_labels

TOP_ENTITIES = 15
TOP_PAIR_ENTITIES = 12

filters, basket = open_page(
    "Conditions",
    "Which autoimmune diseases are being treated, how far each has got, and which trials pool several "
    "diseases.",
    count_basket_trials,
)

primary = run_query(count_trials_by_primary_condition, filters)
entities = run_query(count_trials_by_entity, filters)
family_colors = map_family_colors(list(FAMILY_COLORS) + primary["condition_family"].unique().sort().to_list())
family_totals = (
    primary.group_by("condition_family")
    .agg(pl.col("trial_count").sum())
    .sort(["trial_count", "condition_family"], descending=[True, False])
)

left, right = st.columns(2)
with left:
    if primary.is_empty():
        show_empty("None of these trials names a classified condition.")
    else:
        show_chart_block(
            draw_treemap,
            primary,
            key="conditions_treemap",
            name="trials by condition family and primary condition",
            clickable=False,
            picker_from=family_totals,
            narrows=["condition_families"],
            parent="condition_family",
            child="condition_entity",
            value="trial_count",
            title="Trials by condition family and condition",
            color_map=family_colors,
            subtitle="Each trial counted once, under its primary condition; box area = trials",
        )
with right:
    if entities.is_empty():
        show_empty("None of these trials names a classified condition.")
    else:
        open_per_entity = (
            entities.head(TOP_ENTITIES)
            .with_columns((pl.col("trial_count") - pl.col("open_count")).alias("not_open_count"))
            .unpivot(
                index=["condition_entity", "condition_family"],
                on=["open_count", "not_open_count"],
                variable_name="status",
                value_name="trials",
            )
            .with_columns(
                pl.col("status").replace_strict({"open_count": "open", "not_open_count": "not open"})
            )
        )
        hidden = entities.height - min(entities.height, TOP_ENTITIES)
        show_chart_block(
            draw_bar,
            open_per_entity,
            key="conditions_open",
            name="open trials per condition",
            table=entities,
            picker_from=entities,
            narrows=["condition_entities"],
            x="condition_entity",
            y="trials",
            title="Open trials per condition",
            x_title="Condition",
            y_title="Trials",
            color="status",
            color_map={"open": STATUS_GROUP_COLORS["open"], "not open": "#d9dde3"},
            color_order=["open", "not open"],
            category_order=entities.head(TOP_ENTITIES)["condition_entity"].to_list(),
            horizontal=True,
            subtitle="Every condition a trial names"
            + (f"; top {TOP_ENTITIES} of {entities.height:,}" if hidden else ""),
        )

st.subheader("How far each condition has got")
entity_phase = run_query(count_entity_phase, filters)
if entity_phase.is_empty():
    show_empty("None of these trials names a classified condition.")
else:
    top_entities = entities.head(TOP_ENTITIES)["condition_entity"].to_list()
    phase_order = order_phase_labels(entity_phase)
    shown = entity_phase.filter(pl.col("condition_entity").is_in(top_entities))
    show_chart_block(
        draw_matrix,
        shown,
        key="conditions_phase",
        name="trials per condition and phase",
        table=entity_phase,
        picker_from=shown.sort(
            ["trial_count", "condition_entity", "phase_rank"], descending=[True, False, False]
        ).with_columns((pl.col("condition_entity") + " · " + pl.col("phase_label")).alias("cell")),
        picker_labels="cell",
        narrows=["condition_entities", "phases"],
        note="A basket trial counts in the row of every condition it names.",
        x="phase_label",
        y="condition_entity",
        value="trial_count",
        title="Trials per condition and phase",
        x_title="Phase",
        y_title="Condition",
        x_order=phase_order,
        y_order=top_entities,
        colorscale="Purples",
        subtitle=f"Top {len(top_entities)} of {entities.height:,} conditions"
        if entities.height > len(top_entities)
        else None,
    )

st.subheader("Basket trials")
st.caption(
    f"{basket['basket_trials']:,} of {basket['trials']:,} trials are basket trials: they name two or more "
    "distinct diseases, or only an umbrella term such as 'refractory autoimmune disease'."
)
pairs = run_query(count_basket_condition_pairs, filters)
left, right = st.container(), st.container()
with left:
    if pairs.is_empty():
        show_empty("No basket trial here names two or more specific conditions.")
    else:
        pair_totals = pl.concat(
            [
                pairs.select(pl.col("condition_a").alias("condition"), "trial_count"),
                pairs.select(pl.col("condition_b").alias("condition"), "trial_count"),
            ]
        )
        top_pair_entities = (
            pair_totals.group_by("condition")
            .agg(pl.col("trial_count").sum())
            .sort(["trial_count", "condition"], descending=[True, False])
            .head(TOP_PAIR_ENTITIES)["condition"]
            .to_list()
        )
        # Both halves of the symmetric matrix, so every row reads across to all its partners.
        mirrored = pairs.select(
            pl.col("condition_b").alias("condition_a"),
            pl.col("condition_a").alias("condition_b"),
            "trial_count",
        )
        both = pl.concat([pairs, mirrored]).filter(
            pl.col("condition_a").is_in(top_pair_entities) & pl.col("condition_b").is_in(top_pair_entities)
        )
        show_chart(
            make_figure(
                draw_matrix,
                both,
                x="condition_b",
                y="condition_a",
                value="trial_count",
                title="Which conditions basket trials combine",
                x_title="Condition",
                y_title="Condition",
                x_order=top_pair_entities,
                y_order=top_pair_entities,
                custom=["condition_a", "condition_b"],
                colorscale="Oranges",
                subtitle="Basket trials naming both conditions",
            ),
            key="conditions_pairs",
            table=pairs,
            name="condition pairs in basket trials",
            filters=filters,
            drill_fields=["condition_entities", "condition_entities"],
            picker=build_picker_options(
                pairs.with_columns(
                    (pl.col("condition_a") + " + " + pl.col("condition_b")).alias("pair")
                ).with_columns((pl.col("condition_a") + "|" + pl.col("condition_b")).alias("values")),
                "pair",
                {"condition_entities": "values"},
            ),
            picker_label="Narrow to a pair…",
            note="Narrowing to a pair keeps trials naming either condition.",
        )
with right:
    baskets = run_query(list_basket_trials, filters)
    if baskets.is_empty():
        show_empty("No basket trials among these trials.")
    else:
        show_table(
            baskets,
            key="conditions_baskets",
            name="basket trials",
            filters=filters,
            shown=add_trial_links(baskets, filters).select(
                "trial_page", "conditions", "target", "phase_label"
            ),
            height=min(520, 38 + 35 * baskets.height),
            column_config={
                "trial_page": st.column_config.LinkColumn("Trial", display_text=r"nct=(NCT\d+)"),
                "conditions": st.column_config.TextColumn("Conditions (primary first)", width="large"),
                "target": "Target",
                "phase_label": "Phase",
            },
        )
