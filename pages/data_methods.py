"""Data_methods page (being built)."""

import streamlit as st

st.title("Data_methods")
st.info("This page is being built.")
