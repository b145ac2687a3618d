"""One colour per target, condition family, modality, status, phase and sponsor class, on every page.

Each dimension has its own palette family, so one colour never means a status on one chart and a
condition family or a modality on the chart beside it (tests/test_chart_colors.py measures the
distances). Two shared neutrals are the exception, and they mean the same thing everywhere:
NOT_STATED_COLOR (the record does not say) and OTHER_COLOR (the rest, grouped).
"""

from __future__ import annotations

import colorsys
import hashlib
import itertools
from collections.abc import Iterable

from etl.schema import SPONSOR_CLASSES, STATUS_GROUPS

NOT_STATED_COLOR = "#d9d9d9"
OTHER_COLOR = "#9a9a9a"
SHARED_NEUTRALS: frozenset[str] = frozenset({NOT_STATED_COLOR, OTHER_COLOR})

# Targets: one colour per hue family (Tableau 10). A legend never shows two targets of one family:
# map_target_colors gives a later (rarer) target the next family no earlier target in that legend uses.
TARGET_FAMILY_COLORS: dict[str, str] = {
    "blue": "#1f77b4",
    "purple": "#9467bd",
    "red": "#d62728",
    "teal": "#17becf",
    "orange": "#ff7f0e",
    "green": "#2ca02c",
    "brown": "#8c564b",
    "magenta": "#e377c2",
    "yellow": "#bcbd22",
}
# Antigens and constructs by how often they appear, each with its preferred family colour.
TARGET_COLORS: dict[str, str] = {
    "CD19": TARGET_FAMILY_COLORS["blue"],
    "CD19/BCMA": TARGET_FAMILY_COLORS["purple"],
    "BCMA": TARGET_FAMILY_COLORS["red"],
    "CD19/CD20": TARGET_FAMILY_COLORS["teal"],
    "CD7": TARGET_FAMILY_COLORS["brown"],
    "BCMA/CD20": TARGET_FAMILY_COLORS["orange"],
    "BAFF-R": TARGET_FAMILY_COLORS["green"],
    "BCMA/CD70": TARGET_FAMILY_COLORS["magenta"],
    "CD20": TARGET_FAMILY_COLORS["yellow"],
    "CD6": TARGET_FAMILY_COLORS["orange"],
    "CD19/CD70": TARGET_FAMILY_COLORS["magenta"],
    "CD70": TARGET_FAMILY_COLORS["yellow"],
    "CD22": TARGET_FAMILY_COLORS["orange"],
    "CD19/CD22": TARGET_FAMILY_COLORS["yellow"],
    "CD5": TARGET_FAMILY_COLORS["teal"],
    "CD38": TARGET_FAMILY_COLORS["green"],
    "TACI": TARGET_FAMILY_COLORS["brown"],
    "DSG3 (CAAR)": TARGET_FAMILY_COLORS["magenta"],
    "MuSK (CAAR)": TARGET_FAMILY_COLORS["green"],
    "PLA2R (CAAR)": TARGET_FAMILY_COLORS["brown"],
    "BAFF ligand": TARGET_FAMILY_COLORS["yellow"],
    "APRIL ligand": TARGET_FAMILY_COLORS["teal"],
    "undisclosed": NOT_STATED_COLOR,
    "other": OTHER_COLOR,
}
# Labels outside every fixed map hash into this palette (the target family colours): stable across
# pages and sessions because the hash does not depend on Python's per-process salt.
_EXTRA_PALETTE: tuple[str, ...] = tuple(TARGET_FAMILY_COLORS.values())

# Condition families: ColorBrewer Dark2 (deeper, earthier than the target palette).
FAMILY_COLORS: dict[str, str] = {
    "rheumatic": "#d95f02",
    "neurologic": "#7570b3",
    "renal": "#1b9e77",
    "haematologic": "#e7298a",
    "dermatologic": "#e6ab02",
    "endocrine": "#a6761d",
    "GI": "#66a61e",
    "other": OTHER_COLOR,
}

