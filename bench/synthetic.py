"""Synthetic API v2 study records of realistic size and variety, for benchmarks only."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

_TARGETS = ["CD19", "BCMA", "CD19/BCMA", "CD20", "CD19/CD20", "CD7", "CD70", "BAFF-R", "CD6", "CD22"]
_DISEASES = [
    ("Systemic Lupus Erythematosus", "D008180"),
    ("Lupus Nephritis", "D008181"),
    ("Systemic Sclerosis", "D012595"),
    ("Idiopathic Inflammatory Myopathies", "D009220"),
    ("ANCA Associated Vasculitis", "D056648"),
    ("Myasthenia Gravis", "D009157"),
    ("Multiple Sclerosis", "D009103"),
    ("Neuromyelitis Optica Spectrum Disorder", "D009471"),
    ("Immune Thrombocytopenia", "D016553"),
    ("Pemphigus Vulgaris", "D010392"),
    ("Rheumatoid Arthritis", "D001172"),
    ("Diffuse Large B-Cell Lymphoma", "D016403"),
]
_STATUSES = [
    "RECRUITING",
    "NOT_YET_RECRUITING",
    "ACTIVE_NOT_RECRUITING",
    "COMPLETED",
    "TERMINATED",
    "UNKNOWN",
]
_PHASES = [["EARLY_PHASE1"], ["PHASE1"], ["PHASE1", "PHASE2"], ["PHASE2"], ["PHASE3"], []]
_SPONSORS = [
    ("Kyverna Therapeutics", "INDUSTRY"),
    ("Cabaletta Bio", "INDUSTRY"),
    ("Zhejiang University", "OTHER"),
    ("Tongji Hospital", "OTHER"),
    ("University of Erlangen-Nürnberg Medical School", "OTHER"),
    ("National Cancer Institute (NCI)", "NIH"),
]
_CITIES = [
    ("Hangzhou", "China", 30.29, 120.16),
    ("Erlangen", "Germany", 49.59, 11.0),
    ("Boston", "United States", 42.36, -71.06),
    ("Paris", "France", 48.85, 2.35),
    ("Milan", "Italy", 45.46, 9.19),
]
_CRITERIA_LINES = [
    "Age {a}-{b} years, male or female",
    "Diagnosis according to the 2019 EULAR/ACR classification criteria",
    "SLEDAI-2K score ≥ {s} at screening",
    "eGFR ≥ {e} mL/min/1.73m2",
    "LVEF ≥ {l}%",
    "ALT and AST ≤ {u} × ULN; total bilirubin ≤ 1.5 × ULN",
    "Platelets ≥ {p} × 10^9/L and ANC ≥ 1.0 × 10^9/L",
    "Failure of at least {n} prior immunosuppressive therapies for more than 3 months",
    "Prednisone ≤ {d} mg/day stable for 4 weeks before screening",
    "Willing to use effective contraception until one year after infusion",
    "Hemoglobin ≥ {h} g/dL",
]
_EXCLUSION_LINES = [
    "Active infection requiring systemic treatment within 2 weeks",
    "Prior CAR-T therapy or hematopoietic stem cell transplantation",
    "Pregnant or breastfeeding women",
    "QTc > {q} ms",
    "Serum creatinine > {c} mg/dL",
    "History of malignancy within 5 years, except cured basal cell carcinoma",
]
_FILLER = (
    "This study evaluates the safety, tolerability, pharmacokinetics and preliminary efficacy of a single "
    "infusion of autologous chimeric antigen receptor T cells after lymphodepletion with fludarabine and "
    "cyclophosphamide in participants with refractory disease. "
)


def _criteria(rng: random.Random) -> str:
    values = {
        "a": rng.choice([12, 16, 18]),
        "b": rng.choice([65, 70, 75]),
        "s": rng.choice([6, 8, 10]),
        "e": rng.choice([30, 45, 60]),
        "l": rng.choice([45, 50, 55]),
        "u": rng.choice([2, 2.5, 3]),
        "p": rng.choice([50, 75, 100]),
        "n": rng.choice([1, 2, 3]),
        "d": rng.choice([10, 20, 30]),
        "h": rng.choice([8, 9, 10]),
        "q": rng.choice([450, 470, 480]),
        "c": rng.choice([1.5, 2, 2.5]),
    }
    inclusion = rng.sample(_CRITERIA_LINES, k=rng.randint(5, len(_CRITERIA_LINES)))
    exclusion = rng.sample(_EXCLUSION_LINES, k=rng.randint(3, len(_EXCLUSION_LINES)))
    lines = ["Inclusion Criteria:", ""]
    lines += [f"{i}. {line.format(**values)}" for i, line in enumerate(inclusion, 1)]
    lines += ["", "Exclusion Criteria:", ""]
    lines += [f"* {line.format(**values)}" for line in exclusion]
    return "\n".join(lines)


def make_record(index: int, rng: random.Random) -> dict:
    """One study of realistic size (about 5 KB of JSON) with the modules the ETL reads and more."""
    target = rng.choice(_TARGETS)
    disease, mesh_id = rng.choice(_DISEASES)
    sponsor, sponsor_class = rng.choice(_SPONSORS)
    year = rng.randint(2017, 2026)
    sites = [
        {"facility": f"Site {k}", "city": c, "country": n, "geoPoint": {"lat": la, "lon": lo}}
        for k, (c, n, la, lo) in enumerate(rng.sample(_CITIES, k=rng.randint(1, 4)))
    ]
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": f"NCT{10_000_000 + index:08d}",
                "briefTitle": f"{target} CAR-T Cells in Refractory {disease} (study {index})",
                "officialTitle": f"A Phase 1/2 Open-label Study of {target} CAR-T Cell Therapy in {disease}",
            },
            "statusModule": {
                "overallStatus": rng.choice(_STATUSES),
                "startDateStruct": {"date": f"{year}-{rng.randint(1, 12):02d}"},
                "primaryCompletionDateStruct": {"date": f"{year + 2}-{rng.randint(1, 12):02d}-15"},
                "completionDateStruct": {"date": f"{year + 3}"},
                "studyFirstPostDateStruct": {"date": f"{year}-01-10"},
                "lastUpdatePostDateStruct": {"date": "2026-10-01"},
            },
            "sponsorCollaboratorsModule": {
                "leadSponsor": {"name": sponsor, "class": sponsor_class},
                "collaborators": [{"name": "Example Biotech Co., Ltd.", "class": "INDUSTRY"}],
            },
            "descriptionModule": {
                "briefSummary": _FILLER * 3,
                "detailedDescription": _FILLER * 6,
            },
            "conditionsModule": {"conditions": [disease], "keywords": ["CAR-T", target, disease]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": rng.choice(_PHASES),
                "enrollmentInfo": {"count": rng.randint(6, 120), "type": "ESTIMATED"},
            },
            "armsInterventionsModule": {
                "armGroups": [{"label": "CAR-T", "type": "EXPERIMENTAL", "description": _FILLER}],
                "interventions": [
                    {"type": "BIOLOGICAL", "name": f"{target} CAR-T cells", "otherNames": [f"{target}-CART"]},
                    {"type": "DRUG", "name": "Fludarabine"},
                    {"type": "DRUG", "name": "Cyclophosphamide"},
                ],
            },
            "outcomesModule": {
                "primaryOutcomes": [{"measure": "Dose-limiting toxicity", "timeFrame": "28 days"}],
                "secondaryOutcomes": [{"measure": "SLEDAI-2K change", "timeFrame": "6 months"}],
            },
            "eligibilityModule": {
                "eligibilityCriteria": _criteria(rng),
                "healthyVolunteers": False,
                "sex": "ALL",
                "minimumAge": "18 Years",
                "maximumAge": f"{rng.choice([65, 70, 75])} Years",
            },
            "contactsLocationsModule": {"locations": sites},
        },
        "derivedSection": {
            "conditionBrowseModule": {
                "meshes": [{"id": mesh_id, "term": disease}],
                "ancestors": [{"id": "D001327", "term": "Autoimmune Diseases"}],
            }
        },
    }


def write_synthetic_file(path: Path, count: int, seed: int = 7) -> Path:
    """Write `count` synthetic studies as NDJSON.gz (deterministic for a given seed)."""
    rng = random.Random(seed)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
        for index in range(count):
            fh.write(json.dumps(make_record(index, rng), ensure_ascii=False))
            fh.write("\n")
    return path
