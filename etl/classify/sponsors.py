"""Lead sponsor: one canonical spelling per institution, and its class."""

from __future__ import annotations

import polars as pl

from etl.classify.evidence import select_evidence
from etl.classify.matching import find_terms
from etl.classify.sponsor_names import clean_sponsor_name, compute_sponsor_key
from etl.classify.vocabularies import load_sponsor_aliases, load_sponsor_class_terms

# Name rules, in order: sponsors.csv alias; otherwise the registered name cleaned (spaces, a leading
# "The", trailing credentials, a trailing country, legal suffixes such as "Co., Ltd."), and spellings
# that differ only in case, punctuation, accents or small words ("of", "and") are joined under the
# first-seen mixed-case spelling: the one of the trial posted first (first_posted_date, then nct_id;
# a missing date sorts last). A new variant in a later refresh is posted later, so the shown spelling
# does not flip when one spelling becomes more common. An all-caps name with no mixed-case twin is
# title-cased ("THE CHILDREN'S HOSPITAL OF ..." -> "Children's Hospital of ...").
#
# Sponsor-investigators: a lead sponsor that is a person (registry class OTHER or none, a name of two
# to four personal-name words, credentials allowed) is academic/hospital; the person's name stays
# the sponsor_name and sponsor_institution names the institution when the record does (responsible
# party affiliation, else the first listed site). is_sponsor_person marks them.
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


def classify_sponsors(
    trials: pl.DataFrame, sites: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(nct_id, sponsor_name, sponsor_class, is_sponsor_person, sponsor_institution) per trial, and
    the sponsor evidence. `sites` is trial_sites (for a sponsor-investigator's first site)."""
    leads = trials.select(
        "nct_id",
        "lead_sponsor",
        "lead_sponsor_class",
        _column_or_null(trials, "first_posted_date", pl.Date),
        _column_or_null(trials, "responsible_party_affiliation", pl.String),
    )
    named = leads.join(_canonicalize_names(leads), on="lead_sponsor", how="left")
    classes = _classify_names(named.filter(pl.col("sponsor_name").is_not_null()))
    result = named.join(classes, on=["sponsor_name", "lead_sponsor_class"], how="left", nulls_equal=True)
    result = _mark_sponsor_persons(result, sites)
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
                result.filter(pl.col("sponsor_institution").is_not_null()),
                "sponsor",
                pl.col("sponsor_institution"),
                pl.lit("sponsor-investigator's institution, from ") + pl.col("institution_field"),
                pl.col("sponsor_institution"),
                pl.col("institution_field"),
            ),
            select_evidence(
                result.filter(pl.col("lead_sponsor").is_null()),
                "sponsor",
                pl.lit("(none)"),
                pl.lit("no lead sponsor registered"),
            ),
        ]
    )
    return (
        result.select("nct_id", "sponsor_name", "sponsor_class", "is_sponsor_person", "sponsor_institution"),
        evidence,
    )


# A personal name: two to four words, each capitalised (or an initial), nothing that names a body.
PERSON_NAME_PATTERN = r"^[A-Z][a-z'\-]+(?:\s+[A-Z]\.?)*(?:\s+(?:[A-Z]\.\s+)?[A-Z][a-z'\-]+){1,3}$"
NOT_PERSON_WORDS = (
    r"(?i)(?-u:\b)(?:division|campus|research|foundation|group|society|network|consortium|trust|alliance"
    r"|association|cent(?:er|re)|lab|laboratory|biotech\w*|pharma\w*|therapeutics|sciences?|medical|health"
    r"|cancer|institut\w*|hospital|clinic|university|college|company|cell|gene|study|trial)(?-u:\b)"
)
PERSON_CLASS_RULE = "sponsor-investigator: the lead sponsor is a person (registry class OTHER or none)"


