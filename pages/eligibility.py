"""Eligibility page (being built)."""

import streamlit as st

st.title("Eligibility")
st.info("This page is being built.")
