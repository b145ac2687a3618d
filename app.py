"""Entry point: page navigation, the shared filter sidebar, then the chosen page."""

import streamlit as st

from landscape.db import WarehouseMissingError, open_warehouse
from landscape.sidebar import render_filter_sidebar, show_filter_notices

st.set_page_config(page_title="CAR therapy in autoimmune disease", layout="wide")

# url_path values are part of shared links: keep them stable. Material icons ship with Streamlit;
# emoji would depend on the reader's fonts. Page scripts sit in pages/views/, not directly in pages/:
# Streamlit treats top-level pages/*.py as an old-style page folder and, in a fresh process, would
# serve a deep link such as /trials without running this script (no sidebar, no filters).
PAGES = {
    "Landscape": [
        st.Page(
            "pages/views/overview.py",
            title="Overview",
            icon=":material/dashboard:",
            default=True,
            url_path="overview",
        ),
        st.Page("pages/views/targets.py", title="Targets", icon=":material/target:", url_path="targets"),
        st.Page(
            "pages/views/conditions.py",
            title="Conditions",
            icon=":material/stethoscope:",
            url_path="conditions",
        ),
        st.Page(
            "pages/views/sponsors.py", title="Sponsors", icon=":material/apartment:", url_path="sponsors"
        ),
        st.Page(
            "pages/views/phases.py",
            title="Phases & status",
            icon=":material/stacked_line_chart:",
            url_path="phases",
        ),
        st.Page(
            "pages/views/eligibility.py",
            title="Eligibility",
            icon=":material/checklist:",
            url_path="eligibility",
        ),
        st.Page(
            "pages/views/geography.py", title="Geography", icon=":material/public:", url_path="geography"
        ),
        st.Page(
            "pages/views/timeline.py", title="Timeline", icon=":material/calendar_month:", url_path="timeline"
        ),
    ],
    "Trials": [
        st.Page("pages/views/trials.py", title="Trials", icon=":material/table_rows:", url_path="trials"),
        st.Page("pages/views/trial.py", title="Trial", icon=":material/search:", url_path="trial"),
    ],
    "About": [
        st.Page(
            "pages/views/data_methods.py", title="Data & methods", icon=":material/info:", url_path="data"
        ),
    ],
}

navigation = st.navigation(PAGES)
try:
    open_warehouse()
except WarehouseMissingError as exc:
    st.error(str(exc))
    st.stop()
render_filter_sidebar()
show_filter_notices()
navigation.run()
