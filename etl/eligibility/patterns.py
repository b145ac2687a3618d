"""Numbers and comparison words as regular expressions over normalised criteria text."""

from __future__ import annotations

import re

NUMBER_WORDS: dict[str, float] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_WORDS = "|".join(NUMBER_WORDS)

# A plain number: 1,500 / 3.0 / .5 ; never part of a dotted section number such as 4.1.2.
# Thousands may be grouped with commas, or with spaces before a count unit ("100 000/mm3").
NUMBER_CORE = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d{1,3}(?: \d{3})+(?=\s*(?:/|cells|per\s))"
    r"|\d+(?:\.\d+)?(?!\d)(?!\.\d)|\.\d+(?!\d)"
)
# Values: digits (titre 1:80 included) and, only in clauses that contain one, number words. Two
# simple patterns scan faster than one alternation; is_value_start() rejects numbers glued to a
# word (SLEDAI-2K, CD19, COVID-19, x10^9).
NUMBER_RE = re.compile(rf"1\s*:\s*(?P<titer>\d+)|(?P<num>{NUMBER_CORE})")
WORD_NUMBER_RE = re.compile(rf"(?P<word>{_WORDS})(?![a-z])")
_DIGIT_RE = re.compile(r"\d")


def has_number(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether a stretch of text holds a digit or a number word (a cheap prefilter)."""
    end = len(text) if end is None else end
    if _DIGIT_RE.search(text, start, end) is not None:
        return True
    stretch = text[start:end]
    return any(word in stretch for word in NUMBER_WORDS)


def iter_numbers(text: str, start: int, end: int) -> list[re.Match[str]]:
    """Every value in a clause, left to right (digits, then number words merged in)."""
    numbers = list(NUMBER_RE.finditer(text, start, end))
    stretch = text[start:end]
    if any(word in stretch for word in NUMBER_WORDS):
        numbers.extend(WORD_NUMBER_RE.finditer(text, start, end))
        numbers.sort(key=lambda found: found.start())
    return numbers


# Comparison words that come before a value. Symbols are normalised (≧ -> ≥, ＞ -> >) beforehand.
_GE = (
    r"≥\s*=?|>\s*/?\s*=|>\s+or\s+=|=\s*>|(?<![a-z])(?:(?:greater|more|higher)\s+than\s+or\s+equal\s+to|equal\s+to\s+or\s+"
    r"(?:greater|more|higher)\s+than|at\s+least|not\s+(?:less|lower|fewer)\s+than|no\s+(?:less|lower|fewer)"
    r"\s+than|not\s+below|(?:a\s+)?minimum(?:\s+(?:daily\s+)?(?:dose|dosage|value|level))?(?:\s+of)?|min\.?)"
)
_LE = (
    r"≤\s*=?|<\s*/?\s*=|<\s+or\s+=|=\s*<|(?<![a-z])(?:(?:less|lower|fewer)\s+than\s+or\s+equal\s+to|equal\s+to\s+or\s+"
    r"(?:less|lower|fewer)\s+than|at\s+most|not\s+(?:more|greater|higher)\s+than|no\s+(?:more|greater|higher)"
    r"\s+than|not\s+(?:exceeding|exceed|to\s+exceed|above)|(?:does|do|should|must|shall|may)\s+not\s+exceed"
    r"|up\s+to|(?:a\s+)?max(?:imum|\.)?(?:\s+(?:daily\s+)?(?:dose|dosage)(?:\s+of\s+[a-z][a-z\- ]{0,30}?)?"
    r"(?:\s+(?:is|was|of))?)?(?:\s+of)?)"
)
_GT = (
    r">|(?<![a-z])(?:greater\s+than|more\s+than|higher\s+than|above|over|exceed(?:s|ing)?|in\s+excess\s+of"
    r"|older\s+than|longer\s+than)"
)
_LT = r"<|(?<![a-z])(?:less\s+than|lower\s+than|fewer\s+than|below|under|younger\s+than|shorter\s+than)"
_EQ = r"=|(?<![a-z])(?:equal\s+to|equals)"
_WITHIN = r"(?<![a-z])within(?:\s+(?:the\s+)?(?:past|last|previous|preceding|first))?"
OP_BEFORE_RE = re.compile(
    rf"(?:(?P<ge>{_GE})|(?P<le>{_LE})|(?P<gt>{_GT})|(?P<lt>{_LT})|(?P<eq>{_EQ})|(?P<within>{_WITHIN}))"
    r"\s*:?\s*$"
)
# The same words for counted things ("at least 2 prior therapies"), anchored where the count starts.
COUNT_OP_RE = re.compile(rf"(?:(?P<ge>{_GE})|(?P<gt>{_GT})|(?P<le>{_LE})|(?P<lt>{_LT}))\s*$")
_OP_CHARS = frozenset("≥≤<>=:")


def find_op_before(text: str, start: int, number_start: int) -> re.Match[str] | None:
    """The comparison written right before a number ('≥', 'at least', 'not exceeding', ...).
    The window is kept small because the engine tries every position in it."""
    position = number_start
    while position > start and text[position - 1] == " ":
        position -= 1
    if position == start:
        return None
    before = text[position - 1]
    if before in _OP_CHARS:
        width = 6
    elif before.isalpha():
        width = 70 if "max" in text[max(start, position - 70) : position] else 32
    else:
        return None
    return OP_BEFORE_RE.search(text, max(start, number_start - width), number_start)


OP_SYMBOLS: dict[str, str] = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "eq": "==", "within": "<="}

# Comparison words after a value: "18 years or older", "10 years or less".
POST_OP_RE = re.compile(
    r"\s*(?:(?P<ge>or\s+(?:more|greater|higher|above|older|longer|over)|and\s+(?:above|over|older|more))"
    r"|(?P<le>or\s+(?:less|fewer|lower|below|younger|under|shorter)|and\s+(?:below|under|younger|less)))"
    r"(?![a-z])"
)
# A second number making a range: 18-70, 18~65, 18 to 65, (between) 18 and 65, 0 or 1.
RANGE_TAIL_RE = re.compile(
    rf"\s*(?P<sep>-|~|to(?![a-z])|and(?![a-z])|or(?![a-z]))\s*(?P<hiop><=|≤|<)?\s*(?P<hi>{NUMBER_CORE})"
)
BETWEEN_RE = re.compile(r"(?<![a-z])(?:between|from|range\s+(?:of|from)?)(?:\s+the\s+ages?\s+of)?\s*$")


def is_value_start(text: str, position: int) -> bool:
    """Whether a number found at `position` stands on its own (not '2' of 'SLEDAI-2K' or 'CD19')."""
    if position == 0:
        return True
    before = text[position - 1]
    if before.isalnum() or before in "._":
        return False
    return not (before == "-" and position > 1 and text[position - 2].isalpha())


def read_number(found: re.Match[str]) -> float:
    """The value of a NUMBER_RE match (titre 1:80 -> 80, 'two' -> 2, '1,500' -> 1500)."""
    groups = found.groupdict()
    if groups.get("titer") is not None:
        return float(groups["titer"])
    if groups.get("word") is not None:
        return NUMBER_WORDS[groups["word"]]
    return float(found.group("num").replace(",", "").replace(" ", ""))


def read_op(found: re.Match[str]) -> str:
    """The operator symbol of a match with named groups ge / le / gt / lt / eq / within."""
    return OP_SYMBOLS[found.lastgroup or ""]
