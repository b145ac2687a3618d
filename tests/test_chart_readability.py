"""Charts a reader can read: heatmaps dark where the counts are high, colours that never mean two things,
legends by count, labels cut only between words, and registry text shown as text, never as markup."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
import pytest

from landscape import charts
from landscape.chart_text import escape_plotly_text, shorten_label, wrap_lines
from landscape.colors import (
    FAMILY_COLORS,
    MODALITY_COLORS,
    OTHER_COLOR,
    PHASE_COLORS,
    SEQUENTIAL_SCALES,
    SHARED_NEUTRALS,
    SPONSOR_CLASS_COLORS,
    STATUS_GROUP_COLORS,
    TARGET_COLORS,
    TARGET_FAMILY_COLORS,
    interpolate_scale,
    map_target_colors,
    measure_luminance,
    name_hue_family,
)

ROOT = Path(__file__).resolve().parents[1]
# Target labels of the bundled snapshot, most trials first (as the pages pass them).
SNAPSHOT_TARGETS = [
    "CD19",
    "CD19/BCMA",
    "undisclosed",
    "BCMA",
    "CD19/CD20",
    "CD7",
    "BCMA/CD20",
    "BAFF-R",
    "BCMA/CD70",
    "CD6",
    "CD20",
    "CD19/CD70",
    "CD19/DSG3 (CAAR)",
    "CD70",
    "MuSK (CAAR)",
    "CD19/BAFF-R",
    "CD19/BCMA/CD22",
]


def _scales_used_by_pages() -> set[str]:
    names = set()
    for page in (ROOT / "pages").rglob("*.py"):
        names.update(re.findall(r"colorscale=\"(\w+)\"", page.read_text(encoding="utf-8")))
    return names | {"Blues"}  # the draw_matrix default


# --- heatmaps -------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale_name", sorted(_scales_used_by_pages() | set(SEQUENTIAL_SCALES)))
def test_the_largest_heatmap_cell_is_the_darkest(scale_name: str) -> None:
    assert scale_name in SEQUENTIAL_SCALES, f"pages use {scale_name!r}, which has no explicit scale"
    counts = [48, 1, 12, 30, 3]
    frame = pl.DataFrame(
        {"condition": ["SLE", "SLE", "SSc", "MS", "MS"], "antigen": ["CD19", "BCMA", "CD19", "CD19", "CD7"]}
    ).with_columns(pl.Series("n", counts))
    fig = charts.draw_matrix(
        frame, "condition", "antigen", "n", "T", "Condition", "Target", colorscale=scale_name
    )
    heat = fig.data[0]
    scale = [[float(position), str(color)] for position, color in heat.colorscale]
    assert not isinstance(heat.colorscale, str), "an explicit list, never a name plotly.js resolves"
    assert heat.zmin == 0 and heat.zmax == max(counts)
    # Light = few: luminance falls (or stays) from the first stop to the last.
    stops = [measure_luminance(color) for _, color in scale]
    assert stops == sorted(stops, reverse=True)
    cell_lum = [measure_luminance(interpolate_scale(scale, v / heat.zmax)) for v in counts]
    assert cell_lum.index(min(cell_lum)) == counts.index(max(counts)), "the fullest cell is the darkest"
    # Each number contrasts with its own cell: white on the darkest, dark on the palest.
    text_colors = list(fig.data[1].textfont.color)
    assert text_colors[counts.index(48)] == "#ffffff"
    assert text_colors[counts.index(1)] == "#222222"


def test_an_unknown_scale_name_falls_back_to_an_explicit_sequential_scale() -> None:
    frame = pl.DataFrame({"x": ["a"], "y": ["b"], "n": [2]})
    fig = charts.draw_matrix(frame, "x", "y", "n", "T", "X", "Y", colorscale="Viridisish")
    assert [c for _, c in fig.data[0].colorscale] == list(SEQUENTIAL_SCALES["Blues"])


# --- colours --------------------------------------------------------------------------------------


def test_the_hue_family_names_catch_the_old_look_alikes() -> None:
    # The palette before: three greys (CD6, undisclosed, other), two browns (CD7, MuSK), two blues.
    assert {name_hue_family(c) for c in ("#7f7f7f", "#c7c7c7", "#e5e5e5")} == {"grey"}
    assert {name_hue_family(c) for c in ("#8c564b", "#c49c94")} == {"brown"}
    assert {name_hue_family(c) for c in ("#1f77b4", "#aec7e8")} == {"blue"}
    assert len({name_hue_family(c) for c in TARGET_FAMILY_COLORS.values()}) == len(TARGET_FAMILY_COLORS)


@pytest.mark.parametrize("size", [5, 9, 12, len(SNAPSHOT_TARGETS)])
def test_no_two_targets_in_one_legend_share_a_hue_family(size: int) -> None:
    labels = SNAPSHOT_TARGETS[:size]
    colors = map_target_colors(labels)
    coloured = [c for c in colors.values() if c not in SHARED_NEUTRALS]
    families = [name_hue_family(c) for c in coloured]
    assert len(families) == len(set(families)), dict(zip(labels, families, strict=False))
    assert colors["CD19"] == TARGET_COLORS["CD19"], "the most common target keeps its colour everywhere"


def test_targets_past_the_last_free_family_share_one_other_legend_entry() -> None:
    labels = SNAPSHOT_TARGETS
    frame = pl.DataFrame(
        {"year": [2024] * len(labels), "target": labels, "n": list(range(len(labels), 0, -1))}
    )
    fig = charts.draw_bar(
        frame, "year", "n", "T", "Year", "Trials", color="target", color_map=map_target_colors(labels)
    )
    shown = [t for t in fig.data if t.showlegend is not False]
    colors = [t.marker.color for t in shown]
    families = [name_hue_family(c) for c in colors if c not in SHARED_NEUTRALS]
    assert len(families) == len(set(families))
    assert [t.name for t in shown].count("other") == 1
    assert colors.count(OTHER_COLOR) == 1


def _lab(hex_color: str) -> tuple[float, float, float]:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(hex_color[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_one_colour_never_means_two_dimensions() -> None:
    # Status, condition family, modality, sponsor class, phase and target each have their own palette:
    # no colour of one is within a just-noticeable-at-a-glance distance (CIE76 delta E < 10) of another's.
    # The shared neutrals mean the same everywhere ("not stated", "other") and are exempt.
    palettes = {
        "target": set(TARGET_FAMILY_COLORS.values()),
        "family": set(FAMILY_COLORS.values()),
        "modality": set(MODALITY_COLORS.values()),
        "status": set(STATUS_GROUP_COLORS.values()),
        "sponsor class": set(SPONSOR_CLASS_COLORS.values()),
        "phase": set(PHASE_COLORS.values()),
    }
    clashes = []
    for (name_a, colors_a), (name_b, colors_b) in itertools.combinations(palettes.items(), 2):
        for a, b in itertools.product(colors_a - SHARED_NEUTRALS, colors_b - SHARED_NEUTRALS):
            distance = sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5
            if distance < 10:
                clashes.append(f"{name_a} {a} ~ {name_b} {b} ({distance:.1f})")
    assert not clashes, clashes
    assert set(TARGET_COLORS.values()) <= set(TARGET_FAMILY_COLORS.values()) | SHARED_NEUTRALS


def test_legends_list_entries_by_count_unless_the_page_orders_an_ordered_scale() -> None:
    frame = pl.DataFrame(
        {"year": [2023, 2024, 2024, 2025, 2025], "group": ["A", "B", "C", "B", "C"], "n": [1, 4, 2, 3, 2]}
    )
    bars = charts.draw_bar(frame, "year", "n", "T", "Year", "Trials", color="group")
    assert [t.name for t in bars.data] == ["B", "C", "A"]
    ordered = charts.draw_bar(
        frame, "year", "n", "T", "Year", "Trials", color="group", color_order=["A", "B", "C"]
    )
    assert [t.name for t in ordered.data] == ["A", "B", "C"]
    cumulative = pl.DataFrame(
        {"year": [2023, 2024, 2023, 2024], "g": ["X", "X", "Y", "Y"], "n": [1, 2, 3, 9]}
    )
    lines = charts.draw_lines(cumulative, "year", "n", "g", "T", "Year", "Trials")
    assert [t.name for t in lines.data] == ["Y", "X"]
    products = pl.DataFrame(
        {"p": ["a", "b", "c"], "rank": [2, 2, 4], "phase": ["Phase 1"] * 3, "t": ["BCMA", "CD19", "CD19"]}
    )
    pipeline = charts.draw_pipeline(products, "p", "rank", "phase", "t", "T")
    assert [t.name for t in pipeline.data] == ["CD19", "BCMA"]


# --- labels ---------------------------------------------------------------------------------------

SPONSORS = [
    "Children's Hospital of Zhejiang University School of Medicine",
    "Union Hospital, Tongji Medical College, Huazhong University of Science and Technology",
    "Juno Therapeutics, Inc., a Bristol-Myers Squibb Company",
    "The First Affiliated Hospital of Soochow University",
]
_BOUNDARY = re.compile(r"[\s\-/]")


@pytest.mark.parametrize("name", SPONSORS)
@pytest.mark.parametrize("limit", [18, 28, 42])
def test_labels_are_shortened_between_words(name: str, limit: int) -> None:
    short = shorten_label(name, limit)
    assert len(short) <= limit
    kept = short.removesuffix("…")
    assert name.startswith(kept)
    rest = name[len(kept) :]
    assert not rest or _BOUNDARY.match(rest[0]) or _BOUNDARY.match(kept[-1]), f"cut mid-word: {short!r}"


@pytest.mark.parametrize("name", SPONSORS)
def test_wrapped_labels_keep_every_word_whole(name: str) -> None:
    lines = wrap_lines(name, 24, max_lines=2)
    assert 1 <= len(lines) <= 2
    words = set(re.split(r"[\s\-/]+", name))
    for line in lines:
        for word in re.split(r"[\s\-/]+", line.removesuffix("…")):
            assert not word or word in words, f"{word!r} is not a whole word of {name!r}"


def test_sponsor_bars_wrap_names_and_hover_the_full_text() -> None:
    frame = pl.DataFrame({"sponsor": SPONSORS, "n": [9, 7, 5, 3]})
    fig = charts.draw_bar(frame, "sponsor", "n", "T", "Lead sponsor", "Trials", horizontal=True)
    ticks = list(fig.data[0].y)
    assert any("<br>" in tick for tick in ticks)
    assert list(fig.data[0].hovertext) == [escape_plotly_text(s) for s in SPONSORS]
    # Two names that shorten alike stay two bars.
    twins = pl.DataFrame(
        {"s": ["A very long sponsor name number one", "A very long sponsor name number two"]}
    )
    twin_fig = charts.draw_bar(twins.with_columns(n=pl.lit(1)), "s", "n", "T", "S", "Trials", horizontal=True)
    assert len(set(twin_fig.data[0].y)) == 2


def test_heatmap_axes_wrap_between_words() -> None:
    long = "autoimmune disease (unspecified)"
    frame = pl.DataFrame({"c": [long, "SLE"], "a": ["CD19", "CD19"], "n": [3, 4]})
    fig = charts.draw_matrix(frame, "c", "a", "n", "T", "Condition", "Target")
    assert "autoimmune disease<br>(unspecified)" in list(fig.data[0].x)
    assert fig.data[1].hovertext[0] == f"CD19 × {long}"
    # Past eight columns the labels stand upright on one line, still cut only between words.
    many = pl.DataFrame({"c": [f"{long} {i}" for i in range(10)], "a": ["CD19"] * 10, "n": list(range(10))})
    upright = charts.draw_matrix(many, "c", "a", "n", "T", "Condition", "Target")
    assert upright.layout.xaxis.tickangle == -90
    assert all("<br>" not in label and label.startswith("autoimmune disease") for label in upright.data[0].x)


# --- registry text is text ------------------------------------------------------------------------

EVIL = '<a href="x">Evil Pharma</a> <b>bold</b>'


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k != "customdata" for s in _strings(v, f"{path}.{k}")]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v, path)]
    return []


def _evil_figures() -> list[go.Figure]:
    bars = pl.DataFrame({"year": [2024, 2024], "target": [EVIL, "CD19"], "n": [2, 3]})
    spans = pl.DataFrame(
        {
            "label": [f"NCT1 {EVIL}"],
            "start": [date(2024, 1, 1)],
            "finish": [date(2026, 1, 1)],
            "finish_known": [True],
            "hover": [f"NCT1 · {EVIL}<br>start 2024"],
            "group": [EVIL],
        }
    )
    stats = pl.DataFrame(
        {"phase": [EVIL], "lo": [1], "q1": [2.0], "median": [3.0], "q3": [4.0], "hi": [5], "n": [3]}
    )
    products = pl.DataFrame({"product": [EVIL], "rank": [2], "phase": ["Phase 1"], "t": [EVIL]})
    windows = pl.DataFrame({"window": [EVIL], "lo": [18.0], "hi": [65.0]})
    family = pl.DataFrame({"family": [EVIL], "entity": [EVIL], "n": [5]})
    points = pl.DataFrame(
        {"lon": [1.0], "lat": [2.0], "size_value": [1], "kind": ["site"], "hover": [EVIL], "country": ["X"]}
    )
    return [
        charts.draw_bar(bars, "year", "n", "T", "Year", "Trials", color="target", custom=["target"]),
        charts.draw_bar(bars, "target", "n", "T", "Target", "Trials", horizontal=True, custom=["target"]),
        charts.draw_bar(bars, "target", "n", "T", "Target", "Trials"),
        charts.draw_matrix(bars, "year", "target", "n", "T", "Year", "Target", custom=["target"]),
        charts.draw_matrix(bars, "target", "year", "n", "T", "Target", "Year"),
        charts.draw_lines(bars, "year", "n", "target", "T", "Year", "Trials"),
        charts.draw_treemap(family, "family", "entity", "n", "T"),
        charts.draw_box_stats(stats, "phase", "T", "Phase", "Participants"),
        charts.draw_gantt(spans, "T", color="group"),
        charts.draw_site_map(points, "T"),
        charts.draw_pipeline(products, "product", "rank", "phase", "t", "T", custom=["product"]),
        charts.draw_ranges(windows, "window", "lo", "hi", "window", "T", "Age (years)", open_high=90.0),
    ]


@pytest.mark.parametrize("index", range(12))
def test_registry_text_reaches_the_figure_escaped(index: int) -> None:
    fig = _evil_figures()[index]
    texts = _strings(fig.to_dict())
    leaked = [(p, t) for p, t in texts if re.search(r"<a\b|<b>|</a>", t)]
    assert not leaked, leaked
    assert any('&lt;a href="x"&gt;Evil Pharma&lt;/a&gt;' in t for _, t in texts), "the text is still shown"
    assert any("&lt;b&gt;bold&lt;/b&gt;" in t for _, t in texts)


def test_drilldown_values_stay_raw_and_page_line_breaks_stay_breaks() -> None:
    bar = _evil_figures()[1]
    assert list(bar.data[0].customdata[0]) == [EVIL], "customdata holds the filter value as stored"
    gantt = _evil_figures()[8]
    assert gantt.data[0].hovertext[0].endswith("<br>start 2024")
