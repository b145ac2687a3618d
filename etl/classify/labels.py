"""Classification rules over the label sets: which modality wins, and special labels.

The label sets themselves and their display order live in etl/schema.py (the warehouse contract)."""

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
SPECIAL_MODALITIES: frozenset[str] = frozenset(MODALITY_PRECEDENCE[:6])
ORIGIN_MODALITIES: frozenset[str] = frozenset(("Allogeneic CAR-T", "Autologous CAR-T"))

UNDISCLOSED = "undisclosed"
