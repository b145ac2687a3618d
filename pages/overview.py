"""Overview: how many trials match, their status mix, and when they started."""

import streamlit as st

from landscape.cache import run_query
from landscape.charts import STATUS_GROUP_COLORS, draw_bar
from landscape.page import get_filters
from landscape.queries.overview import count_trial_starts_by_year, count_trials, count_trials_by_status

filters = get_filters()
st.title("CAR-based cell therapy in autoimmune disease")
trial_count = run_query(count_trials, filters)
st.metric("Trials matching the filters", trial_count)
if trial_count == 0:
    st.info("No trials match these filters. Loosen a filter in the sidebar or press Reset filters.")
    st.stop()

left, right = st.columns(2)
by_status = run_query(count_trials_by_status, filters)
left.plotly_chart(
    draw_bar(
        by_status,
        x="status_group",
        y="trial_count",
        title="Trials by status",
        x_title="Status",
        y_title="Trials",
        color="status_group",
        color_map=STATUS_GROUP_COLORS,
        horizontal=True,
    ),
    key="overview_status",
)
starts = run_query(count_trial_starts_by_year, filters)
right.plotly_chart(
    draw_bar(
        starts,
        x="start_year",
        y="trial_count",
        title="Trials started per year",
        x_title="Start year",
        y_title="Trials started",
    ),
    key="overview_starts",
)