# Modalities: Paul Tol's "muted" scheme (softer than targets, darker than the status colours).
MODALITY_COLORS: dict[str, str] = {
    "Autologous CAR-T": "#332288",
    "Allogeneic CAR-T": "#88ccee",
    "CAR-T (unspecified)": "#999933",
    "In vivo CAR": "#cc6677",
    "mRNA CAR-T": "#ddcc77",
    "CAR-NK": "#117733",
    "CAAR-T": "#aa4499",
    "CAR-Treg": "#882255",
    "CAR-γδ T": "#6699cc",
    "unclear": NOT_STATED_COLOR,
}

# Statuses: traffic-light meaning (open green, winding down amber, over slate).
STATUS_GROUP_COLORS: dict[str, str] = {
    "open": "#5aae61",
    "active, not recruiting": "#fdb863",
    "closed": "#5a6f8f",
    # The registry's own UNKNOWN ("not verified for two years"), kept apart from "not stated".
    "unknown": "#c2a5cf",
    "not stated": NOT_STATED_COLOR,
}
# Display orders are the warehouse contract's label sets (their one home is etl/schema.py); a
# missing status is 'not stated', drawn last.
STATUS_GROUP_ORDER: tuple[str, ...] = (*STATUS_GROUPS, "not stated")
# "Open / not open" charts: not open is every non-open status, drawn as a pale status grey-blue.
NOT_OPEN_COLOR = "#c9d3e0"

SPONSOR_CLASS_COLORS: dict[str, str] = {
    "industry": "#3a86ff",
    "academic/hospital": "#ff006e",
    "government": "#fb5607",
    "other": OTHER_COLOR,
}
SPONSOR_CLASS_ORDER: tuple[str, ...] = SPONSOR_CLASSES

# Phases by rank: light to dark (reversed viridis), so "further along" reads as "darker" on every
# chart, in hues no target, family or modality uses at those lightnesses.
PHASE_COLORS: dict[str, str] = {
    "Early Phase 1": "#fde725",
    "Phase 1": "#a0da39",
    "Phase 1/2": "#4ac16d",
    "Phase 2": "#21918c",
    "Phase 2/3": "#277f8e",
    "Phase 3": "#365c8d",
    "Phase 4": "#46327e",
    "Not applicable": "#c8bfa8",
    "Not stated": NOT_STATED_COLOR,
}

# Sequential scales for heatmaps, light = few, dark = many (ColorBrewer 9-class, lightest first).
# Plotly.js resolves a named scale ("Blues") without validation and runs some of them dark to light,
# so charts pass these explicit lists.
SEQUENTIAL_SCALES: dict[str, tuple[str, ...]] = {
    "Blues": (
        "#f7fbff",
        "#deebf7",
        "#c6dbef",
        "#9ecae1",
        "#6baed6",
        "#4292c6",
        "#2171b5",
        "#08519c",
        "#08306b",
    ),
    "Greens": (
        "#f7fcf5",
        "#e5f5e0",
        "#c7e9c0",
        "#a1d99b",
        "#74c476",
        "#41ab5d",
        "#238b45",
        "#006d2c",
        "#00441b",
    ),
    "Purples": (
        "#fcfbfd",
        "#efedf5",
        "#dadaeb",
        "#bcbddc",
        "#9e9ac8",
        "#807dba",
        "#6a51a3",
        "#54278f",
        "#3f007d",
    ),
    "Oranges": (
        "#fff5eb",
        "#fee6ce",
        "#fdd0a2",
        "#fdae6b",
        "#fd8d3c",
        "#f16913",
        "#d94801",
        "#a63603",
        "#7f2704",
    ),
}
DEFAULT_SEQUENTIAL = "Blues"


def pick_stable_color(label: str, fixed: dict[str, str]) -> str:
    """The fixed colour of a label, else one chosen from its hash (the same on every page)."""
    if label in fixed:
        return fixed[label]
    digest = hashlib.blake2s(label.encode(), digest_size=2).digest()
    return _EXTRA_PALETTE[int.from_bytes(digest, "big") % len(_EXTRA_PALETTE)]


