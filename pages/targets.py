"""Targets page (being built)."""

import streamlit as st

st.title("Targets")
st.info("This page is being built.")
