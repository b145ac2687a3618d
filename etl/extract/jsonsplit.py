"""Split a JSON document into its top-level members without parsing them (for too-deep records).

Python's json module gives up on nesting deeper than the interpreter's recursion limit. One such
record must cost that record, not the page or file it came in: these helpers cut the text into the
top-level members so each can be parsed (or refused) on its own.
"""

from __future__ import annotations

import json
import re

# A whole string literal (escapes included), or one structural character.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]')
_NCT_ID = re.compile(r'"nctId"\s*:\s*"\s*(NCT\d{8})\s*"')


def split_top_level(text: str) -> list[tuple[str | None, str]]:
    """Members of a top-level object as (key, value text), or of an array as (None, item text).

    Raises ValueError when the text is not one object or array that closes.
    """
    start_at = len(text) - len(text.lstrip())
    if start_at >= len(text) or text[start_at] not in "{[":
        raise ValueError("not a JSON object or array")
    is_object = text[start_at] == "{"
    parts: list[tuple[str | None, str]] = []
    depth, start, key = 0, start_at + 1, None
    for match in _TOKEN.finditer(text, start_at):
        token = match.group()
        kind = token[0]
        if kind == '"':
            if is_object and depth == 1 and key is None and not text[start : match.start()].strip():
                key = json.loads(token)
            continue
        if kind in "[{":
            depth += 1
            continue
        if kind in "]}":
            depth -= 1
            if depth == 0:
                piece = text[start : match.start()].strip()
                if piece:
                    parts.append((key, piece))
                if text[match.end() :].strip():
                    raise ValueError("extra data after the document")
                return parts
            continue
        if depth != 1:
            continue
        if kind == ":" and is_object:
            start = match.end()
        elif kind == ",":
            parts.append((key, text[start : match.start()].strip()))
            start, key = match.end(), None
    raise ValueError("the document does not close (cut off?)")


def find_nct_id(text: str) -> str | None:
    """The first `"nctId": "NCT…"` in a record's raw text, for reporting a record that cannot be parsed."""
    match = _NCT_ID.search(text)
    return match.group(1) if match else None