def name_hue_family(hex_color: str) -> str:
    """The hue family a reader would name a colour by: grey, brown, red, orange, yellow, green, teal,
    blue, purple or magenta (light and dark shades of one hue are one family)."""
    red, green, blue = (int(hex_color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    degrees = hue * 360
    if saturation < 0.15 or lightness > 0.95 or lightness < 0.08:
        return "grey"
    warm = degrees < 50 or degrees >= 345
    if warm and (saturation < 0.5 or lightness < 0.3):
        return "brown"
    for upper, family in (
        (15, "red"),
        (45, "orange"),
        (75, "yellow"),
        (165, "green"),
        (195, "teal"),
        (255, "blue"),
        (290, "purple"),
        (345, "magenta"),
    ):
        if degrees < upper:
            return family
    return "red"


def map_target_colors(labels: Iterable[str]) -> dict[str, str]:
    """Target label -> colour for the labels one chart shows, most frequent first.

    Each label keeps its usual colour unless an earlier label in this legend already uses that hue
    family; then it takes the first family still free, so no two targets in one legend look alike.
    The neutrals (undisclosed, other) are exempt. Past nine coloured targets every family is taken,
    so the rest are drawn in OTHER_COLOR and the chart lists them as one "other" legend entry.
    """
    colors: dict[str, str] = {}
    used: set[str] = set()
    for label in dict.fromkeys(labels):
        color = pick_stable_color(label, TARGET_COLORS)
        if color in SHARED_NEUTRALS:
            colors[label] = color
            continue
        family = name_hue_family(color)
        if family in used:
            # Least prominent families first, so a rare target does not borrow CD19's blue.
            free = [c for c in reversed(TARGET_FAMILY_COLORS.values()) if name_hue_family(c) not in used]
            if not free:
                # Every family is taken: the rest are drawn as "other" (charts merge their legend entries).
                colors[label] = OTHER_COLOR
                continue
            color = free[0]
            family = name_hue_family(color)
        used.add(family)
        colors[label] = color
    return colors


def map_family_colors(labels: Iterable[str]) -> dict[str, str]:
    """Condition family -> colour for the families a chart shows."""
    return {label: pick_stable_color(label, FAMILY_COLORS) for label in labels}


def measure_luminance(hex_color: str) -> float:
    """WCAG relative luminance of '#rrggbb' (0 black .. 1 white)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    value = hex_color.lstrip("#")
    r, g, b = (linear(int(value[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def resolve_sequential_scale(name: str | None) -> list[list[float | str]]:
    """A named sequential scale as Plotly's explicit [[position, colour], ...] list, light first."""
    stops = SEQUENTIAL_SCALES.get(name or "", SEQUENTIAL_SCALES[DEFAULT_SEQUENTIAL])
    last = len(stops) - 1
    return [[round(i / last, 4), color] for i, color in enumerate(stops)]


def interpolate_scale(scale: list[list[float | str]], share: float) -> str:
    """The colour at `share` (0..1) along an explicit scale, mixed linearly between its stops."""
    share = min(max(share, 0.0), 1.0)
    for (lo, lo_color), (hi, hi_color) in itertools.pairwise(scale):
        if share <= float(hi):
            t = 0.0 if float(hi) == float(lo) else (share - float(lo)) / (float(hi) - float(lo))
            a = [int(str(lo_color)[i : i + 2], 16) for i in (1, 3, 5)]
            b = [int(str(hi_color)[i : i + 2], 16) for i in (1, 3, 5)]
            return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))
    return str(scale[-1][1])


def pick_text_color(background: str) -> str:
    """Dark or white text, whichever contrasts more with the background colour."""
    lum = measure_luminance(background)
    dark = measure_luminance("#222222")
    contrast_dark = (lum + 0.05) / (dark + 0.05)
    contrast_white = 1.05 / (lum + 0.05)
    return "#222222" if contrast_dark >= contrast_white else "#ffffff"
