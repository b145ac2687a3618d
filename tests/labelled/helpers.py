"""Build API v2-shaped study records for classification tests, and classify them."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from etl.classify import classify_trials
from etl.transform.records import build_tables

LABELLED_DIR = Path(__file__).resolve().parent
RECORDS_PATH = LABELLED_DIR / "classification_records.ndjson"
LABELS_PATH = LABELLED_DIR / "classification_labels.csv"
AS_OF = datetime.date(2026, 9, 1)


def make_intervention(
    name: str, *, kind: str = "BIOLOGICAL", other_names: Sequence[str] = (), description: str | None = None
) -> dict:
    """One armsInterventionsModule intervention."""
    item: dict = {"type": kind, "name": name}
    if other_names:
        item["otherNames"] = list(other_names)
    if description:
        item["description"] = description
    return item


def make_record(
    nct_id: str,
    title: str | None = None,
    *,
    official_title: str | None = None,
    acronym: str | None = None,
    summary: str | None = None,
    conditions: Sequence[str] = (),
    keywords: Sequence[str] = (),
    interventions: Sequence[dict | str] = (),
    sponsor: str | None = None,
    sponsor_class: str | None = None,
    status: str | None = "RECRUITING",
    start: str | None = None,
    meshes: Sequence[str] = (),
    ancestors: Sequence[str] = (),
    description: str | None = None,
    arm_descriptions: Sequence[str] = (),
    responsible_party: dict | None = None,
    sites: Sequence[str] = (),
    first_posted: str | None = None,
) -> dict:
    """An API v2 study record with only the given fields (strings stand for BIOLOGICAL interventions)."""
    identification = {"nctId": nct_id}
    for key, value in (("briefTitle", title), ("officialTitle", official_title), ("acronym", acronym)):
        if value:
            identification[key] = value
    protocol: dict = {
        "identificationModule": identification,
        "conditionsModule": {"conditions": list(conditions), "keywords": list(keywords)},
        "armsInterventionsModule": {
            "interventions": [make_intervention(i) if isinstance(i, str) else i for i in interventions]
        },
    }
    status_module: dict = {}
    if status:
        status_module["overallStatus"] = status
    if start:
        status_module["startDateStruct"] = {"date": start}
    if first_posted:
        status_module["studyFirstPostDateStruct"] = {"date": first_posted}
    protocol["statusModule"] = status_module
    if sponsor:
        lead = {"name": sponsor, **({"class": sponsor_class} if sponsor_class else {})}
        protocol["sponsorCollaboratorsModule"] = {"leadSponsor": lead}
    if responsible_party:
        protocol.setdefault("sponsorCollaboratorsModule", {})["responsibleParty"] = responsible_party
    descriptions = {"briefSummary": summary, "detailedDescription": description}
    if summary or description:
        protocol["descriptionModule"] = {k: v for k, v in descriptions.items() if v}
    if arm_descriptions:
        protocol["armsInterventionsModule"]["armGroups"] = [
            {"label": f"Arm {i + 1}", "description": text} for i, text in enumerate(arm_descriptions)
        ]
    if sites:
        protocol["contactsLocationsModule"] = {
            "locations": [{"facility": facility, "country": "China"} for facility in sites]
        }
    record: dict = {"protocolSection": protocol}
    if meshes or ancestors:
        record["derivedSection"] = {
            "conditionBrowseModule": {
                "meshes": [{"id": f"D{i:06d}", "term": t} for i, t in enumerate(meshes)],
                "ancestors": [{"id": f"D{i + 500:06d}", "term": t} for i, t in enumerate(ancestors)],
            }
        }
    return record


def classify_records(records: Sequence[dict], as_of: datetime.date = AS_OF) -> dict[str, pl.DataFrame]:
    """records -> build_tables -> classify_trials."""
    return classify_trials(build_tables(list(records)), as_of=as_of)


def classify_one(record: dict, as_of: datetime.date = AS_OF) -> dict:
    """The classified trials row of a single record, as a dict."""
    return classify_records([record], as_of)["trials"].row(0, named=True)


def read_labelled_records() -> list[dict]:
    """The labelled set's records."""
    with RECORDS_PATH.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def read_labels() -> pl.DataFrame:
    """The labelled set's expected values (all strings; empty = null)."""
    return pl.read_csv(LABELS_PATH, comment_prefix="#", infer_schema=False)
