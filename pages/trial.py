"""Trial page (being built)."""

import streamlit as st

st.title("Trial")
st.info("This page is being built.")
