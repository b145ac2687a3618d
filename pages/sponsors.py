"""Sponsors page (being built)."""

import streamlit as st

st.title("Sponsors")
st.info("This page is being built.")
