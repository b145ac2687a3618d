"""Trials page (being built)."""

import streamlit as st

st.title("Trials")
st.info("This page is being built.")
