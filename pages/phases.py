"""Phases page (being built)."""

import streamlit as st

st.title("Phases")
st.info("This page is being built.")
