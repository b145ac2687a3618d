"""Data & methods: where the data came from, what was kept and why, what each table holds, and refresh."""

import streamlit as st

from landscape.cache import run_query
from landscape.page import escape_markdown
from landscape.queries.methods import (
    describe_query,
    list_columns,
    list_tables,
    read_inclusion_ledger,
    read_refreshes,
)
from landscape.refresh import refresh_from_registry

_REFRESHED = "_refresh_message"

st.title("Data & methods")

refreshes = run_query(read_refreshes)
latest = refreshes.row(0, named=True) if refreshes.height else {}
st.subheader("Where the data came from", divider="gray")
if latest:
    query = describe_query(latest.get("query"))
    left, middle, right = st.columns(3)
    left.metric("Data timestamp", latest.get("data_timestamp") or "unknown", help="The registry's own date")
    middle.metric("Trials in the database", f"{latest.get('trial_count') or 0:,}")
    right.metric("Records skipped", f"{latest.get('skipped_count') or 0:,}")
    st.markdown(
        "  \n".join(
            f"**{label}:** {escape_markdown(value)}"
            for label, value in (
                ("Source", latest.get("source") or "unknown"),
                ("Registry API version", latest.get("api_version") or "not recorded"),
                ("Fetched", latest.get("fetched_at") or "not recorded (not a live pull)"),
                ("Database built", latest.get("loaded_at") or "unknown"),
                ("Records read", latest.get("record_count")),
            )
        )
    )
    st.caption("Query")
    st.text(str(query))
    if refreshes.height > 1:
        with st.expander(f"All {refreshes.height} loads of this database"):
            st.dataframe(refreshes, hide_index=True)
else:
    st.info("This database records no load history.")

st.subheader("What was kept, and why", divider="gray")
st.write(
    "Every study the search returns is classified: is it a CAR-based cell therapy, and does it study an "
    "autoimmune or immune-mediated disease? Only trials that are both are shown. Targets, modality, "
    "product, conditions, sponsor class and status group are derived from the registry text with "
    "curated vocabularies (data/vocab) and per-trial corrections (data/curated); each trial's page "
    "lists the evidence behind its labels."
)
ledger = run_query(read_inclusion_ledger)
if ledger.is_empty():
    st.caption("This database has no inclusion ledger (built before classification was added).")
else:
    st.dataframe(
        ledger,
        hide_index=True,
        column_config={
            "stage": "Stage",
            "reason": st.column_config.TextColumn("What", width="large"),
            "trial_count": st.column_config.NumberColumn("Trials", format="%d"),
        },
    )

st.subheader("Tables and columns", divider="gray")
tables = run_query(list_tables)
st.dataframe(
    tables,
    hide_index=True,
    height=35 * (tables.height + 1) + 3,
    column_config={
        "table": "Table",
        "rows": st.column_config.NumberColumn("Rows", format="%d"),
        "description": st.column_config.TextColumn("What it holds", width="large"),
    },
)
columns = run_query(list_columns)
names = tables["table"].to_list()
chosen = st.selectbox(
    "Columns of", options=names, index=names.index("trials") if "trials" in names else 0, key="methods_table"
)
chosen_columns = columns.filter(columns["table"] == chosen).drop("table")
st.dataframe(
    chosen_columns,
    hide_index=True,
    height=min(35 * (chosen_columns.height + 1) + 3, 773),
    column_config={
        "column": "Column",
        "type": "Type",
        "description": st.column_config.TextColumn("Meaning", width="large"),
    },
)

st.subheader("Refresh from ClinicalTrials.gov", divider="gray")
st.write(
    "Pulls every CAR-based study from the ClinicalTrials.gov API v2 (about one request per second), keeps "
    "the raw records under data/raw/, rebuilds the database and swaps it in. If anything fails — no "
    "network, the registry refusing the client, an empty answer — the current data stays as it is."
)
done = st.session_state.pop(_REFRESHED, None)
if done:
    st.success(done)
if st.button("Refresh from ClinicalTrials.gov", icon="🔄", key="refresh_registry"):
    bar = st.progress(0.0, text="Starting …")
    outcome = refresh_from_registry(lambda fraction, text: bar.progress(fraction, text=text))
    if outcome.ok:
        # Run the whole app again so the sidebar and every number come from the new database.
        st.session_state[_REFRESHED] = outcome.message
        st.rerun()
    bar.empty()
    st.error(outcome.message)
