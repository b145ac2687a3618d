"""Find vocabulary aliases in trial text with word boundaries: one regex scan per vocabulary."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import polars as pl

# Between two alias tokens the text may have nothing, a space, a hyphen or an underscore, so
# "cd19" finds "CD19", "CD-19" and "CD 19", and "car t" finds "CAR-T", "CAR T" and "CART".
_SEPARATOR = r"[\s_\-]{0,2}"
_SEPARATOR_CHARS = re.compile(r"[\s_\-]+")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_META = set(r"\.+*?()|[]{}^$#&~")
KEY_STRIP = r"[\s_\-]+"
# ASCII word boundaries: Unicode ones push the Rust regex engine off its fast path (10x slower).
# Aliases that start or end with a non-ASCII letter ("γδ") get no boundary on that side.
WORD_BOUNDARY = r"(?-u:\b)"


@dataclass(frozen=True)
class CompiledVocabulary:
    """One vocabulary ready to match: an alternation of every alias and a key -> payload table."""

    name: str
    pattern: str
    keys: pl.DataFrame


def split_alias_tokens(alias: str) -> list[str]:
    """Lowercase tokens of an alias, split at separators and at letter/digit changes."""
    tokens: list[str] = []
    for chunk in _SEPARATOR_CHARS.split(alias.strip().lower()):
        tokens.extend(part for part in _LETTER_DIGIT.split(chunk) if part)
    return tokens


def escape_literal(text: str) -> str:
    """Escape regex metacharacters only (the Rust engine rejects some needless escapes)."""
    return "".join("\\" + char if char in _META else char for char in text)


def build_alias_pattern(alias: str) -> str:
    """Regex for one alias: flexible separators, an optional plural 's', word boundaries at word ends."""
    tokens = split_alias_tokens(alias)
    if not tokens:
        raise ValueError(f"empty alias {alias!r}")
    # A slash may carry spaces around it: "CD19 / 20" is "cd19/20".
    body = _SEPARATOR.join(escape_literal(token) for token in tokens).replace("/", r"\s{0,2}/\s{0,2}")
    last = tokens[-1][-1]
    if last.isalpha():
        body += "s?"
    start = WORD_BOUNDARY if _is_word_char(tokens[0][0]) else ""
    end = WORD_BOUNDARY if _is_word_char(last) else ""
    return start + body + end


def build_alternation(aliases: Iterable[str]) -> str:
    """One case-insensitive alternation; longer aliases first so 'lupus nephritis' beats 'lupus'."""
    unique = sorted(set(aliases), key=lambda alias: (-len(alias), alias))
    return "(?i)(?:" + "|".join(build_alias_pattern(alias) for alias in unique) + ")"


def compute_alias_key(alias: str) -> str:
    """The lookup key of an alias or of matched text: lowercase without separators."""
    return _SEPARATOR_CHARS.sub("", alias.strip().lower())


def expand_alias_keys(aliases: Iterable[str]) -> list[tuple[str, str]]:
    """(key, alias) pairs, with the plural key too, since patterns accept a trailing 's'."""
    pairs: list[tuple[str, str]] = []
    for alias in aliases:
        key = compute_alias_key(alias)
        pairs.append((key, alias))
        if key[-1].isalpha():
            pairs.append((key + "s", alias))
    return pairs


def compile_vocabulary(name: str, rows: list[dict[str, object]], alias_column: str) -> CompiledVocabulary:
    """Compile rows that each carry a list of aliases plus payload columns into a matcher.

    A key that two rows claim with different payloads is an error, except that an explicit alias
    beats a plural form derived from another alias.
    """
    records: dict[str, list[dict[str, object]]] = {}
    explicit: set[str] = set()
    all_aliases: list[str] = []
    for row in rows:
        for alias in _aliases_of(row, alias_column):
            all_aliases.append(alias)
            explicit.add(compute_alias_key(alias))
    for row in rows:
        payload = {k: v for k, v in row.items() if k != alias_column}
        for key, alias in expand_alias_keys(_aliases_of(row, alias_column)):
            if key not in explicit or key == compute_alias_key(alias):
                existing = records.setdefault(key, [])
                if payload not in existing:
                    existing.append(payload)
    keys = pl.DataFrame(
        [{"key": key, **payload} for key, payloads in records.items() for payload in payloads],
        infer_schema_length=None,
    )
    return CompiledVocabulary(name=name, pattern=build_alternation(all_aliases), keys=keys)


_UNIFORM_CHARS = {
    **{chr(code): "-" for code in (*range(0x2010, 0x2016), 0x2212, 0xFF0D)},
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\uff08": "(",
    "\uff09": ")",
}


def normalize_text(expr: pl.Expr) -> pl.Expr:
    """Registry text with one kind of dash, quote, bracket and space, so aliases match reliably."""
    return (
        expr.str.replace_many(list(_UNIFORM_CHARS), list(_UNIFORM_CHARS.values()))
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def find_terms(texts: pl.DataFrame, vocabulary: CompiledVocabulary, fields: Collection[str]) -> pl.DataFrame:
    """Every alias occurrence in the given fields: the text columns plus matched_term, position, payload.

    `texts` has columns nct_id, field, item, text; `position` is the order of the match within its text.
    """
    subset = texts.filter(pl.col("field").is_in(list(fields)))
    found = (
        subset.select(
            "nct_id",
            "field",
            "item",
            pl.col("text").str.extract_all(vocabulary.pattern).alias("matched_term"),
        )
        .filter(pl.col("matched_term").list.len() > 0)
        .with_columns(pl.int_ranges(pl.col("matched_term").list.len()).alias("position"))
        .explode(["matched_term", "position"])
        .with_columns(pl.col("matched_term").str.to_lowercase().str.replace_all(KEY_STRIP, "").alias("key"))
    )
    return found.join(vocabulary.keys, on="key", how="inner").drop("key")


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


def _aliases_of(row: dict[str, object], alias_column: str) -> list[str]:
    aliases = row[alias_column]
    if not isinstance(aliases, list):
        raise TypeError(f"{alias_column} must be a list of aliases, got {aliases!r}")
    return aliases
