"""Timeline: each trial from start to planned completion, grouped by target, condition family or condition."""

import datetime

import polars as pl
import streamlit as st

from landscape.cache import run_query
from landscape.charts import draw_gantt
from landscape.colors import FAMILY_COLORS, TARGET_COLORS, pick_stable_color
from landscape.drilldown import build_picker_options
from landscape.page import make_figure, open_page, show_chart, show_empty
from landscape.queries.phases import read_data_date
from landscape.queries.timeline import GROUPINGS, count_span_coverage, list_trial_spans

ROW_CHOICES = (50, 100, 200, 400)
TITLE_CHARS = 46
GROUP_LABELS = {"target": "Target", "condition_family": "Condition family", "condition_entity": "Condition"}
GROUP_FILTERS = {
    "target": "targets",
    "condition_family": "condition_families",
    "condition_entity": "condition_entities",
}
GROUP_COLORS = {"target": TARGET_COLORS, "condition_family": FAMILY_COLORS, "condition_entity": {}}

filters, coverage = open_page(
    "Timeline",
    "Each trial from its start to its planned completion. Hatched bars have no registered completion date "
    "and are drawn up to the data date.",
    count_span_coverage,
)
group_by = st.radio(
    "Group and colour by", GROUPINGS, format_func=GROUP_LABELS.get, horizontal=True, key="timeline_group"
)
max_rows = st.select_slider(
    "Trials drawn (the most recently started)",
    ROW_CHOICES,
    value=100,
    key="timeline_rows",
    help="A bar per trial: beyond a few hundred they get too thin to read.",
)
spans = run_query(list_trial_spans, filters, group_by, max_rows)
if spans.is_empty():
    show_empty(
        f"None of the {coverage['trials']:,} matching trials states a start date, so none can be drawn."
    )
    st.stop()

data_date = run_query(read_data_date) or datetime.date.today()
group_sizes = (
    spans.group_by("group_label")
    .agg(pl.len().alias("n"))
    .sort(["n", "group_label"], descending=[True, False])
)
group_order = group_sizes["group_label"].to_list()
rank = {g: i for i, g in enumerate(group_order)}
rows = (
    spans.with_columns(
        pl.col("group_label").replace_strict(rank, return_dtype=pl.Int32).alias("_group_rank"),
        pl.col("finish_date").is_not_null().alias("finish_known"),
        # A bar needs an end: open-ended trials run to the data date (or a month past a later start).
        pl.max_horizontal(
            pl.coalesce(pl.col("finish_date"), pl.lit(data_date)),
            pl.col("start_date") + pl.duration(days=30),
        ).alias("finish"),
        pl.col("start_date").alias("start"),
    )
    .sort("_group_rank", "start", "nct_id")
    .with_columns(
        pl.concat_str(
            pl.col("nct_id"),
            pl.lit("  "),
            pl.when(pl.col("brief_title").str.len_chars() > TITLE_CHARS)
            .then(pl.col("brief_title").str.slice(0, TITLE_CHARS - 1).str.strip_chars_end() + "…")
            .otherwise(pl.col("brief_title").fill_null("")),
        ).alias("label"),
        pl.concat_str(
            pl.col("nct_id"),
            pl.lit(" · "),
            pl.col("brief_title").fill_null(""),
            pl.lit("<br>"),
            pl.col("group_label"),
            pl.lit(" · "),
            pl.col("phase_label"),
            pl.lit(" · "),
            pl.col("status_group"),
            pl.lit("<br>start "),
            pl.col("start_date").cast(pl.String),
            pl.lit(" → "),
            pl.col("finish_date").cast(pl.String).fill_null("no completion date registered"),
        ).alias("hover"),
    )
    .drop("_group_rank")
)
color_map = {g: pick_stable_color(g, GROUP_COLORS[group_by]) for g in group_order}
undated = rows.filter(~pl.col("finish_known")).height
shown_note = (
    f"the {max_rows:,} most recently started of {coverage['with_start']:,} dated trials"
    if coverage["with_start"] > max_rows
    else f"{coverage['with_start']:,} of {coverage['trials']:,} trials state a start date"
)
show_chart(
    make_figure(
        draw_gantt,
        rows.select("label", "start", "finish", "finish_known", "hover", "group_label", "group_values"),
        title=f"Trials from start to planned completion, by {GROUP_LABELS[group_by].lower()}",
        color="group_label",
        color_map=color_map,
        color_order=group_order,
        as_of=data_date,
        custom=["group_values"],
        subtitle=f"Showing {shown_note}; {undated:,} of them without a completion date (hatched)",
    ),
    key=f"timeline_{group_by}",
    table=rows.select(
        "nct_id", "brief_title", "group_label", "start_date", "finish_date", "phase_label", "status_group"
    ),
    name=f"timeline by {group_by}",
    filters=filters,
    drill_fields=[GROUP_FILTERS[group_by]],
    picker=build_picker_options(
        group_sizes.join(rows.unique("group_label").select("group_label", "group_values"), on="group_label"),
        "group_label",
        {GROUP_FILTERS[group_by]: "group_values"},
    ),
    picker_label=f"Narrow to {GROUP_LABELS[group_by].lower()}…",
    note="Completion is the registered study completion date, else the primary completion date.",
)
