"""Criteria text plumbing: length-preserving normalisation, logical lines, clauses, section headers."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Every replacement is one character for one character, so offsets in the normalised text are
# offsets in the original and a threshold's span can be cut from the words as written.
_CHAR_MAP: dict[str, str] = {
    "≧": "≥",
    "⩾": "≥",
    "≦": "≤",
    "⩽": "≤",
    "＞": ">",
    "＜": "<",
    "＝": "=",
    "≥": "≥",
    "≤": "≤",
    "×": "x",
    "✕": "x",
    "µ": "u",
    "μ": "u",
    "–": "-",
    "—": "-",
    "−": "-",
    "‐": "-",
    "‑": "-",
    "～": "~",
    "〜": "~",
    "：": ":",
    "；": ";",
    "，": ",",
    "（": "(",
    "）": ")",
    "［": "[",
    "］": "]",
    "。": ".",
    "％": "%",
    "²": "2",
    "³": "3",
    "⁹": "9",
    "¹": "1",
    "⁰": "0",
    "’": "'",
    "‘": "'",
    "\\": " ",  # markdown escapes from the registry API: \>= \< \^ \[ \*
    "\t": " ",
    "\u00a0": " ",
    "\u3000": " ",
    "\r": " ",
}
_CHAR_MAP.update({chr(0xFF10 + d): str(d) for d in range(10)})  # full-width digits
_TRANSLATION = str.maketrans(_CHAR_MAP)

_HEADER_WORD_RE = re.compile(r"(non[- ]?inclusion|inclusion|exclusion)s?\b")
# Before a header word on its line: only bullets, numbering and qualifiers ("- Key", "2. Main").
_HEADER_PREFIX_RE = re.compile(
    r"[\s\-•*·‣⁃∙>#\d.)(\[\]]*(?:(?:key|main|major|common|general|specific|additional|other|study|"
    r"patient|participant|disease[- ]specific|[a-z]+[- ]specific)\s+)*$"
)
# After it: "criteria" then a colon, a dash or the end of the line ("Exclusion Criteria (Participants
# meeting any ...):" included); or the line starts with the header word and "criteria" follows.
_HEADER_SUFFIX_RE = re.compile(r"\s*(?:criteri(?:a|on)s?)?\s*(?:\([^)\n]{0,200}\))?\s*(?:[:\-]|$)")
_CRITERIA_RE = re.compile(r"\s*criteri(?:a|on)")
# "... and none of the exclusion criteria" names a section without starting one.
_MENTION_BEFORE_RE = re.compile(
    r"\b(?:the|any|of|all|these|those|following|no|none|meet|meets|meeting|per|see)\s+$"
)

# Clause barriers: semicolons, sentence ends, bullets. A period only ends a sentence when a space
# or the end follows, so decimals (3.0) and "≤65.SSc" stay whole.
_BARRIER_RE = re.compile(r"[;•‣⁃∙◦▪]|\.(?=\s|$)|\s\*(?=\s)")

# A physical line continues the previous one when it starts mid-sentence: lower case, an operator,
# or a number that is not a list marker ("30mg/day prednisone" continues; "2) Age" does not).
_LIST_MARKER_RE = re.compile(r"\(?\d{1,2}(?:\.\d{1,2})*\s*[.)、]\s|\(?[ivx]{1,4}\)\s|[a-z]\)\s")
_CONTINUATION_START = frozenset("abcdefghijklmnopqrstuvwxyz<>≤≥=(%0123456789")
_SENTENCE_END = frozenset(".;:!?。；：")
_BULLET_START = frozenset("-*•‣⁃∙◦▪")


def normalise(text: str) -> str:
    """Lower-case, unify operators/units/escapes; the result has exactly the input's length."""
    translated = text.translate(_TRANSLATION)
    lowered = translated.lower()
    if len(lowered) == len(translated):
        return lowered
    # A few characters grow when lower-cased (İ); keep those as they are to keep offsets.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in translated)


def iter_logical_lines(text: str) -> Iterator[str]:
    """Physical lines, with hard-wrapped continuations joined by a space (same total length)."""
    pending: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if pending and line and _continues(pending[-1], line):
            pending.append(raw)
            continue
        if pending:
            yield " ".join(pending)
        pending = [raw]
    if pending:
        yield " ".join(pending)


def _continues(previous: str, line: str) -> bool:
    """Whether `line` carries on the sentence of `previous` (a hard wrap, not a new item)."""
    if not previous.strip():
        return False
    last = previous.rstrip()[-1]
    first = line[0]
    if last in _SENTENCE_END or first in _BULLET_START:
        return False
    if first not in _CONTINUATION_START and not first.islower():
        return previous.rstrip().endswith((" or", " and", " of", " with", " than", " to", ","))
    return _LIST_MARKER_RE.match(line) is None


def find_clauses(line: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of a normalised line, split at barriers."""
    clauses = []
    start = 0
    for barrier in _BARRIER_RE.finditer(line):
        if barrier.start() > start:
            clauses.append((start, barrier.start()))
        start = barrier.end()
    if start < len(line):
        clauses.append((start, len(line)))
    return clauses


def find_section_headers(line: str) -> list[tuple[int, str]]:
    """(position, 'inclusion' | 'exclusion') for each section header in a normalised line."""
    if "clusion" not in line:
        return []
    headers = []
    for found in _HEADER_WORD_RE.finditer(line):
        if found.start() > 0 and line[found.start() - 1].isalnum():
            continue
        at_line_start = _HEADER_PREFIX_RE.fullmatch(line, 0, found.start()) is not None
        suffix_ok = _HEADER_SUFFIX_RE.match(line, found.end()) is not None
        names_criteria = _CRITERIA_RE.match(line, found.end()) is not None
        mention = (
            not at_line_start
            and _MENTION_BEFORE_RE.search(line, max(0, found.start() - 20), found.start()) is not None
        )
        if (suffix_ok and not mention) or (at_line_start and names_criteria):
            kind = "inclusion" if found.group(1) == "inclusion" else "exclusion"
            headers.append((found.start(), kind))
    return headers
