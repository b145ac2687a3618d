"""Unit kinds as they are written after a number, and the label each kind is reported with."""

from __future__ import annotations

import re

# Patterns run on normalised lower-case text (× -> x, µ/μ -> u, markdown escapes -> space).
# Order matters: a kind listed earlier wins when both match at the same place (mg/kg/d before mg/kg
# before mg). Each pattern must end on a word edge or a symbol so "mg" never eats "mgfa".
_UNIT_PATTERNS: tuple[tuple[str, str], ...] = (
    # cell counts: x10^9/L, 10E9/L, x 109 / L (superscript lost), x10^3/uL, K/uL
    ("count_1e9", r"(?:(?:x|\*)\s*10\s*(?:\^|e|\*\*)?\s*9|10\s*(?:\^|e|\*\*)\s*9)\s*(?:cells\s*)?/\s*l\b"),
    (
        "count_1e9",
        r"(?:(?:x|\*)\s*10\s*(?:\^|e|\*\*)?\s*3|10\s*(?:\^|e|\*\*)\s*3)\s*(?:cells\s*)?/\s*(?:ul|mcl|mm\s*\^?\s*3)\b",
    ),
    ("count_1e9", r"k\s*/\s*ul\b"),
    (
        "per_ul",
        r"(?:cells\s*)?(?:/|per)\s*(?:ul|mcl|mm\s*\^?\s*3|cubic\s+mm|microlit(?:er|re))\b|(?:cells\s*)?/\s*mm3",
    ),
    # multiples of the upper limit of normal: 3 x ULN, 3.0ULN, 3 times the upper limit of normal
    (
        "x_uln",
        r"(?:(?:x|times|fold|-fold|倍)\s*(?:of\s+)?(?:the\s+)?)?(?:institutional\s+|local\s+|laboratory\s+)?"
        r"(?:uln\b|upper\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+(?:range|values?))?|upper\s+normal\s+limits?"
        r"|normal\s+upper\s+limits?)",
    ),
    ("x_uln", r"times\s+(?:of\s+)?(?:the\s+)?normal(?:\s+(?:amounts?|values?|range|levels?))?"),
    (
        "ml_min_173",
        r"ml\s*/\s*min(?:ute)?\s*(?:/|per)\s*1\.73\s*(?:m\s*\^?\s*2|m\b|square\s+met(?:er|re)s?)?",
    ),
    ("ml_min", r"ml\s*/\s*min(?:ute)?\b|ml\s+per\s+min(?:ute)?\b"),
    ("mg_kg_d", r"mg\s*/\s*kg\s*(?:/\s*d(?:ay)?\b|per\s+day\b|daily\b|/\s*24\s*h(?:ours?)?\b|\s*/\s*day\b)"),
    ("mg_kg", r"mg\s*/\s*kg\b"),
    ("mg_dl", r"mg\s*/\s*dl\b"),
    ("g_dl", r"(?:g|gm|grams?)\s*/\s*dl\b"),
    ("umol_l", r"u\s*mol\s*/\s*l\b|micromol(?:es)?\s*/\s*l\b"),
    # haemoglobin in mmol/L (Dutch/Scandinavian labs) and UPCR in mg/mmol (UK/European labs)
    ("mmol_l", r"mmol\s*/\s*l\b|millimol(?:es)?\s*/\s*l\b"),
    ("mg_mmol", r"mg\s*/\s*mmol\b"),
    ("mg_d", r"mg\s*/\s*(?:d(?:ay)?\b|24\s*h(?:ours?|rs?)?\b)|mg\s+(?:per\s+day|daily|qd|/\s*day)\b"),
    (
        "g_d",
        r"(?:g|gm|grams?)\s*/\s*(?:d(?:ay)?\b|24\s*h(?:ours?|rs?)?\b)|(?:g|grams?)\s+(?:per|/)\s*(?:day|24\s*h(?:ours?)?)\b",
    ),
    ("mg_g", r"mg\s*/\s*g\b"),
    ("g_g", r"g\s*/\s*g\b|mg\s*/\s*mg\b"),
    ("g_l", r"(?:g|grams?)\s*/\s*l\b"),
    ("iu_ml", r"(?:k?iu|u)\s*/\s*ml\b"),
    ("mmhg", r"mm\s*hg\b"),
    ("ms", r"ms(?:ec)?\b|milliseconds?\b"),
    ("kg_m2", r"kg\s*/\s*m\s*\^?\s*2"),
    ("kg", r"kg\b|kilograms?\b"),
    ("mg", r"mg\b|milligrams?\b"),
    ("g", r"(?:g|gm|grams?)\b(?!\s*/)"),
    (
        "pct_pred",
        r"%\s*(?:of\s+)?(?:the\s+)?(?:normal\s+)?(?:predicted|pred\b|expected)(?:\s+(?:values?|normal))?",
    ),
    ("pct", r"%|percent\b"),
    ("years_age", r"(?:years?|yrs?)\s*-?\s*old\b|(?:years?|yrs?)\s+of\s+age\b|year-old\b"),
    ("months_age", r"months?\s*-?\s*old\b|months?\s+of\s+age\b"),
    ("years", r"(?:years?|yrs?)\b"),
    ("months", r"(?:months?|mos?)\b"),
    ("weeks", r"(?:weeks?|wks?)\b"),
    ("days", r"days?\b"),
    ("points", r"(?:points?|pts?|units?|scores?)\b"),
)

# What a threshold reports as its unit when the text's unit is kept (no conversion).
UNIT_LABELS: dict[str, str] = {
    "count_1e9": "x10^9/L",
    "per_ul": "/uL",
    "x_uln": "x ULN",
    "ml_min_173": "mL/min/1.73m2",
    "ml_min": "mL/min",
    "mg_kg_d": "mg/kg/day",
    "mg_kg": "mg/kg",
    "mg_dl": "mg/dL",
    "g_dl": "g/dL",
    "umol_l": "umol/L",
    "mmol_l": "mmol/L",
    "mg_mmol": "mg/mmol",
    "mg_d": "mg/day",
    "g_d": "g/24h",
    "mg_g": "mg/g",
    "g_g": "g/g",
    "g_l": "g/L",
    "iu_ml": "IU/mL",
    "mmhg": "mmHg",
    "ms": "ms",
    "kg_m2": "kg/m2",
    "kg": "kg",
    "mg": "mg",
    "g": "g",
    "pct_pred": "% predicted",
    "pct": "%",
    "years_age": "years",
    "months_age": "months",
    "years": "years",
    "months": "months",
    "weeks": "weeks",
    "days": "days",
    "titer": "1:x",
}

UNIT_KINDS: frozenset[str] = frozenset({kind for kind, _ in _UNIT_PATTERNS} | {"titer", "none"})

# One alternation with a named group per pattern; lastgroup tells which kind matched.
UNIT_PATTERN_SOURCE = "|".join(f"(?P<u{i}>{pattern})" for i, (_, pattern) in enumerate(_UNIT_PATTERNS))
_GROUP_KINDS: dict[str, str] = {f"u{i}": kind for i, (kind, _) in enumerate(_UNIT_PATTERNS)}
_UNIT_RE = re.compile(UNIT_PATTERN_SOURCE)


def match_unit(text: str, pos: int) -> tuple[str, int] | None:
    """The unit kind written at `pos` (after optional spaces) and where it ends, or None."""
    found = _UNIT_RE.match(text, pos)
    if found is None or found.lastgroup is None:
        return None
    return _GROUP_KINDS[found.lastgroup], found.end()
