"""Entry point: page navigation, the shared filter sidebar, then the chosen page."""

import streamlit as st

from landscape.db import WarehouseMissingError, open_warehouse
from landscape.page import CURRENT_FILTERS
from landscape.sidebar import render_filter_sidebar, show_filter_notices

st.set_page_config(page_title="CAR therapy in autoimmune disease", page_icon="🧬", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon="📊", default=True, url_path="overview"),
]

navigation = st.navigation(PAGES)
try:
    open_warehouse()
except WarehouseMissingError as exc:
    st.error(str(exc))
    st.stop()
st.session_state[CURRENT_FILTERS] = render_filter_sidebar()
show_filter_notices()
navigation.run()
