"""Trial: everything about one trial (?nct=NCT...), registry text shown as plain text, never as markup."""

import polars as pl
import streamlit as st

from landscape.cache import run_query
from landscape.page import escape_markdown, get_filters
from landscape.queries.trial import NCT_ID, TrialDetail, list_trial_choices, read_trial_detail

_LAST = "_last_trial"
_PICK_KEY = "trial_pick"
_CHOICES = 2000
_STALLED = "yes, still open three or more years after its start"
_HEALTHY: dict[object, str] = {True: "accepted", False: "not accepted"}


def _pick_trial() -> None:
    choice = st.session_state.get(_PICK_KEY)
    if choice:
        st.query_params["nct"] = choice.strip().upper()


def _draw_picker(label: str) -> None:
    choices = run_query(list_trial_choices, get_filters(), _CHOICES)
    titles = dict(zip(choices["nct_id"].to_list(), choices["title"].to_list(), strict=True))
    st.selectbox(
        label,
        options=list(titles),
        index=None,
        format_func=lambda nct: f"{nct} — {(titles.get(nct) or '')[:90]}",
        placeholder="Type an NCT ID or words from the title…",
        accept_new_options=True,
        key=_PICK_KEY,
        on_change=_pick_trial,
    )
    st.caption(f"Lists up to {_CHOICES:,} trials matching the sidebar filters; any NCT ID can be typed.")


def _show_fields(pairs: list[tuple[str, object]]) -> None:
    """Label: value lines; values are registry text, so they are escaped before markdown sees them."""
    lines = [f"**{label}:** {escape_markdown(value)}" for label, value in pairs if value not in (None, "")]
    if lines:
        st.markdown("  \n".join(lines))


