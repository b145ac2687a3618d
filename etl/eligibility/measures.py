"""The measure vocabulary (data/vocab/eligibility_measures.csv) compiled for the parser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from etl.eligibility.units import UNIT_KINDS, UNIT_LABELS
from etl.vocab import VocabularyError, load_vocabulary

VOCABULARY = "eligibility_measures"
REQUIRED_COLUMNS = ("measure", "concept", "unit", "units", "plausible")
_FLAGS = frozenset({"short_gap", "right", "within", "or_range"})


@dataclass(frozen=True, slots=True)
class UnitRule:
    """One way a concept's value can be stated: unit kind -> measure, factor and plausible range."""

    measure: str
    factor: float
    low: float
    high: float
    unit: str


@dataclass(frozen=True, slots=True)
class Concept:
    """A family of words naming one quantity; the stated unit picks the measure."""

    name: str
    order: int
    rules: dict[str, tuple[UnitRule, ...]]
    flags: frozenset[str]
    pattern: re.Pattern[str] | None
    stems: tuple[str, ...]
    not_after: re.Pattern[str] | None
    gap_stop: re.Pattern[str] | None

    def is_named_at(self, text: str, start: int, clause_start: int) -> bool:
        """Whether a keyword match at `start` is a word of its own and not cancelled by the words
        before it ('childbearing age')."""
        if start > 0 and text[start - 1].isalnum():
            return False
        return (
            self.not_after is None
            or self.not_after.search(text, max(clause_start, start - 30), start) is None
        )


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Everything the parser needs from the measure file."""

    concepts: dict[str, Concept]
    searchable: tuple[Concept, ...]
    keyword_re: re.Pattern[str]
    group_concepts: dict[str, str]
    measure_units: dict[str, str]
    special_rules: dict[str, tuple[UnitRule, ...]]
    all_stems: tuple[str, ...]

    def concept_at(self, text: str, position: int, clause_start: int) -> tuple[Concept, int] | None:
        """The concept whose keyword starts exactly at `position`, and where that keyword ends."""
        found = self.keyword_re.match(text, position)
        if found is None or found.lastgroup is None:
            return None
        concept = self.concepts[self.group_concepts[found.lastgroup]]
        return (concept, found.end()) if concept.is_named_at(text, position, clause_start) else None


def resolve_measure(concept: Concept, kind: str, value: float) -> tuple[UnitRule, float] | None:
    """The rule for a value stated in unit `kind`, and the value converted; None when none fits."""
    for rule in concept.rules.get(kind, ()):
        converted = value * rule.factor
        if rule.low <= converted <= rule.high:
            return rule, converted
    return None


def _check_alternatives(concept: str, pattern: str, stems: tuple[str, ...]) -> None:
    """Every top-level alternative must start with a letter or digit, and one of the words every
    match of it contains must hold a stem, so the stem prefilter never hides a keyword."""
    for alternative in _split_alternatives(pattern):
        if not alternative[:1].isascii() or not alternative[:1].isalnum():
            raise VocabularyError(
                f"{VOCABULARY}: a keyword alternative of {concept} starts with {alternative[:1]!r}"
            )
        words = _leading_words(alternative)
        if not any(stem in word for stem in stems for word in words):
            raise VocabularyError(f"{VOCABULARY}: no stem of {concept} occurs in {words} ({alternative!r})")


def _split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regex."""
    parts, depth, escaped, current = [], 0, False, []
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


_SEPARATOR_RE = re.compile(r"\\s[+*]?|\[- \]\??|-\?| |\\b")


def _leading_words(alternative: str) -> list[str]:
    """The words every match of an alternative starts with ('total\\s+bilirubin' -> total, bilirubin;
    'steroids?' -> steroid; 'ha?emoglobin' -> h, emoglobin). Stops at the first group or class."""
    words, current, index = [], [], 0
    while index < len(alternative):
        separator = _SEPARATOR_RE.match(alternative, index)
        if separator is not None:
            words.append("".join(current))
            current, index = [], separator.end()
            continue
        char = alternative[index]
        if not (char.isalnum() or char in "'-"):
            break
        if alternative[index + 1 : index + 2] in ("?", "*", "{"):
            words.append("".join(current))
            current, index = [], index + 2  # an optional character splits the word
            continue
        current.append(char)
        index += 1
    words.append("".join(current))
    return [word for word in words if word]


