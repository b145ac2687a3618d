"""Geography: trials and sites per country, an offline site map, and country x target."""

import polars as pl
import streamlit as st

from landscape.cache import run_query
from landscape.charts import draw_bar, draw_matrix, draw_site_map
from landscape.geo import find_country_centre
from landscape.page import make_figure, open_page, show_chart, show_chart_block, show_empty
from landscape.queries.geography import (
    count_country_antigen,
    count_trials_per_country,
    count_unplaced_trials_per_country,
    list_site_points,
    read_location_coverage,
)

TOP_COUNTRIES = 20

filters, coverage = open_page(
    "Geography",
    "Where trials run: countries, sites and which targets each country is testing.",
    read_location_coverage,
)
st.caption(
    f"{coverage['trials_with_country']:,} of {coverage['trials']:,} trials state a country; "
    f"their records list {coverage['sites']:,} sites, {coverage['sites_with_coordinates']:,} of them "
    "with coordinates. "
    "Trials that name no country appear on none of these charts."
)
per_country = run_query(count_trials_per_country, filters)
if per_country.is_empty():
    show_empty("None of these trials states a country.")
    st.stop()

sites = run_query(list_site_points, filters)
unplaced = run_query(count_unplaced_trials_per_country, filters)
centres = {c: find_country_centre(c) for c in unplaced["country"].to_list()}
unmapped = sorted(c for c, centre in centres.items() if centre is None)
site_points = sites.select(
    pl.col("longitude").alias("lon"),
    pl.col("latitude").alias("lat"),
    pl.col("site_count").alias("size_value"),
    pl.lit("site").alias("kind"),
    pl.concat_str(
        pl.col("city").fill_null("unknown city"),
        pl.lit(", "),
        pl.col("country").fill_null(""),
        pl.lit("<br>"),
        pl.col("site_count").cast(pl.String),
        pl.lit(" site(s), "),
        pl.col("trial_count").cast(pl.String),
        pl.lit(" trial(s)"),
    ).alias("hover"),
    pl.col("country").fill_null(""),
)
centre_points = pl.DataFrame(
    {
        "lon": [centres[c][0] for c in unplaced["country"].to_list() if centres[c]],
        "lat": [centres[c][1] for c in unplaced["country"].to_list() if centres[c]],
        "size_value": [n for c, n in unplaced.select("country", "trial_count").iter_rows() if centres[c]],
        "country": [c for c in unplaced["country"].to_list() if centres[c]],
    },
    schema={"lon": pl.Float64, "lat": pl.Float64, "size_value": pl.Int64, "country": pl.String},
).with_columns(
    pl.lit("centre").alias("kind"),
    (
        pl.col("country") + pl.lit("<br>") + pl.col("size_value").cast(pl.String) + " trial(s) without site "
        "coordinates, drawn at the country's centre"
    ).alias("hover"),
)
points = pl.concat([site_points, centre_points.select(site_points.columns)])
placed_sites = int(sites["site_count"].sum()) if sites.height else 0
unplaced_pairs = int(centre_points["size_value"].sum()) if centre_points.height else 0
if points.is_empty():
    show_empty("No site of these trials can be placed on the map.")
else:
    show_chart(
        make_figure(
            draw_site_map,
            points,
            title="Trial sites",
            subtitle=f"Sites at their coordinates: {placed_sites:,}. Trials without site coordinates, "
            f"at their country's centre: {unplaced_pairs:,} (counted once per country).",
        ),
        key="geography_map",
        table=points.select("country", "kind", "lon", "lat", "size_value"),
        name="site map points",
        filters=filters,
        drill_fields=["countries"],
        note="Outline: Natural Earth 1:110m (public domain), bundled with the app: the map loads nothing "
        "from the internet. Marker area grows with the number of sites (red) or trials (blue rings)."
        + (f" Not on the outline: {', '.join(unmapped)}." if unmapped else ""),
    )

left, right = st.columns([2, 3])
with left:
    shown_countries = per_country.head(TOP_COUNTRIES)
    long = shown_countries.unpivot(
        index="country", on=["trial_count", "site_count"], variable_name="measure", value_name="count"
    ).with_columns(pl.col("measure").replace_strict({"trial_count": "trials", "site_count": "sites"}))
    show_chart_block(
        draw_bar,
        long,
        key="geography_countries",
        name="trials and sites per country",
        table=per_country,
        picker_from=per_country,
        narrows=["countries"],
        x="country",
        y="count",
        title="Trials and sites per country",
        x_title="Country",
        y_title="Trials / sites",
        color="measure",
        color_map={"trials": "#1f77b4", "sites": "#9ecae1"},
        color_order=["trials", "sites"],
        category_order=shown_countries["country"].to_list(),
        horizontal=True,
        barmode="group",
        subtitle=f"Top {TOP_COUNTRIES} of {per_country.height:,} countries"
        if per_country.height > TOP_COUNTRIES
        else "A multinational trial counts in each of its countries",
    )
with right:
    country_antigen = run_query(count_country_antigen, filters)
    if country_antigen.is_empty():
        show_empty("None of these trials states both a country and a target antigen.")
    else:
        country_order = per_country["country"].head(TOP_COUNTRIES).to_list()
        antigen_order = (
            country_antigen.group_by("antigen")
            .agg(pl.col("trial_count").sum())
            .sort(["trial_count", "antigen"], descending=[True, False])["antigen"]
            .to_list()
        )
        shown = country_antigen.filter(pl.col("country").is_in(country_order))
        show_chart_block(
            draw_matrix,
            shown,
            key="geography_country_target",
            name="trials per country and target",
            table=country_antigen,
            picker_from=shown.sort(
                ["trial_count", "country", "antigen"], descending=[True, False, False]
            ).with_columns((pl.col("country") + " × " + pl.col("antigen")).alias("cell")),
            picker_labels="cell",
            narrows=["countries", "targets"],
            picker_label="Narrow to country × target…",
            x="antigen",
            y="country",
            value="trial_count",
            title="Trials per country and target antigen",
            x_title="Target antigen",
            y_title="Country",
            x_order=antigen_order,
            y_order=country_order,
            colorscale="Greens",
        )
