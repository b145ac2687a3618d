"""An Atom feed (RFC 4287) of the changes between two refreshes: one entry per trial that changed."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable

import polars as pl

ATOM_NS = "http://www.w3.org/2005/Atom"
STUDY_URL = "https://clinicaltrials.gov/study/{nct_id}"
# Stable ids without a domain of our own: name-based UUIDs under one fixed namespace.
_ID_NAMESPACE = uuid.UUID("6f1d3c2e-6a51-5b8e-9a54-3c0b7a1e2d41")
# Characters XML 1.0 does not allow (registry text may carry stray control characters).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_KIND_WORDS: dict[str, str] = {
    "new": "new trial",
    "returned": "back in the registry search",
    "dropped": "no longer in the registry search",
}


def _clean(text: object) -> str:
    return _NOT_XML.sub("", "" if text is None else str(text))


def _rfc3339(stamp: str) -> str:
    """A data timestamp ("2026-08-22" or "2026-08-22T09:00:05") as an RFC 3339 date-time in UTC."""
    text = stamp.strip().replace(" ", "T")
    if len(text) == 10:
        return text + "T00:00:00Z"
    if text.endswith("Z") or re.search(r"[+-]\d\d:\d\d$", text):
        return text
    return text + "Z"


def _urn(*parts: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(_ID_NAMESPACE, "|".join(parts)))


def describe_change(kind: str, field: str | None, old: str | None, new: str | None) -> str:
    """One change in words: 'overall_status: NOT_YET_RECRUITING -> RECRUITING', 'new trial (RECRUITING)'."""
    if kind in _KIND_WORDS:
        status = new if kind != "dropped" else old
        return f"{_KIND_WORDS[kind]} ({status or 'status not stated'})"
    return f"{field or kind}: {old if old not in (None, '') else 'not stated'} -> " + (
        new if new not in (None, "") else "not stated"
    )


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        element.text = _clean(text)
    return element


def build_atom_feed(
    changes: pl.DataFrame,
    *,
    title: str,
    from_data_timestamp: str,
    to_data_timestamp: str,
    scope: str = "",
    self_link: str | None = None,
) -> str:
    """The changes (rows of landscape.queries.changes.read_changes) as an Atom feed document.

    The feed's id depends on the compared refreshes and the scope (e.g. the filters' URL query), so
    the same view gives the same id; each entry (one per trial) links to its ClinicalTrials.gov record.
    """
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _add(feed, "id", _urn("feed", scope, from_data_timestamp, to_data_timestamp))
    _add(feed, "title", title)
    _add(
        feed,
        "subtitle",
        f"Registry changes between the refreshes of {from_data_timestamp} and {to_data_timestamp}",
    )
    _add(feed, "updated", _rfc3339(to_data_timestamp))
    author = _add(feed, "author")
    _add(author, "name", "CAR-based cell therapy in autoimmune disease: landscape dashboard")
    _add(feed, "generator", "car-autoimmune-landscape")
    if self_link:
        _add(feed, "link", rel="self", href=_clean(self_link))
    for nct_id, rows in _group_by_trial(changes):
        first = rows[0]
        entry = _add(feed, "entry")
        _add(entry, "id", _urn("entry", nct_id, from_data_timestamp, to_data_timestamp))
        kinds = ", ".join(dict.fromkeys(str(r["kind"]) for r in rows))
        _add(entry, "title", f"{nct_id}: {kinds} — {_clean(first.get('brief_title')) or 'title not stated'}")
        _add(entry, "updated", _rfc3339(str(first.get("to_data_timestamp") or to_data_timestamp)))
        _add(entry, "link", rel="alternate", type="text/html", href=STUDY_URL.format(nct_id=nct_id))
        lines = [
            describe_change(r["kind"], r.get("field"), r.get("old_value"), r.get("new_value")) for r in rows
        ]
        _add(entry, "summary", "; ".join(lines), type="text")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _group_by_trial(changes: pl.DataFrame) -> Iterable[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for row in changes.iter_rows(named=True):
        groups.setdefault(str(row["nct_id"]), []).append(row)
    return groups.items()
