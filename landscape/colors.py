"""One colour per target, condition family, modality, status, phase and sponsor class, on every page."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from etl.schema import SPONSOR_CLASSES, STATUS_GROUPS

# Antigens in the vocabulary's display order get fixed colours, so CD19 is the same blue everywhere.
TARGET_COLORS: dict[str, str] = {
    "CD19": "#1f77b4",
    "BCMA": "#d62728",
    "CD19/BCMA": "#9467bd",
    "CD20": "#2ca02c",
    "CD19/CD20": "#17becf",
    "CD22": "#ff7f0e",
    "CD19/CD22": "#bcbd22",
    "CD7": "#8c564b",
    "CD70": "#e377c2",
    "CD6": "#7f7f7f",
    "CD5": "#aec7e8",
    "CD38": "#ffbb78",
    "BAFF-R": "#98df8a",
    "TACI": "#ff9896",
    "DSG3 (CAAR)": "#c5b0d5",
    "MuSK (CAAR)": "#c49c94",
    "PLA2R (CAAR)": "#f7b6d2",
    "BAFF ligand": "#dbdb8d",
    "APRIL ligand": "#9edae5",
    "undisclosed": "#c7c7c7",
    "other": "#e5e5e5",
}
# Labels outside the fixed map (new antigens, rarer combinations) hash into this palette: stable
# across pages and sessions because the hash does not depend on Python's per-process salt.
_EXTRA_PALETTE: tuple[str, ...] = (
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#5254a3",
    "#8ca252",
    "#bd9e39",
    "#ad494a",
    "#a55194",
    "#6b6ecf",
    "#b5cf6b",
    "#e7ba52",
    "#d6616b",
    "#ce6dbd",
)

FAMILY_COLORS: dict[str, str] = {
    "rheumatic": "#e76f51",
    "neurologic": "#264653",
    "renal": "#2a9d8f",
    "haematologic": "#9b2226",
    "dermatologic": "#f4a261",
    "endocrine": "#6a4c93",
    "GI": "#8ab17d",
    "other": "#adb5bd",
}

MODALITY_COLORS: dict[str, str] = {
    "Autologous CAR-T": "#1d3557",
    "Allogeneic CAR-T": "#457b9d",
    "CAR-T (unspecified)": "#a8dadc",
    "In vivo CAR": "#e63946",
    "mRNA CAR-T": "#f4a261",
    "CAR-NK": "#2a9d8f",
    "CAAR-T": "#6a4c93",
    "CAR-Treg": "#e9c46a",
    "CAR-γδ T": "#8ab17d",
    "unclear": "#d3d3d3",
}

STATUS_GROUP_COLORS: dict[str, str] = {
    "open": "#2a9d8f",
    "active, not recruiting": "#e9c46a",
    "closed": "#8d99ae",
    "unknown": "#d3d3d3",
}
# Display orders are the warehouse contract's label sets (their one home is etl/schema.py).
STATUS_GROUP_ORDER: tuple[str, ...] = STATUS_GROUPS

SPONSOR_CLASS_COLORS: dict[str, str] = {
    "industry": "#3a86ff",
    "academic/hospital": "#ff006e",
    "government": "#fb5607",
    "other": "#adb5bd",
}
SPONSOR_CLASS_ORDER: tuple[str, ...] = SPONSOR_CLASSES

# Phases by rank: light to dark, so "further along" reads as "darker" on every chart.
PHASE_COLORS: dict[str, str] = {
    "Early Phase 1": "#c6dbef",
    "Phase 1": "#9ecae1",
    "Phase 1/2": "#6baed6",
    "Phase 2": "#4292c6",
    "Phase 2/3": "#2171b5",
    "Phase 3": "#08519c",
    "Phase 4": "#08306b",
    "Not applicable": "#bdbdbd",
    "Not stated": "#e0e0e0",
}


def pick_stable_color(label: str, fixed: dict[str, str]) -> str:
    """The fixed colour of a label, else one chosen from its hash (the same on every page)."""
    if label in fixed:
        return fixed[label]
    digest = hashlib.blake2s(label.encode(), digest_size=2).digest()
    return _EXTRA_PALETTE[int.from_bytes(digest, "big") % len(_EXTRA_PALETTE)]


def map_target_colors(labels: Iterable[str]) -> dict[str, str]:
    """Target label -> colour for the labels a chart shows."""
    return {label: pick_stable_color(label, TARGET_COLORS) for label in labels}


def map_family_colors(labels: Iterable[str]) -> dict[str, str]:
    """Condition family -> colour for the families a chart shows."""
    return {label: pick_stable_color(label, FAMILY_COLORS) for label in labels}
