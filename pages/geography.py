"""Geography page (being built)."""

import streamlit as st

st.title("Geography")
st.info("This page is being built.")
