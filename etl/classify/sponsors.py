"""Lead sponsor: one canonical spelling per institution, and its class."""

from __future__ import annotations

from collections import Counter

import polars as pl

from etl.classify.evidence import select_evidence
from etl.classify.matching import find_terms
from etl.classify.sponsor_names import clean_sponsor_name, compute_sponsor_key
from etl.classify.vocabularies import load_sponsor_aliases, load_sponsor_class_terms

# Name rules, in order: sponsors.csv alias; otherwise the registered name cleaned (spaces, a leading
# "The", trailing credentials, a trailing country, legal suffixes such as "Co., Ltd."), and spellings
# that differ only in case, punctuation, accents or small words ("of", "and") are joined under the
# most common mixed-case spelling in the data; an all-caps name with no mixed-case twin is
# title-cased ("THE CHILDREN'S HOSPITAL OF ..." -> "Children's Hospital of ...").
#
# Class rules, in order: sponsors.csv class; registry class NIH or FED -> government; INDUSTRY ->
# industry; a university/hospital/institute word -> academic/hospital; OTHER_GOV -> government; a
# government word -> government; a company word (Inc, Ltd, Therapeutics, Bio, Pharma...) -> industry;
# otherwise other. A trial without a registered lead sponsor gets no name and no class.

_SMALL_WORDS = frozenset(
    {"of", "and", "the", "for", "in", "at", "on", "de", "la", "del", "di", "du", "with", "to"}
)
_ACRONYMS = frozenset({"PLA", "IRCCS", "NIH", "USA", "UK", "NHS", "CHU", "HUST", "AP-HP", "II", "III", "IV"})
CLASS_RULE_ORDER = ("academic/hospital", "government", "industry")