def _format_date(row: dict[str, object], column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    precision = row.get(f"{column}_precision")
    text = str(value)
    return text[:4] if precision == "year" else text[:7] if precision == "month" else text


def _show_table(frame: pl.DataFrame, empty: str, **kwargs: object) -> None:
    if frame.is_empty():
        st.caption(empty)
    else:
        readable = frame.rename(lambda name: name.replace("_", " ").capitalize())
        st.dataframe(readable, hide_index=True, placeholder="–", **kwargs)  # type: ignore[arg-type]


def _draw(detail: TrialDetail) -> None:
    row = detail.row or {}
    nct = detail.nct_id
    registry = f"https://clinicaltrials.gov/study/{nct}"
    st.title(escape_markdown(row.get("brief_title") or nct))
    head, link = st.columns([4, 1])
    head.caption(f"{nct} · {escape_markdown(row.get('phase_label') or 'phase not stated')}")
    link.link_button("ClinicalTrials.gov ↗", registry, width="stretch")
    if not (row.get("is_car_based") and row.get("is_autoimmune")):
        reasons = [r for r in (row.get("car_based_reason"), row.get("autoimmune_reason")) if r]
        st.info(
            "This trial is in the data but not in the landscape (it is not both CAR-based and "
            "autoimmune). " + escape_markdown("; ".join(str(r) for r in reasons))
        )

    st.subheader("Identification", divider="gray")
    _show_fields(
        [
            ("NCT ID", nct),
            ("Official title", row.get("official_title")),
            ("Acronym", row.get("acronym")),
            ("Study type", row.get("study_type")),
            ("Phase", row.get("phase_label")),
            ("Enrollment", _format_enrollment(row)),
        ]
    )
    if row.get("brief_summary"):
        with st.expander("Brief summary (as registered)"):
            st.text(str(row["brief_summary"]))

    st.subheader("Status and dates", divider="gray")
    _show_fields(
        [
            ("Overall status", str(row.get("overall_status") or "").replace("_", " ").capitalize()),
            ("Status group (derived)", row.get("status_group")),
            ("Stalled (derived)", _STALLED if row.get("is_stalled") else None),
            ("Start", _format_date(row, "start_date")),
            ("Primary completion", _format_date(row, "primary_completion_date")),
            ("Completion", _format_date(row, "completion_date")),
            ("First posted", _format_date(row, "first_posted_date")),
            ("Last update posted", _format_date(row, "last_update_date")),
        ]
    )

    st.subheader("Sponsor and collaborators", divider="gray")
    _show_fields(
        [
            ("Sponsor (grouped)", row.get("sponsor_name")),
            ("Sponsor class (derived)", row.get("sponsor_class")),
        ]
    )
    _show_table(detail.table("sponsors"), "No sponsor registered.")

    st.subheader("Conditions", divider="gray")
    entities = detail.table("condition_entities")
    if not entities.is_empty():
        st.caption("Autoimmune conditions (derived)")
        _show_table(entities, "")
    st.caption("As registered, with MeSH terms")
    _show_table(detail.table("conditions"), "No conditions registered.")

    st.subheader("Interventions", divider="gray")
    _show_table(detail.table("interventions"), "No interventions registered.")

    st.subheader("Derived labels and their evidence", divider="gray")
    targets = detail.table("targets")
    _show_fields(
        [
            ("Target", row.get("target")),
            ("Antigens", ", ".join(targets["antigen"].to_list()) if not targets.is_empty() else None),
            ("Modality", row.get("modality")),
            ("Product", row.get("product_name")),
            ("Condition family", row.get("condition_family")),
            ("Basket trial", "yes" if row.get("is_basket") else None),
            ("CAR-based", row.get("car_based_reason")),
            ("Autoimmune", row.get("autoimmune_reason")),
        ]
    )
    _show_table(detail.table("evidence"), "No evidence recorded for this trial.")

    st.subheader("Eligibility", divider="gray")
    _show_fields(
        [
            ("Minimum age (years)", row.get("min_age_years")),
            ("Maximum age (years)", row.get("max_age_years")),
            ("Ages the criteria text states", _format_text_ages(detail.table("age_limits"))),
            ("Sex", row.get("sex")),
            ("Healthy volunteers", _HEALTHY.get(row.get("accepts_healthy_volunteers"))),
        ]
    )
    thresholds = detail.table("thresholds")
    st.caption("Thresholds found in the criteria text, with the words each was read from")
    _show_table(
        thresholds,
        "No numeric thresholds were found in the criteria text.",
        column_config={"Span": st.column_config.TextColumn("Span (as written)", width="large")},
    )
    criteria = row.get("eligibility_criteria")
    st.caption("Eligibility criteria as registered")
    if criteria:
        st.text(str(criteria))
    else:
        st.caption("The record has no criteria text.")

    st.subheader("Sites", divider="gray")
    _show_table(detail.table("sites"), "No sites registered.")
    st.link_button(f"Open {nct} on ClinicalTrials.gov ↗", registry)


def _format_text_ages(ages: pl.DataFrame) -> str | None:
    if ages.is_empty():
        return None
    low, high, conflict = ages.row(0)
    if low is None and high is None:
        return None
    if high is None:
        text = f"{low:g} or older"
    else:
        text = f"up to {high:g}" if low is None else f"{low:g} to {high:g}"
    return text + (" (differs from the registry's fields)" if conflict else "")


def _format_enrollment(row: dict[str, object]) -> str | None:
    count = row.get("enrollment_count")
    if count is None:
        return None
    kind = str(row.get("enrollment_type") or "").lower()
    return f"{count} ({kind})" if kind else str(count)


requested = (st.query_params.get("nct") or "").strip().upper()
if not requested and st.session_state.get(_LAST):
    # Coming back through the menu: show the last trial again and put it back in the address.
    requested = st.session_state[_LAST]
    st.query_params["nct"] = requested

if not requested:
    st.title("Trial")
    _draw_picker("Choose a trial")
    st.stop()
if not NCT_ID.match(requested):
    st.title("Trial")
    st.warning(f"'{escape_markdown(requested[:40])}' is not an NCT ID (NCT followed by 8 digits).")
    _draw_picker("Choose a trial")
    st.stop()

detail = run_query(read_trial_detail, requested)
if detail.row is None:
    st.title("Trial")
    st.warning(f"{requested} is not in the data.")
    _draw_picker("Choose a trial")
    st.stop()
st.session_state[_LAST] = requested
_draw(detail)
with st.expander("Open another trial"):
    _draw_picker("Another trial")
