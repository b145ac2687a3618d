"""The fixed label sets of every classification axis."""

from __future__ import annotations

# Modalities in order of precedence: when a trial shows several, the first listed wins. Cell type and
# construct (CAAR, Treg, γδ, NK, in vivo, mRNA) say more than cell origin, and "allogeneic" beats
# "autologous" because allogeneic products' texts often contrast themselves with autologous ones.
MODALITY_PRECEDENCE: tuple[str, ...] = (
    "CAAR-T",
    "CAR-Treg",
    "CAR-γδ T",
    "CAR-NK",
    "In vivo CAR",
    "mRNA CAR-T",
    "Allogeneic CAR-T",
    "Autologous CAR-T",
    "CAR-T (unspecified)",
)
MODALITY_UNCLEAR = "unclear"
MODALITY_LABELS: tuple[str, ...] = (*MODALITY_PRECEDENCE, MODALITY_UNCLEAR)
SPECIAL_MODALITIES: frozenset[str] = frozenset(MODALITY_PRECEDENCE[:6])
ORIGIN_MODALITIES: frozenset[str] = frozenset(("Allogeneic CAR-T", "Autologous CAR-T"))
T_CELL_MODALITY = "CAR-T (unspecified)"

CONDITION_FAMILIES: tuple[str, ...] = (
    "rheumatic",
    "neurologic",
    "renal",
    "haematologic",
    "dermatologic",
    "endocrine",
    "GI",
    "other",
)

SPONSOR_CLASSES: tuple[str, ...] = ("industry", "academic/hospital", "government", "other")

STATUS_GROUPS: tuple[str, ...] = ("open", "active, not recruiting", "closed", "unknown")

UNDISCLOSED = "undisclosed"

EVIDENCE_AXES: tuple[str, ...] = (
    "car_based",
    "autoimmune",
    "target",
    "modality",
    "cell_origin",
    "product",
    "condition",
    "sponsor",
    "status",
)
