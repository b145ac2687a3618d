"""Thresholds that keyword + value cannot find: BILAG organ counts, prior therapy counts, washouts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from etl.eligibility.measures import UnitRule, Vocabulary
from etl.eligibility.patterns import COUNT_OP_RE, NUMBER_CORE, NUMBER_WORDS, OP_BEFORE_RE, OP_SYMBOLS

_COUNT = rf"(?:{NUMBER_CORE}|{'|'.join(NUMBER_WORDS)})(?![a-z\d])"


@dataclass(frozen=True, slots=True)
class Found:
    """A threshold before its section is known; `op_by_section` when the section decides the operator."""

    position: int
    end: int
    measure: str
    op: str
    value: float
    value_high: float | None
    unit: str
    span: str
    op_by_section: dict[str, str] | None = None


def find_special(line: str, normal: str, start: int, end: int, vocabulary: Vocabulary) -> list[Found]:
    """BILAG counts, prior therapy counts and washout windows in one clause."""
    found: list[Found] = []
    clause = normal[start:end]
    if "bilag" in clause or "british isles" in clause:
        found.extend(_find_bilag(line, normal, start, end, vocabulary.special_rules["_bilag"]))
    if _THERAPY_NOUN_RE.search(clause):
        found.extend(
            _find_prior_therapies(line, normal, start, end, vocabulary.special_rules["_prior_therapies"])
        )
    if (
        _WASHOUT_UNIT_RE.search(clause)
        and _TRIGGER_RE.search(clause)
        and not _BLOCK_RE.search(clause)
        and not _DOSE_RE.search(clause)
    ):
        found.extend(_find_washouts(line, normal, start, end, vocabulary.special_rules["_washout"]))
    return found


def _count_value(text: str) -> float:
    """'2' -> 2, 'two' -> 2."""
    return float(NUMBER_WORDS.get(text) or text.replace(",", ""))


def _rule(rules: tuple[UnitRule, ...], measure: str) -> UnitRule:
    """The vocabulary rule of one special measure."""
    return next(rule for rule in rules if rule.measure == measure)


# --- BILAG: "BILAG A in ≥1 organ", "≥1 organ system with a BILAG A score", "2 BILAG B" -------------
_BILAG_RE = re.compile(
    r"\bbilag(?:[- ]?2004)?|british\s+isles\s+lupus\s+assessment(?:\s+group)?(?:[- ]?2004)?"
)
_JOIN_RE = re.compile(r"\s*\(?\s*")
_GRADE_RE = re.compile(r"(?<![A-Za-z])([AB])(?![A-Za-z0-9])")
_COUNT_AFTER_RE = re.compile(
    rf"\s*\)?\s*(?:scores?\s+|grades?\s+)?(?:in|on|for|across|involving|affecting)\s+(?:(?P<op>[^\d\s][^\d]{{0,20}}?)\s*)?"
    rf"(?P<n>{_COUNT})(?:\s+or\s+more)?\s+(?:organs?|organ\s+systems?|systems?|domains?|body\s+systems?)"
)
_COUNT_OP_AFTER_RE = re.compile(rf"\s*\)?\s*(?:scores?\s*)?(?P<op>≥|>=|>|=)\s*(?P<n>{_COUNT})")
_COUNT_BEFORE_RE = re.compile(
    rf"(?P<n>{_COUNT})(?:\s+or\s+more)?\s+(?:(?:organs?|organ\s+systems?|systems?|domains?)\s+)?"
    r"(?:(?:with|of|having|showing)\s+)?(?:an?\s+)?(?:new\s+)?\(?\s*$"
)


def _find_bilag(line: str, normal: str, start: int, end: int, rules: tuple[UnitRule, ...]) -> list[Found]:
    """Organ-system counts per BILAG grade."""
    groups: list[list[int]] = []
    for mention in _BILAG_RE.finditer(normal, start, end):
        # "British Isles Lupus Assessment Group (BILAG-A)" is one mention
        if groups and _JOIN_RE.fullmatch(normal, groups[-1][1], mention.start()):
            groups[-1][1] = mention.end()
        else:
            groups.append([mention.start(), mention.end()])
    found = []
    for index, (mention_start, mention_end) in enumerate(groups):
        limit = groups[index + 1][0] if index + 1 < len(groups) else end
        limit = min(limit, mention_end + 120)
        for number, grade in enumerate(_GRADE_RE.finditer(line, mention_end, limit)):
            if number == 0 and grade.start() > mention_end + 40:
                break
            item = _read_bilag_count(line, normal, start, end, mention_start, grade, first=number == 0)
            if item is not None:
                rule = _rule(rules, "bilag_a_count" if grade.group(1) == "A" else "bilag_b_count")
                span_start, span_end, op, count = item
                span = line[span_start:span_end]
                found.append(Found(span_start, span_end, rule.measure, op, count, None, rule.unit, span))
    return found


def _read_bilag_count(
    line: str, normal: str, start: int, end: int, mention_start: int, grade: re.Match[str], first: bool
) -> tuple[int, int, str, float] | None:
    """(span start, span end, op, count) for one BILAG grade, counted after it or before the mention."""
    after = _COUNT_AFTER_RE.match(normal, grade.end(), end) or _COUNT_OP_AFTER_RE.match(
        normal, grade.end(), end
    )
    if after is not None:
        span_start = mention_start if first else grade.start()
        return (
            span_start,
            after.end(),
            _count_op(after.group("op"), normal[span_start : after.end()]),
            _count_value(after.group("n")),
        )
    if not first:
        return None
    before = _COUNT_BEFORE_RE.search(normal, max(start, mention_start - 40), mention_start)
    if before is None:
        return None
    op_match = COUNT_OP_RE.search(normal, max(start, before.start() - 20), before.start())
    span_start = op_match.start() if op_match else before.start()
    op_text = op_match.group(0) if op_match else None
    return (
        span_start,
        grade.end(),
        _count_op(op_text, normal[span_start : grade.end()]),
        _count_value(before.group("n")),
    )


def _count_op(words: str | None, span: str) -> str:
    """The operator of a count; a bare count ('2 BILAG B') means at least that many."""
    if "or more" in span or not words:
        return ">="
    op_match = OP_BEFORE_RE.search(words.strip() + " ")
    return OP_SYMBOLS[op_match.lastgroup or "ge"] if op_match else ">="


# --- prior therapies: "at least 2 immunosuppressants", "two or more standard immunosuppressive therapies"
_THERAPY_NOUN_RE = re.compile(
    r"immunosuppress|immunomodulat|dmard|treatment|therap|regimen|line"
)  # prefilter
_PRIOR_RE = re.compile(
    rf"(?:(?P<op>at\s+least|≥|>=|more\s+than|greater\s+than|over|a\s+minimum\s+of|no\s+fewer\s+than|not\s+less"
    rf"\s+than)\s*(?P<n>{_COUNT})|(?P<n2>{_COUNT})\s+or\s+more)"
    r"\s+(?:(?:other|different|prior|previous|standard|conventional|synthetic|additional|distinct|approved|"
    r"systemic|kinds?\s+of|types?\s+of|classes\s+of|lines?\s+of|of\s+the\s+following|of\s+these)\s+){0,4}"
    r"(?P<noun>immunosuppress\w*|immunomodulat\w*|(?:cs|b|ts)?dmards?|treatments?|therap(?:y|ies)"
    r"|regimens?|lines?)(?![a-z])"
)


def _find_prior_therapies(
    line: str, normal: str, start: int, end: int, rules: tuple[UnitRule, ...]
) -> list[Found]:
    """How many prior therapies a trial asks for (or excludes)."""
    rule = _rule(rules, "prior_therapies_count")
    found = []
    for match in _PRIOR_RE.finditer(normal, start, end):
        if match.group("n2") is not None:
            op, count = ">=", match.group("n2")
        else:
            words = match.group("op")
            op = ">" if words in ("more than", "greater than", "over") else ">="
            count = match.group("n")
        value = _count_value(count)
        if not rule.low <= value <= rule.high:
            continue
        found.append(
            Found(
                match.start(),
                match.end(),
                rule.measure,
                op,
                value,
                None,
                rule.unit,
                line[match.start() : match.end()],
            )
        )
    return found


# --- washouts: "no G-CSF within 2 weeks prior to screening", "steroids in the 4 weeks before" ------
_UNIT = r"(?P<u>weeks?|wks?|days?|months?)(?![a-z])"
_WASHOUT_UNIT_RE = re.compile(r"week|wk|day|month")  # prefilter
_TRIGGER_RE = re.compile(
    r"steroid|glucocorticoid|corticosteroid|prednis|methylpred|dexameth|vaccin|g-?\s?csf"
    r"|colony[- ]stimulating|growth\s+factor|transfusion|immunosuppress|immunomodulat|biologic|rituximab"
    r"|ocrelizumab|belimumab"
    r"|anifrolumab|ivig|immunoglobulin|plasma\s*(?:exchange|pheresis)|plasmapheresis|immunoadsorption"
    r"|cyclophosphamide|mycophenol|azathioprine|methotrexate|tacrolimus|cyclosporin|ciclosporin|leflunomide"
    r"|tocilizumab|dmard|inhibitor|anti-cd\d+|monoclonal|investigational|interventional|drug|medication"
    r"|therap|treatment|dose|hormon"
)
# Look-back windows for events, not for a therapy's last dose.
_BLOCK_RE = re.compile(
    r"infect|transplant|surgery|surgical|myocard|stroke|cerebrovascular|thrombo|embol|malignan|cancer"
    r"|tumou?r|pregnan|contracept|breast|lactat|donat|eggs?\b|sperm|hcg|hospitali|bleed|ha?emorrhag"
    r"|fracture|stable|steady|unchanged|constant|consistent|diagnos|onset|relaps|flare|symptom|covid|sars"
)
# "prednisone > 20 mg/day within 4 weeks" looks back for a high dose; that is no washout.
_DOSE_RE = re.compile(r"\d\s*(?:mg|g\s*/\s*d|grams?)(?![a-z])")
_NEGATION_RE = re.compile(
    r"(?<![a-z])(?:no|not|without|never|prohibited|forbidden|disallowed|free\s+of|discontinu\w*|stopp?ed"
    r"|ceased?|withdrawn|washed\s+out)(?![a-z])"
)
_WINDOW_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "explicit",
        re.compile(
            rf"wash-?\s*out(?:\s+period)?(?:\s+of)?\s*(?P<op>[^\d\s][^\d]{{0,25}}?)?\s*(?P<n>{_COUNT})\s*{_UNIT}"
        ),
    ),
    (
        "window",
        re.compile(
            rf"(?<![a-z])within\s+(?:the\s+)?(?:(?:past|last|previous|preceding|prior)\s+)?(?P<n>{_COUNT})\s*{_UNIT}"
        ),
    ),
    (
        "window",
        re.compile(
            rf"(?<![a-z])(?:in|during)\s+the\s+(?:(?:past|last|previous|preceding|prior)\s+)?(?P<n>{_COUNT})\s*{_UNIT}"
            r"\s+(?:before|prior|preceding)"
        ),
    ),
    (
        "window",
        re.compile(
            rf"(?<![a-z])(?:in|during|over)\s+the\s+(?:past|last|previous|preceding)\s+(?P<n>{_COUNT})\s*{_UNIT}"
        ),
    ),
    (
        "after_last_dose",
        re.compile(
            rf"(?P<n>{_COUNT})\s*{_UNIT}\s+(?:after|since|following)\s+(?:[a-z]+\s+){{0,4}}?(?:the\s+)?"
            r"(?:last|final|most\s+recent)\s+(?:dose|administration|infusion|treatment|use|injection)"
        ),
    ),
    ("before", re.compile(rf"(?P<n>{_COUNT})\s*{_UNIT}\s+(?:before|prior\s+to|preceding|ago)(?![a-z])")),
)
_DURATION_BEFORE_RE = re.compile(
    r"(?<![a-z])(?:for|lasting|of)\s+(?:(?:at\s+least|a\s+minimum\s+of|more\s+than|over|≥|>=|>)\s*)?$"
)
_UNIT_MEASURES = {"w": "washout_weeks", "d": "washout_days", "m": "washout_months"}


def _find_washouts(line: str, normal: str, start: int, end: int, rules: tuple[UnitRule, ...]) -> list[Found]:
    """Time since the last dose of a prohibited therapy, as the clause states it."""
    negated = _NEGATION_RE.search(normal, start, end) is not None
    found = []
    used: set[int] = set()
    for form, pattern in _WINDOW_FORMS:
        for match in pattern.finditer(normal, start, end):
            number_start = match.start("n")
            if number_start in used:
                continue
            used.add(number_start)
            if _DURATION_BEFORE_RE.search(normal, max(start, match.start() - 25), match.start()):
                continue  # "treated for at least 12 weeks prior to screening" is how long, not how long ago
            stated = _stated_op(normal, match, form, start)
            op_by_section = _washout_ops(form, stated, negated)
            if not op_by_section:
                continue
            rule = _rule(rules, _UNIT_MEASURES[match.group("u")[0]])
            value = _count_value(match.group("n"))
            if not rule.low <= value <= rule.high:
                continue
            trigger = _nearest_trigger(normal, start, match.start())
            span_start = trigger if trigger is not None else match.start()
            op = next(iter(op_by_section.values()))
            span = line[span_start : match.end()].strip()
            found.append(
                Found(span_start, match.end(), rule.measure, op, value, None, rule.unit, span, op_by_section)
            )
    return found


def _stated_op(normal: str, match: re.Match[str], form: str, start: int) -> str | None:
    """An operator written with the window ('at least 4 weeks before', 'washout of ≥ 4 weeks')."""
    if form == "explicit":
        words = match.group("op")
        if not words:
            return ">="
        op_match = OP_BEFORE_RE.search(words.strip() + " ")
        return OP_SYMBOLS[op_match.lastgroup or "ge"] if op_match else None
    if form in ("before", "after_last_dose"):
        op_match = COUNT_OP_RE.search(normal, max(start, match.start() - 25), match.start())
        return OP_SYMBOLS[op_match.lastgroup or "ge"] if op_match else None
    return None


def _washout_ops(form: str, stated: str | None, negated: bool) -> dict[str, str] | None:
    """The operator per section. A bare window is a washout only when the section says so:
    exclusion 'steroids within 4 weeks' -> washout < 4; inclusion 'no steroids within 4 weeks' -> >= 4."""
    if stated is not None:
        return {"inclusion": stated, "exclusion": stated}
    if form == "after_last_dose":
        return {"inclusion": ">="}
    if form == "explicit":
        return None
    return {"inclusion": ">="} if negated else {"exclusion": "<"}


def _nearest_trigger(normal: str, start: int, position: int) -> int | None:
    """Where the therapy the window belongs to is named (the last mention before the window)."""
    last = None
    for trigger in _TRIGGER_RE.finditer(normal, max(start, position - 120), position):
        last = trigger.start()
    if last is None:
        return None
    word_start = normal.rfind(" ", start, last) + 1
    return max(word_start, start)