def _compile(pattern: str, concept: str) -> re.Pattern[str]:
    """A vocabulary regex, or a VocabularyError naming the concept."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise VocabularyError(f"{VOCABULARY}: a pattern of {concept} does not compile: {exc}") from exc


def _parse_units(cell: str, measure: str) -> list[tuple[str, float]]:
    """'g_dl=1 g_l=0.1' -> [('g_dl', 1.0), ('g_l', 0.1)], checking every kind exists."""
    pairs = []
    for item in cell.split():
        kind, _, factor = item.partition("=")
        if kind not in UNIT_KINDS:
            raise VocabularyError(f"{VOCABULARY}: unknown unit kind {kind!r} for {measure}")
        pairs.append((kind, float(factor or 1)))
    return pairs


def _parse_range(cell: str, measure: str) -> tuple[float, float]:
    """'0..120' -> (0.0, 120.0)."""
    low, sep, high = cell.partition("..")
    if not sep:
        raise VocabularyError(f"{VOCABULARY}: plausible must be lo..hi for {measure}, got {cell!r}")
    return float(low), float(high)


def _label_for(kind: str, factor: float, measure_unit: str) -> str:
    """The unit a threshold reports: the text's own unit unless the value was converted."""
    if kind == "none" or factor != 1:
        return measure_unit
    return UNIT_LABELS.get(kind, measure_unit)


@cache
def load_measures() -> Vocabulary:
    """Compile the measure vocabulary once per process."""
    frame = load_vocabulary(VOCABULARY, REQUIRED_COLUMNS)
    rules: dict[str, dict[str, list[UnitRule]]] = {}
    flags: dict[str, set[str]] = {}
    keywords: dict[str, str] = {}
    stems: dict[str, tuple[str, ...]] = {}
    not_after: dict[str, re.Pattern[str]] = {}
    gap_stop: dict[str, re.Pattern[str]] = {}
    measure_units: dict[str, str] = {}
    for row in frame.iter_rows(named=True):
        measure, concept = row["measure"], row["concept"]
        measure_units.setdefault(measure, row["unit"])
        low, high = _parse_range(row["plausible"], measure)
        by_kind = rules.setdefault(concept, {})
        for kind, factor in _parse_units(row["units"], measure):
            rule = UnitRule(measure, factor, low, high, _label_for(kind, factor, row["unit"]))
            by_kind.setdefault(kind, []).append(rule)
        row_flags = set((row.get("flags") or "").split())
        if row_flags - _FLAGS:
            raise VocabularyError(f"{VOCABULARY}: unknown flags {row_flags - _FLAGS} for {measure}")
        flags.setdefault(concept, set()).update(row_flags)
        pattern = row.get("keywords") or ""
        if pattern:
            if concept in keywords and keywords[concept] != pattern:
                raise VocabularyError(f"{VOCABULARY}: concept {concept} has two keyword patterns")
            keywords[concept] = pattern
            stems[concept] = tuple(stem for stem in (row.get("stems") or "").split("|") if stem)
            if not stems[concept]:
                raise VocabularyError(f"{VOCABULARY}: concept {concept} has keywords but no stems")
            _check_alternatives(concept, pattern, stems[concept])
            if row.get("not_after"):
                not_after[concept] = _compile(row["not_after"], concept)
            if row.get("gap_stop"):
                gap_stop[concept] = _compile(row["gap_stop"], concept)
    missing = [name for name in rules if not name.startswith("_") and name not in keywords]
    if missing:
        raise VocabularyError(f"{VOCABULARY}: concepts without keywords: {missing}")
    group_concepts = {f"k{i}": name for i, name in enumerate(keywords)}
    source = "|".join(f"(?P<k{i}>{pattern})" for i, pattern in enumerate(keywords.values()))
    try:
        keyword_re = re.compile(source)
        patterns = {name: re.compile(pattern) for name, pattern in keywords.items()}
    except re.error as exc:
        raise VocabularyError(f"{VOCABULARY}: a keyword pattern does not compile: {exc}") from exc
    order = {name: index for index, name in enumerate(keywords)}
    concepts = {
        name: Concept(
            name,
            order.get(name, len(order)),
            {k: tuple(v) for k, v in by_kind.items()},
            frozenset(flags[name]),
            patterns.get(name),
            stems.get(name, ()),
            not_after.get(name),
            gap_stop.get(name),
        )
        for name, by_kind in rules.items()
    }
    special = {
        name: tuple(rule for group in concept.rules.values() for rule in group)
        for name, concept in concepts.items()
        if name.startswith("_")
    }
    searchable = tuple(sorted((c for c in concepts.values() if c.pattern is not None), key=lambda c: c.order))
    return Vocabulary(
        {n: c for n, c in concepts.items() if not n.startswith("_")},
        searchable,
        keyword_re,
        group_concepts,
        measure_units,
        special,
        tuple(sorted({stem for concept in searchable for stem in concept.stems})),
    )
