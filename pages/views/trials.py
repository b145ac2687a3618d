"""Trials: the filtered trial table with links, sortable and paged, and its export to CSV and Parquet."""

from datetime import UTC, datetime

import streamlit as st

from landscape.cache import run_query
from landscape.export import (
    ExportProvenance,
    name_export,
    write_about_text,
    write_csv,
    write_parquet,
)
from landscape.page import add_trial_links, build_view_query, get_filters
from landscape.queries.methods import read_latest_refresh
from landscape.queries.options import count_matching_trials
from landscape.queries.trials import DEFAULT_SORT, SORTS, TRIAL_ROW_COLUMNS, read_trial_rows

PAGE_SIZE = 500
_OPEN_KEY = "trials_open"
_OPEN_REQUEST = "_trials_open_request"

filters = get_filters()
st.title("Trials")
total = run_query(count_matching_trials, filters)
if total == 0:
    st.metric("Trials matching the filters", 0)
    st.info("No trials match these filters. Loosen a filter in the sidebar or press Reset filters.")
    st.stop()

left, middle, right = st.columns([2, 2, 1])
left.metric("Trials matching the filters", f"{total:,}")
sort = middle.selectbox(
    "Sort by",
    options=list(SORTS),
    format_func=lambda key: SORTS[key][0],
    index=list(SORTS).index(DEFAULT_SORT),
    key="trials_sort",
)
page_count = (total + PAGE_SIZE - 1) // PAGE_SIZE
page = 1
if page_count > 1:
    page = int(right.number_input("Page", min_value=1, max_value=page_count, value=1, key="trials_page"))
    page = min(page, page_count)
rows = run_query(read_trial_rows, filters, sort, PAGE_SIZE, (page - 1) * PAGE_SIZE)
first = (page - 1) * PAGE_SIZE + 1
st.caption(
    f"Rows {first:,}–{first + rows.height - 1:,} of {total:,}, sorted by {SORTS[sort][0]}"
    + (f" ({page_count} pages of {PAGE_SIZE})" if page_count > 1 else "")
    + ". Click a column header to re-sort the rows on screen; the export holds every matching row."
)

st.dataframe(
    add_trial_links(rows, filters),
    hide_index=True,
    # Rows are 35 px high: fit short lists exactly, scroll long ones.
    height=min(35 * (rows.height + 1) + 3, 633),
    placeholder="–",
    column_order=[
        "trial_page",
        "title",
        "target",
        "modality",
        "product",
        "conditions",
        "sponsor",
        "phase",
        "status",
        "enrollment",
        "start_date",
        "countries",
        "registry_url",
    ],
    column_config={
        "trial_page": st.column_config.LinkColumn(
            "NCT ID", display_text=r"nct=(NCT\d+)", help="Open the trial's page here", pinned=True
        ),
        "title": st.column_config.TextColumn("Title", width="large"),
        "target": "Target",
        "modality": "Modality",
        "product": "Product",
        "conditions": st.column_config.TextColumn("Condition", width="medium"),
        "sponsor": st.column_config.TextColumn("Sponsor", width="medium"),
        "phase": "Phase",
        "status": "Status",
        "enrollment": st.column_config.NumberColumn("Enrollment", format="%d"),
        "start_date": "Start",
        "countries": "Countries",
        "registry_url": st.column_config.LinkColumn(
            "Registry", display_text="ClinicalTrials.gov ↗", help="The record on ClinicalTrials.gov"
        ),
    },
    key="trials_table",
)


def _request_open() -> None:
    # Runs before the next script run: remember the choice and clear the box, so coming back to
    # this page does not jump to the trial again.
    st.session_state[_OPEN_REQUEST] = st.session_state.get(_OPEN_KEY)
    st.session_state[_OPEN_KEY] = None


titles = dict(zip(rows["nct_id"].to_list(), rows["title"].to_list(), strict=True))
st.selectbox(
    "Open a trial",
    options=list(titles),
    index=None,
    format_func=lambda nct: f"{nct} — {(titles.get(nct) or '')[:90]}",
    placeholder="Type an NCT ID or words from the title…",
    key=_OPEN_KEY,
    on_change=_request_open,
)
requested = st.session_state.pop(_OPEN_REQUEST, None)
if requested:
    st.switch_page("pages/views/trial.py", query_params={"nct": requested})

st.subheader("Export")
latest = run_query(read_latest_refresh)
provenance = ExportProvenance(
    filters=filters,
    data_timestamp=latest.get("data_timestamp"),  # type: ignore[arg-type]
    source=latest.get("source"),  # type: ignore[arg-type]
    query=latest.get("query"),  # type: ignore[arg-type]
    fetched_at=latest.get("fetched_at"),  # type: ignore[arg-type]
    loaded_at=latest.get("loaded_at"),  # type: ignore[arg-type]
    exported_at=datetime.now(UTC),
    row_count=total,
    view_url="trials?" + build_view_query(filters),
)
st.write(
    f"Every one of the {total:,} matching rows, in the order above. The file name carries the data "
    "timestamp and the filters; the *about* file records them in full (source, query, fetch time, "
    "filters, export time, column meanings). CSV cells that start with = + - or @ get a leading "
    "apostrophe so spreadsheets do not run them as formulas; Parquet keeps values unchanged."
)
csv_col, parquet_col, about_col = st.columns(3)
# The files are built only when a button is pressed (deferred), so a page view stays fast.
csv_col.download_button(
    "Download CSV",
    data=lambda: write_csv(run_query(read_trial_rows, filters, sort)),
    file_name=name_export(provenance, ".csv"),
    mime="text/csv",
    on_click="ignore",
    icon="⬇️",
    key="export_csv",
)
parquet_col.download_button(
    "Download Parquet",
    data=lambda: write_parquet(run_query(read_trial_rows, filters, sort), provenance),
    file_name=name_export(provenance, ".parquet"),
    mime="application/vnd.apache.parquet",
    on_click="ignore",
    icon="⬇️",
    key="export_parquet",
)
about_text = write_about_text(provenance, TRIAL_ROW_COLUMNS)
about_col.download_button(
    "Download about.txt",
    data=about_text,
    file_name=name_export(provenance, "-about.txt"),
    mime="text/plain",
    on_click="ignore",
    icon="ℹ️",
    key="export_about",
)
st.caption(f"File names: {name_export(provenance, '.csv')} (and .parquet, -about.txt)")
with st.expander("What the about file says"):
    st.text(about_text)
