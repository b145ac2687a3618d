"""The bundled world outline (Natural Earth 110m, public domain) and country centres, read once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OUTLINE_PATH = Path(__file__).resolve().parents[1] / "data" / "geo" / "world_110m.json"


@dataclass(frozen=True)
class WorldOutline:
    """Country borders as one line trace (None between rings) and each country's centre."""

    lon: tuple[float | None, ...]
    lat: tuple[float | None, ...]
    centres: dict[str, tuple[float, float]]


def _normalise(name: str) -> str:
    return " ".join(name.casefold().replace("’", "'").split())


@cache
def load_world_outline(path: Path = OUTLINE_PATH) -> WorldOutline:
    """Read the outline file; centres are keyed by normalised country name and alias."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    lon: list[float | None] = []
    lat: list[float | None] = []
    centres: dict[str, tuple[float, float]] = {}
    for country in doc["countries"]:
        for ring in country["rings"]:
            lon.extend(p[0] for p in ring)
            lat.extend(p[1] for p in ring)
            lon.append(None)
            lat.append(None)
        centre = (float(country["centroid"][0]), float(country["centroid"][1]))
        for name in [country["name"], *country["aliases"]]:
            centres[_normalise(name)] = centre
    return WorldOutline(tuple(lon), tuple(lat), centres)


def find_country_centre(name: str, outline: WorldOutline | None = None) -> tuple[float, float] | None:
    """(lon, lat) of a country's centre by its registry name, or None when the outline lacks it."""
    return (outline or load_world_outline()).centres.get(_normalise(name))
