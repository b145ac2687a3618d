"""Chart label text: registry text escaped for Plotly; labels shortened or wrapped at word boundaries.

Plotly reads a small HTML subset in every label, tick, legend entry and hover (`<a href>` becomes a
clickable link, `<b>` bold, `<br>` a line break) and decodes entities. Registry text is therefore
escaped before it reaches a figure; the chart builders in landscape.charts do it, so no page can forget.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
LINE_BREAK = "<br>"
# Places a label may be broken: after a space, hyphen or slash (the break never splits a word).
_BREAK_AFTER = re.compile(r"(?<=[\s\-/])")
_ESCAPED_BREAK = re.compile(r"&lt;br\s*/?&gt;", re.IGNORECASE)


def escape_plotly_text(text: object, *, keep_breaks: bool = False) -> str:
    """Registry text made inert for Plotly: & < > become entities, so tags show as written.

    keep_breaks turns a newline, or a bare `<br>` that a page wrote into a hover text, into a line
    break (a break is the only markup kept: it cannot link, style or hide anything).
    """
    value = "" if text is None else str(text)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if keep_breaks:
        value = _ESCAPED_BREAK.sub(LINE_BREAK, value).replace("\n", LINE_BREAK)
    return value


def _pieces(text: str) -> list[str]:
    return [p for p in _BREAK_AFTER.split(text) if p]


def shorten_label(text: object, limit: int = 42) -> str:
    """A label cut to at most `limit` characters at a word boundary, with an ellipsis (raw text, not
    escaped). Only a first word longer than the whole limit is cut inside the word."""
    value = "" if text is None else " ".join(str(text).split())
    if len(value) <= limit:
        return value
    kept = ""
    for piece in _pieces(value):
        if len(kept + piece) > limit - 1:
            break
        kept += piece
    if not kept.strip():
        # One word longer than the whole limit: no word boundary to cut at, so cut the word itself.
        return value[: limit - 1] + ELLIPSIS
    return kept.rstrip(" -/") + ELLIPSIS


def wrap_lines(text: object, width: int = 24, max_lines: int = 2) -> list[str]:
    """A label as at most `max_lines` lines of about `width` characters, broken between words; what
    does not fit ends the last line with an ellipsis (raw text, not escaped)."""
    value = "" if text is None else " ".join(str(text).split())
    if max_lines <= 1:
        return [shorten_label(value, width)]
    lines: list[str] = []
    current = ""
    pieces = _pieces(value)
    for index, piece in enumerate(pieces):
        if current and len((current + piece).rstrip()) > width:
            lines.append(current.rstrip())
            current = ""
            if len(lines) == max_lines - 1:
                rest = "".join(pieces[index:])
                lines.append(shorten_label(rest, width))
                return lines
        current += piece
    if current or not lines:
        lines.append(current.rstrip())
    return lines


def wrap_label(text: object, width: int = 24, max_lines: int = 2) -> str:
    """An escaped label wrapped at word boundaries into Plotly lines (joined with <br>)."""
    return LINE_BREAK.join(escape_plotly_text(line) for line in wrap_lines(text, width, max_lines))