def format_sponsor_case(name: str) -> str:
    """Title-case a name written all in capitals (or all lowercase); leave mixed case alone."""
    letters = [char for char in name if char.isalpha()]
    if len(letters) < 4 or not (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
        return name
    words = name.split(" ")
    return " ".join(_title_word(word, index == 0) for index, word in enumerate(words))


def classify_sponsors(trials: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(nct_id, sponsor_name, sponsor_class) per trial, and the sponsor evidence."""
    leads = trials.select("nct_id", "lead_sponsor", "lead_sponsor_class")
    named = leads.join(_canonicalize_names(leads), on="lead_sponsor", how="left")
    classes = _classify_names(named.filter(pl.col("sponsor_name").is_not_null()))
    result = named.join(classes, on=["sponsor_name", "lead_sponsor_class"], how="left", nulls_equal=True)
    with_sponsor = result.filter(pl.col("lead_sponsor").is_not_null())
    evidence = pl.concat(
        [
            select_evidence(
                with_sponsor,
                "sponsor",
                pl.col("sponsor_name"),
                pl.col("name_rule"),
                pl.col("lead_sponsor"),
                pl.lit("lead_sponsor"),
            ),
            select_evidence(
                with_sponsor,
                "sponsor",
                pl.col("sponsor_class"),
                pl.col("class_rule"),
                pl.col("class_term"),
                pl.col("class_field"),
            ),
            select_evidence(
                result.filter(pl.col("lead_sponsor").is_null()),
                "sponsor",
                pl.lit("(none)"),
                pl.lit("no lead sponsor registered"),
            ),
        ]
    )
    return result.select("nct_id", "sponsor_name", "sponsor_class"), evidence


def _canonicalize_names(leads: pl.DataFrame) -> pl.DataFrame:
    aliases = load_sponsor_aliases()
    counts = Counter(name for name in leads["lead_sponsor"].to_list() if name)
    by_key: dict[str, Counter[str]] = {}
    for name, count in counts.items():
        cleaned = clean_sponsor_name(name)
        by_key.setdefault(compute_sponsor_key(name), Counter())[cleaned] += count
    rows: list[tuple[str, str, str]] = []
    for name in counts:
        key = compute_sponsor_key(name)
        if key in aliases.names:
            rows.append((name, aliases.names[key], "sponsors.csv alias"))
            continue
        variants = by_key[key]
        mixed = [v for v in variants if format_sponsor_case(v) == v]
        if mixed:
            best = sorted(mixed, key=lambda v: (-variants[v], v))[0]
            rule = "registered name, cleaned" if len(variants) == 1 else "most common spelling of this name"
            rows.append((name, best, rule))
        else:
            best = sorted(variants, key=lambda v: (-variants[v], v))[0]
            rows.append((name, format_sponsor_case(best), "registered name, cleaned and title-cased"))
    return pl.DataFrame(
        rows,
        schema={"lead_sponsor": pl.String, "sponsor_name": pl.String, "name_rule": pl.String},
        orient="row",
    )


def _classify_names(named: pl.DataFrame) -> pl.DataFrame:
    """Class per (canonical name, registry class), by the class rules at the top of this module."""
    aliases = load_sponsor_aliases()
    pairs = named.select("sponsor_name", "lead_sponsor_class").unique()
    # Class words are read in every registered spelling too: "Nkarta, Inc." says "Inc", "Nkarta" does not.
    spellings = named.group_by("sponsor_name").agg(pl.col("lead_sponsor").unique().sort().str.join(" | "))
    words = _find_class_words(
        spellings.select(
            pl.col("sponsor_name"), (pl.col("sponsor_name") + " | " + pl.col("lead_sponsor")).alias("text")
        )
    )
    return (
        pairs.join(words, on="sponsor_name", how="left")
        .with_columns(
            pl.col("sponsor_name")
            .map_elements(lambda n: aliases.classes.get(compute_sponsor_key(n)), return_dtype=pl.String)
            .alias("curated_class")
        )
        .with_columns(*_apply_class_rules())
        .select(
            "sponsor_name", "lead_sponsor_class", "sponsor_class", "class_rule", "class_term", "class_field"
        )
    )


def _find_class_words(spellings: pl.DataFrame) -> pl.DataFrame:
    texts = spellings.select(
        pl.col("sponsor_name").alias("nct_id"),
        pl.lit("lead_sponsor").alias("field"),
        pl.lit(0, dtype=pl.Int32).alias("item"),
        "text",
    )
    found = find_terms(texts, load_sponsor_class_terms(), ("lead_sponsor",)).sort("nct_id", "position")
    first = found.unique(["nct_id", "sponsor_class"], keep="first", maintain_order=True)
    return (
        first.pivot(on="sponsor_class", index="nct_id", values="matched_term")
        .rename({"nct_id": "sponsor_name"})
        .pipe(_ensure_columns, CLASS_RULE_ORDER)
    )


def _ensure_columns(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in columns if c not in frame.columns
    )


def _apply_class_rules() -> list[pl.Expr]:
    agency = pl.col("lead_sponsor_class")
    academic, government, industry = (pl.col(c) for c in CLASS_RULE_ORDER)
    rules: list[tuple[pl.Expr, str, pl.Expr, pl.Expr, str | None]] = [
        (
            pl.col("curated_class").is_not_null(),
            "sponsors.csv class",
            pl.col("curated_class"),
            pl.lit(None),
            None,
        ),
        (
            agency.is_in(["NIH", "FED"]),
            "registry agency class",
            pl.lit("government"),
            agency,
            "lead_sponsor_class",
        ),
        (agency == "INDUSTRY", "registry agency class", pl.lit("industry"), agency, "lead_sponsor_class"),
        (academic.is_not_null(), "name word", pl.lit("academic/hospital"), academic, "lead_sponsor"),
        (agency == "OTHER_GOV", "registry agency class", pl.lit("government"), agency, "lead_sponsor_class"),
        (government.is_not_null(), "name word", pl.lit("government"), government, "lead_sponsor"),
        (industry.is_not_null(), "name word", pl.lit("industry"), industry, "lead_sponsor"),
    ]
    sponsor_class: pl.Expr = pl.lit("other")
    rule: pl.Expr = pl.lit("no class-telling registry class or name word")
    term: pl.Expr = pl.lit(None, dtype=pl.String)
    field: pl.Expr = pl.lit(None, dtype=pl.String)
    # Built from the last rule to the first, so the first matching rule ends up outermost and wins.
    for condition, label, value, matched, source in reversed(rules):
        described = pl.lit(label + " ") + pl.lit("'") + matched.cast(pl.String).fill_null("") + pl.lit("'")
        if source is None:
            described = pl.lit(label)
        sponsor_class = pl.when(condition).then(value).otherwise(sponsor_class)
        rule = pl.when(condition).then(described).otherwise(rule)
        term = pl.when(condition).then(matched.cast(pl.String)).otherwise(term)
        field = pl.when(condition).then(pl.lit(source, dtype=pl.String)).otherwise(field)
    return [
        sponsor_class.alias("sponsor_class"),
        rule.alias("class_rule"),
        term.alias("class_term"),
        field.alias("class_field"),
    ]


def _title_word(word: str, is_first: bool) -> str:
    bare = word.strip("(),.;:")
    if bare.upper() in _ACRONYMS:
        return word.replace(bare, bare.upper())
    if not is_first and word.lower() in _SMALL_WORDS:
        return word.lower()
    lowered = word.lower()
    chars = list(lowered)
    capitalize_next = True
    for index, char in enumerate(chars):
        if char.isalpha():
            if capitalize_next:
                chars[index] = char.upper()
            capitalize_next = False
        elif char.isdigit():
            capitalize_next = False
        elif char in '-(/"':
            capitalize_next = True
    return "".join(chars)
