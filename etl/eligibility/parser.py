"""Criteria text -> numeric thresholds: values with their operator, unit, measure and section."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from etl.eligibility.measures import Concept, Vocabulary, load_measures, resolve_measure
from etl.eligibility.patterns import (
    BETWEEN_RE,
    POST_OP_RE,
    RANGE_TAIL_RE,
    find_op_before,
    has_number,
    is_value_start,
    iter_numbers,
    read_number,
    read_op,
)
from etl.eligibility.special import Found, find_special
from etl.eligibility.text import find_clauses, find_section_headers, iter_logical_lines, normalise
from etl.eligibility.units import match_unit

SECTIONS = ("inclusion", "exclusion")
OPS = (">=", ">", "<=", "<", "==", "range")

_MAX_GAP = 80  # characters between a measure's name and its value (asides in brackets not counted)
_BRACKETS_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_GAP_BREAK_RE = re.compile(r"\d|[,;/&]|(?<![a-z])(?:and|or|but|while|whereas|if)(?![a-z])")
# Words that make a number a change, not a level ("an increase in mRSS of ≥ 3", "FVC decline ≥ 10%").
_CHANGE_RE = re.compile(
    r"(?<![a-z])(?:increas\w*|decreas\w*|declin\w*|reduc\w*|drop\w*|worsen\w*|chang\w*|ris(?:e|es|ing)"
    r"|fall\w*|loss|gain|improvement)(?![a-z])"
)
_CHAIN_RE = re.compile(r"\s*\)?\s*(?:,\s*(?:and|or)?|/|&|\+|and/or|and|or)\s*(?:the\s+)?\(?\s*")
_SAME_RE = re.compile(r"\s*\(?\s*")
_INHERIT_RE = re.compile(r"[\s,]*(?:(?:and|but|or|to)(?![a-z])[\s,]*)?[(\[]?\s*")
# A limit for a named case restated in brackets: "≤ 1.5 x ULN (except Gilbert's syndrome, ≤ 3 x ULN)".
# ... or a short case in running text: "QTc ≤ 450 ms for males and ≤ 470 ms for females".
_CASE_GAP_RE = re.compile(r"\s*(?:for|in|among)\s+[a-z' -]{1,30}?\s*[,;]?\s*(?:and|or|but|while|whereas)\s*")
_CASE_RE = re.compile(
    r"\s*[(\[]\s*(?:except|unless|if|or|for|in|with|excluding|when|in\s+case\s+of)(?![a-z])[^()\[\]\d<>≤≥]{0,60}"
)
_ALT_UNIT_RE = re.compile(r"\s*(?:\(|\[|or(?![a-z])|/|,)?\s*")
_RIGHT_PAREN_RE = re.compile(r"\s*[(\[]\s*")
_RIGHT_OF_RE = re.compile(r"\s*(?:of\s+)?")
_SPACES_RE = re.compile(r"\s*")
# "18 ≤ age ≤ 65": a value, then a comparison, then the measure (read as age ≥ 18).
_REVERSED_RE = re.compile(r"\s*(?P<op><=|>=|≤|≥|<|>)\s*")
_FLIPPED = {"<=": ">=", "≤": ">=", ">=": "<=", "≥": "<=", "<": ">", ">": "<"}
_WORD_RE = re.compile(r"[a-z]+")
# Words that may follow a bare number without making it a count of something ("≥ 6 at screening"
# is a score; "≥ 2 relapses" counts relapses, so it is no value of the measure named before it).
_FOLLOWERS = frozenset(
    re.findall(
        r"[a-z]+",
        """and or but nor at in on of for with without within during before after prior to by as if
        unless except is are was were be when while from than per the a an inclusive including included
        each only total both either measured assessed calculated determined confirmed based according
        using via not no also plus despite point points score scores scale ratio value values level levels
        time times unit units respectively""",
    )
)
_UNITLESS = frozenset({"none", "points"})


@dataclass(frozen=True, slots=True)
class Threshold:
    """One numeric limit a trial states: `value` (and `value_high` for a range) of `measure`."""

    measure: str
    op: str
    value: float
    value_high: float | None
    unit: str
    section: str
    span: str
    # None for a plain limit; "alternative" when joined by "or" to a limit of another measure on the
    # same line ("eGFR ≥ 60 or creatinine ≤ 1.5 mg/dL": either suffices); "exception" for a relaxed
    # limit that applies only to some patients ("≤ 3× ULN (≤ 5× ULN with liver involvement)").
    qualifier: str | None = None

    def to_dict(self) -> dict:
        """The threshold as a JSON-ready dict (the CLI's line format; "qualifier" only when set)."""
        found = {
            "measure": self.measure,
            "op": self.op,
            "value": self.value,
            "value_high": self.value_high,
            "unit": self.unit,
            "section": self.section,
            "span": self.span,
        }
        if self.qualifier is not None:
            found["qualifier"] = self.qualifier
        return found


@dataclass(slots=True)
class _Expression:
    """A value as written: optional operator, number(s), unit; positions in the line."""

    start: int
    number_start: int
    end: int
    op: str | None
    low: float
    high: float | None
    high_strict: bool
    separator: str | None
    kind: str
    window: bool


@dataclass(slots=True)
class _Bound:
    """An expression tied to one or more concepts (several for 'AST and ALT ≤ 3 x ULN')."""

    expression: _Expression
    concepts: list[Concept]
    span_start: int
    span_end: int
    inherited: bool
    keyword_start: int | None = None
    reversed: bool = False


# Parsed lines, keyed by (line as written, section it starts in); registry texts share many lines.
_LINE_CACHE: dict[tuple[str, str], tuple[tuple[Threshold, ...], str]] = {}
_LINE_CACHE_LIMIT = 200_000


def parse_criteria(text: str | None) -> list[Threshold]:
    """Every threshold stated in an eligibility criteria text, in text order."""
    found: list[Threshold] = []
    for block in iter_threshold_blocks(text):
        found.extend(block)
    return found


def iter_threshold_blocks(text: str | None) -> Iterator[tuple[Threshold, ...]]:
    """The thresholds of a text, one tuple per line that has any. Equal lines in the same section
    give the same tuple object, which lets table building turn each into rows once."""
    if not text:
        return
    section = "inclusion"  # texts without a header list inclusion criteria
    cache = _LINE_CACHE
    for line in iter_logical_lines(text):
        key = (line, section)
        parsed = cache.get(key)
        if parsed is None:
            parsed = _parse_line(line, section)
            if len(cache) >= _LINE_CACHE_LIMIT:
                cache.clear()
            cache[key] = parsed
        rows, section = parsed
        if rows:
            yield rows


def _parse_line(line: str, section: str) -> tuple[tuple[Threshold, ...], str]:
    """Thresholds of one logical line and the section in force after it."""
    normal = normalise(line)
    headers = find_section_headers(normal)
    items: list[Found] = []
    if has_number(normal):
        vocabulary = load_measures()
        # Cheap prefilter: only concepts with a stem somewhere in the line are searched for.
        present = {stem for stem in vocabulary.all_stems if stem in normal}
        candidates = [c for c in vocabulary.searchable if not present.isdisjoint(c.stems)]
        for start, end in find_clauses(normal):
            if not has_number(normal, start, end):
                continue
            items.extend(_read_clause(line, normal, start, end, vocabulary, candidates))
            items.extend(find_special(line, normal, start, end, vocabulary))
    items.sort(key=lambda item: item.position)
    qualifiers = qualify_items(normal, items)
    rows = []
    header_index = 0
    for item, qualifier in zip(items, qualifiers, strict=True):
        while header_index < len(headers) and headers[header_index][0] <= item.position:
            section = headers[header_index][1]
            header_index += 1
        op = item.op if item.op_by_section is None else item.op_by_section.get(section)
        if op is None:
            continue
        rows.append(
            Threshold(item.measure, op, item.value, item.value_high, item.unit, section, item.span, qualifier)
        )
    for _, kind in headers[header_index:]:
        section = kind
    return tuple(rows), section


# Between two limits: "or" (also "and/or", a slash) makes them alternatives.
_OR_CONNECTOR_RE = re.compile(r"[\s,;(]*(?:or|and\s*/\s*or|/)\s*(?:\(\s*)?", re.IGNORECASE)
# A relaxed limit in brackets after the general one, for some patients only.
_EXCEPTION_OPEN_RE = re.compile(r"\s*[(\[]\s*(?:or\s+)?", re.IGNORECASE)
_EXCEPTION_WORDS_RE = re.compile(
    r"(?:with|if|for|in|when|where|unless|due\s+to|except|excluding|gilbert|liver|hepatic|involvement"
    r"|metasta|myositis|myopathy|attributable|related|secondary)",
    re.IGNORECASE,
)


def qualify_items(normal: str, items: list[Found]) -> list[str | None]:
    """ "alternative" / "exception" / None for each item of a line (items sorted by position)."""
    qualifiers: list[str | None] = [None] * len(items)
    for index, item in enumerate(items):
        same = [other for other in items[:index] if other.measure == item.measure]
        if same:
            previous = same[-1]
            between = normal[previous.end : _value_start(normal, item, previous.end)]
            after = normal[item.end : item.end + 60].split(")")[0]
            if _EXCEPTION_OPEN_RE.fullmatch(between) and _EXCEPTION_WORDS_RE.search(after):
                qualifiers[index] = "exception"
            continue
        if index and items[index - 1].measure != item.measure:
            previous = items[index - 1]
            between = normal[previous.end : item.position]
            if previous.end <= item.position and _OR_CONNECTOR_RE.fullmatch(between):
                qualifiers[index] = "alternative"
                if qualifiers[index - 1] is None:
                    qualifiers[index - 1] = "alternative"
    return qualifiers


def _value_start(normal: str, item: Found, floor: int) -> int:
    """Where an item's operator or number begins (its span may reach back to a shared keyword)."""
    floor = max(floor, item.position) if item.position >= floor else floor
    match = re.search(r"[<>≤≥=]|\d", normal[floor : item.end])
    return floor + match.start() if match else item.end


def _read_clause(
    line: str, normal: str, start: int, end: int, vocabulary: Vocabulary, candidates: list[Concept]
) -> list[Found]:
    """Thresholds of one clause: each value tied to the measure named before (or after) it."""
    keywords = _find_keywords(normal, start, end, candidates)
    if not keywords and "old" not in normal[start:end] and "of age" not in normal[start:end]:
        return []
    found: list[Found] = []
    previous: _Bound | None = None
    position = start
    for number in iter_numbers(normal, start, end):
        if number.start() < position or not is_value_start(normal, number.start()):
            continue  # inside the previous expression (the 65 of 18-65), or part of a name
        expression = _read_expression(normal, number, start, end)
        position = expression.end
        bound = _bind(normal, expression, keywords, previous, start, vocabulary)
        if bound is None:
            previous = None if expression.op is not None else previous
            continue
        rows = _make_rows(line, bound)
        if bound.inherited and expression.op is not None and found:
            # "≥ 1,000/µL (1.0 × 10^9/L)" says the same thing twice
            last = found[-1]
            rows = [r for r in rows if (r.measure, r.op, r.value) != (last.measure, last.op, last.value)]
        if rows and previous is not None and _merges(line, normal, previous, bound, found, rows):
            previous = bound
            continue
        found.extend(rows)
        previous = bound if rows else previous
    return found


def _find_keywords(
    normal: str, start: int, end: int, candidates: list[Concept]
) -> list[tuple[int, int, Concept]]:
    """Measure names in a clause, left to right; where two overlap the earlier (then the one listed
    first in the vocabulary) wins, as one alternation of all keyword patterns would decide."""
    clause = normal[start:end]
    hits = []
    for concept in candidates:
        if concept.pattern is not None and any(stem in clause for stem in concept.stems):
            hits.extend(
                (m.start(), concept.order, m.end(), concept)
                for m in concept.pattern.finditer(normal, start, end)
                if concept.is_named_at(normal, m.start(), start)
            )
    if len(hits) > 1:
        hits.sort(key=lambda hit: (hit[0], hit[1]))
    keywords = []
    reached = start
    for hit_start, _, hit_end, concept in hits:
        if hit_start >= reached:
            keywords.append((hit_start, hit_end, concept))
            reached = hit_end
    return keywords


def _read_expression(normal: str, number: re.Match[str], start: int, end: int) -> _Expression:
    """Operator, value(s) and unit around one number."""
    low = read_number(number)
    window_start = max(start, number.start() - 70)
    op_match = find_op_before(normal, start, number.start())
    op = read_op(op_match) if op_match else None
    expr_start = op_match.start() if op_match else number.start()
    groups = number.groupdict()
    kind = "titer" if groups.get("titer") is not None else "none"
    position = number.end()
    high: float | None = None
    high_strict = False
    separator: str | None = None
    if kind != "titer":
        # number words take a unit but never start a range ("one to three" is rare; "one or" is not)
        tail = None if groups.get("word") is not None else RANGE_TAIL_RE.match(normal, position, end)
        if tail is None or not _accepts_separator(normal, tail.group("sep"), number.start(), window_start):
            tail = None
            unit = match_unit(normal, _skip_spaces(normal, position))
            if unit is not None:
                kind, position = unit
                tail = RANGE_TAIL_RE.match(normal, position, end)
                if tail is not None and tail.group("sep") in ("or", "and"):
                    tail = None  # "2.5 mg/dL or 221 µmol/L" restates a value; it is no range
        if tail is not None and _accepts_separator(normal, tail.group("sep"), number.start(), window_start):
            high_unit = match_unit(normal, _skip_spaces(normal, tail.end()))
            if kind == "none" or high_unit is None or high_unit[0] == kind:
                high = float(tail.group("hi").replace(",", "").replace(" ", ""))
                high_strict = tail.group("hiop") == "<"
                separator = tail.group("sep")
                position = tail.end()
                if high_unit is not None:
                    kind, position = high_unit
                between = BETWEEN_RE.search(normal, window_start, number.start())
                if between is not None:
                    expr_start = min(expr_start, between.start())
    post = POST_OP_RE.match(normal, position, end)
    if post is not None and high is None:
        op = read_op(post)
        position = post.end()
    window = op_match is not None and op_match.lastgroup == "within" and op == "<="
    return _Expression(
        expr_start, number.start(), position, op, low, high, high_strict, separator, kind, window
    )


def _accepts_separator(normal: str, separator: str, number_start: int, window_start: int) -> bool:
    """'and' only makes a range after 'between'; the others always may."""
    if separator == "and":
        return BETWEEN_RE.search(normal, window_start, number_start) is not None
    return True


def _skip_spaces(normal: str, position: int) -> int:
    """The first non-space position at or after `position`."""
    return _SPACES_RE.match(normal, position).end()


def _bind(
    normal: str,
    expression: _Expression,
    keywords: list[tuple[int, int, Concept]],
    previous: _Bound | None,
    start: int,
    vocabulary: Vocabulary,
) -> _Bound | None:
    """Tie an expression to the measure(s) it limits, or None when it limits none."""
    if expression.op is None and expression.high is None:
        reversed_bound = _bind_reversed(normal, expression, vocabulary)
        if reversed_bound is not None:
            return reversed_bound
        return _bind_alternative_unit(normal, expression, previous)
    if expression.kind == "none" and _counts_something_else(normal, expression, vocabulary):
        return None
    left = _bind_left(normal, expression, keywords, start)
    if left is not None:
        return left or None
    right = _bind_right(normal, expression, vocabulary)
    if right is not None:
        return right
    if expression.kind in ("years_age", "months_age"):
        age = vocabulary.concepts["age"]
        if _fits(age, expression):
            return _Bound(expression, [age], expression.start, expression.end, False)
    if previous is not None and _inherits(normal, previous.expression.end, expression.start):
        concepts = [c for c in previous.concepts if _fits(c, expression)]
        if concepts:
            return _Bound(expression, concepts, previous.span_start, expression.end, True)
    return None


def _counts_something_else(normal: str, expression: _Expression, vocabulary: Vocabulary) -> bool:
    """Whether a unit-less number is followed by the noun it counts ('at least 2 relapses')."""
    position = _skip_spaces(normal, expression.end)
    word = _WORD_RE.match(normal, position)
    if word is None or word.group() in _FOLLOWERS:
        return False
    return vocabulary.concept_at(normal, position, expression.start) is None


def _inherits(normal: str, start: int, end: int) -> bool:
    """Whether only connectors (or a bracketed case) stand between two values of one measure."""
    gap = _BRACKETS_RE.sub(" ", normal[start:end])
    return (
        _INHERIT_RE.fullmatch(gap) is not None
        or _CASE_RE.fullmatch(normal, start, end) is not None
        or _CASE_GAP_RE.fullmatch(gap) is not None
    )


def _bind_left(
    normal: str, expression: _Expression, keywords: list[tuple[int, int, Concept]], start: int
) -> _Bound | bool | None:
    """The nearest measure name before the value; False when the value must be dropped."""
    index = len(keywords) - 1
    while index >= 0 and keywords[index][1] > expression.number_start:
        index -= 1
    while index >= 0:
        kw_start, kw_end, concept = keywords[index]
        raw_gap = "" if kw_end > expression.start else normal[kw_end : expression.start]
        if concept.gap_stop is not None and concept.gap_stop.search(raw_gap):
            return None
        gap = _BRACKETS_RE.sub(" ", _BRACKETS_RE.sub(" ", raw_gap))
        if _GAP_BREAK_RE.search(gap) or len(gap.strip()) > _MAX_GAP:
            return None
        if "short_gap" in concept.flags and len(gap.strip(" (:")) > 0:
            index -= 1
            continue
        if (
            _CHANGE_RE.search(gap)
            or _CHANGE_RE.search(normal, max(start, kw_start - 30), kw_start)
            or _CHANGE_RE.match(normal, _skip_spaces(normal, expression.end))
        ):
            return False
        if _fits(concept, expression):
            concepts, span_start = _extend_chain(normal, keywords, index, expression)
            return _Bound(expression, concepts, span_start, expression.end, False, kw_start)
        index -= 1  # "DLCO (hemoglobin corrected) < 70%": the aside names another measure
    return None


def _extend_chain(
    normal: str, keywords: list[tuple[int, int, Concept]], index: int, expression: _Expression
) -> tuple[list[Concept], int]:
    """Measures listed together before one value: 'AST and ALT ≤ 3 x ULN', 'ALT / AST > 3 x ULN'."""
    concepts = [keywords[index][2]]
    span_start = keywords[index][0]
    while index > 0:
        previous_start, previous_end, previous = keywords[index - 1]
        between_start, between_end = previous_end, keywords[index][0]
        if previous is keywords[index][2] and _SAME_RE.fullmatch(normal, between_start, between_end):
            span_start = previous_start  # "alanine aminotransferase (ALT)"
        elif _CHAIN_RE.fullmatch(normal, between_start, between_end) and _fits(previous, expression):
            if previous not in concepts:
                concepts.insert(0, previous)
            span_start = previous_start
        else:
            break
        index -= 1
    return concepts, span_start


def _bind_right(normal: str, expression: _Expression, vocabulary: Vocabulary) -> _Bound | None:
    """A measure named right after the value: '0~2 points (ECOG)', '12 months duration'."""
    position = expression.end
    paren = _RIGHT_PAREN_RE.match(normal, position)
    if paren is not None and paren.end() > position:
        named = vocabulary.concept_at(normal, paren.end(), expression.start)
        if named is not None and _fits(named[0], expression):
            return _Bound(expression, [named[0]], expression.start, named[1], False)
    named = vocabulary.concept_at(normal, _RIGHT_OF_RE.match(normal, position).end(), expression.start)
    if named is not None and "right" in named[0].flags and _fits(named[0], expression):
        return _Bound(expression, [named[0]], expression.start, named[1], False)
    return None


def _bind_reversed(normal: str, expression: _Expression, vocabulary: Vocabulary) -> _Bound | None:
    """'18 ≤ age': the measure comes after the comparison, so the operator is turned around."""
    comparison = _REVERSED_RE.match(normal, expression.end)
    if comparison is None:
        return None
    named = vocabulary.concept_at(normal, comparison.end(), expression.start)
    if named is None:
        return None
    expression.op = _FLIPPED[comparison.group("op")]
    if not _fits(named[0], expression):
        expression.op = None
        return None
    return _Bound(expression, [named[0]], expression.start, named[1], False, comparison.end(), True)


def _bind_alternative_unit(normal: str, expression: _Expression, previous: _Bound | None) -> _Bound | None:
    """The same limit restated in another unit: '< 221 µmol/L (2.5 mg/dL)', '> 2.5 mg/dL or 221 µmol/L'."""
    if previous is None or expression.kind in _UNITLESS or expression.kind == previous.expression.kind:
        return None
    if previous.expression.op is None or previous.expression.high is not None:
        return None
    if not _ALT_UNIT_RE.fullmatch(normal, previous.expression.end, expression.start):
        return None
    expression.op = previous.expression.op
    concepts = [c for c in previous.concepts if _fits(c, expression)]
    return _Bound(expression, concepts, expression.start, expression.end, True) if concepts else None


def _fits(concept: Concept, expression: _Expression) -> bool:
    """Whether the concept can be stated in the expression's unit, operator and value range."""
    if expression.window and "within" not in concept.flags:
        return False
    if expression.separator == "or" and "or_range" not in concept.flags:
        return False
    kind = "none" if expression.kind == "points" else expression.kind
    resolved = resolve_measure(concept, kind, expression.low)
    if resolved is None:
        return False
    return expression.high is None or resolve_measure(concept, kind, expression.high) is not None


def _make_rows(line: str, bound: _Bound) -> list[Found]:
    """One row per measure of a bound expression (two for 'AST and ALT ≤ 3 x ULN')."""
    expression = bound.expression
    kind = "none" if expression.kind == "points" else expression.kind
    span = line[bound.span_start : bound.span_end].strip()
    rows = []
    for concept in bound.concepts:
        resolved = resolve_measure(concept, kind, expression.low)
        if resolved is None:
            continue
        rule, low = resolved
        low = _round(low, rule.factor)
        if expression.high is None:
            rows.append(
                Found(
                    bound.span_start,
                    bound.span_end,
                    rule.measure,
                    expression.op or "==",
                    low,
                    None,
                    rule.unit,
                    span,
                )
            )
            continue
        high_resolved = resolve_measure(concept, kind, expression.high)
        if high_resolved is None:
            continue
        high = _round(high_resolved[1], rule.factor)
        if expression.high_strict:
            rows.append(
                Found(bound.span_start, bound.span_end, rule.measure, ">=", low, None, rule.unit, span)
            )
            rows.append(
                Found(bound.span_start, bound.span_end, rule.measure, "<", high, None, rule.unit, span)
            )
        elif low <= high:
            rows.append(
                Found(bound.span_start, bound.span_end, rule.measure, "range", low, high, rule.unit, span)
            )
    return rows


def _merges(
    line: str, normal: str, previous: _Bound, bound: _Bound, found: list[Found], rows: list[Found]
) -> bool:
    """Join '≥ 18 years' and '≤ 65 years' of one measure into a range (the earlier row is replaced)."""
    if len(rows) != 1 or not found:
        return False
    same_keyword = previous.reversed and previous.keyword_start == bound.keyword_start
    if not same_keyword and not _INHERIT_RE.fullmatch(
        normal, previous.expression.end, bound.expression.start
    ):
        return False
    last, row = found[-1], rows[0]
    if last.measure != row.measure or last.unit != row.unit or last.value_high is not None:
        return False
    if {last.op, row.op} != {">=", "<="}:
        return False
    low, high = (last.value, row.value) if last.op == ">=" else (row.value, last.value)
    if low > high:
        return False
    span = line[last.position : row.end].strip()
    found[-1] = Found(last.position, row.end, row.measure, "range", low, high, row.unit, span)
    return True


def _round(value: float, factor: float) -> float:
    """Converted values keep two decimals (80 g/L -> 8.0 g/dL, 3 months -> 13.04 weeks)."""
    return round(value, 2) if factor != 1 else value
