"""Conditions page (being built)."""

import streamlit as st

st.title("Conditions")
st.info("This page is being built.")