def _mark_sponsor_persons(result: pl.DataFrame, sites: pl.DataFrame | None) -> pl.DataFrame:
    """Sponsor-investigators become academic/hospital, with their institution where the record names one."""
    is_person = (
        pl.col("sponsor_name").is_not_null()
        & (pl.col("sponsor_class") == "other")
        & (pl.col("lead_sponsor_class").is_null() | (pl.col("lead_sponsor_class") == "OTHER"))
        & pl.col("sponsor_name").str.contains(PERSON_NAME_PATTERN)
        & ~pl.col("sponsor_name").str.contains(NOT_PERSON_WORDS)
    )
    first_site = (
        sites.filter(pl.col("facility").is_not_null())
        .sort("nct_id", "site_order")
        .unique("nct_id", keep="first", maintain_order=True)
        .select("nct_id", pl.col("facility").str.strip_chars().alias("first_site"))
        if sites is not None and sites.height
        else pl.DataFrame(schema={"nct_id": pl.String, "first_site": pl.String})
    )
    affiliation = pl.col("responsible_party_affiliation").str.strip_chars()
    return (
        result.join(first_site, on="nct_id", how="left")
        .with_columns(is_person.fill_null(False).alias("is_sponsor_person"))
        .with_columns(
            pl.when(pl.col("is_sponsor_person"))
            .then(pl.lit("academic/hospital"))
            .otherwise(pl.col("sponsor_class"))
            .alias("sponsor_class"),
            pl.when(pl.col("is_sponsor_person"))
            .then(pl.lit(PERSON_CLASS_RULE))
            .otherwise(pl.col("class_rule"))
            .alias("class_rule"),
            pl.when(pl.col("is_sponsor_person"))
            .then(pl.col("lead_sponsor_class"))
            .otherwise(pl.col("class_term"))
            .alias("class_term"),
            pl.when(pl.col("is_sponsor_person"))
            .then(pl.lit("lead_sponsor"))
            .otherwise(pl.col("class_field"))
            .alias("class_field"),
            pl.when(pl.col("is_sponsor_person"))
            .then(pl.coalesce(affiliation.replace("", None), pl.col("first_site")))
            .alias("sponsor_institution"),
            pl.when(pl.col("is_sponsor_person") & affiliation.replace("", None).is_not_null())
            .then(pl.lit("responsible_party_affiliation"))
            .when(pl.col("is_sponsor_person") & pl.col("first_site").is_not_null())
            .then(pl.lit("first site (trial_sites)"))
            .alias("institution_field"),
        )
    )


def _column_or_null(frame: pl.DataFrame, column: str, dtype: pl.DataType) -> pl.Expr:
    return pl.col(column) if column in frame.columns else pl.lit(None, dtype=dtype).alias(column)


def _canonicalize_names(leads: pl.DataFrame) -> pl.DataFrame:
    aliases = load_sponsor_aliases()
    # First-seen order: trials sorted by first posting date (missing last), then NCT ID.
    ordered = leads.filter(pl.col("lead_sponsor").is_not_null()).sort(
        "first_posted_date", "nct_id", nulls_last=True
    )
    first_seen: dict[str, int] = {}
    for rank, name in enumerate(ordered["lead_sponsor"].to_list()):
        first_seen.setdefault(name, rank)
    by_key: dict[str, dict[str, int]] = {}
    for name, rank in first_seen.items():
        variants = by_key.setdefault(compute_sponsor_key(name), {})
        cleaned = clean_sponsor_name(name)
        variants[cleaned] = min(rank, variants.get(cleaned, rank))
    rows: list[tuple[str, str, str]] = []
    for name in first_seen:
        key = compute_sponsor_key(name)
        if key in aliases.names:
            rows.append((name, aliases.names[key], "sponsors.csv alias"))
            continue
        variants = by_key[key]
        mixed = [v for v in variants if format_sponsor_case(v) == v]
        if mixed:
            best = min(mixed, key=lambda v: variants[v])
            rule = "registered name, cleaned" if len(variants) == 1 else "first-seen spelling of this name"
            rows.append((name, best, rule))
        else:
            best = min(variants, key=lambda v: variants[v])
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
