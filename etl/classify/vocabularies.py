"""Load and check every classification vocabulary (through etl.vocab) and compile its matcher."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import polars as pl

from etl.classify.labels import MODALITY_PRECEDENCE
from etl.classify.matching import (
    CompiledVocabulary,
    build_alias_pattern,
    compile_vocabulary,
    split_alias_tokens,
)
from etl.classify.sponsor_names import compute_sponsor_key
from etl.schema import CONDITION_FAMILIES, SPONSOR_CLASSES
from etl.vocab import VocabularyError, load_vocabulary

YES_NO = ("yes", "no")
CELL_ORIGINS = ("autologous", "allogeneic", "in vivo")
ORGANS = ("kidney", "lung", "nervous system", "skin", "heart", "blood")
# A product's modality that settles its cell origin when products.csv leaves cell_origin empty.
ORIGIN_OF_MODALITY = {
    "Autologous CAR-T": "autologous",
    "Allogeneic CAR-T": "allogeneic",
    "In vivo CAR": "in vivo",
}
MODALITY_SCOPES = ("any", "title_interventions")


@dataclass(frozen=True)
class AntigenVocabulary:
    """Antigen matcher, display order, CAAR labels and the co-medication mask."""

    matcher: CompiledVocabulary
    labels: tuple[str, ...]
    caar_labels: frozenset[str]
    mask_pattern: str


@dataclass(frozen=True)
class ConditionVocabulary:
    """Condition matcher plus each entity's family and root (parent or itself), for overrides."""

    matcher: CompiledVocabulary
    families: dict[str, str]
    roots: dict[str, str]
    organs: dict[str, str | None]


@dataclass(frozen=True)
class SponsorAliases:
    """Canonical sponsor names by cleaned key, with the curated class where one is given."""

    names: dict[str, str]
    classes: dict[str, str]


def split_cell(cell: str | None) -> list[str]:
    """A |-separated cell as a list of trimmed, non-empty parts."""
    if cell is None:
        return []
    return [part.strip() for part in cell.split("|") if part.strip()]


def check_choice(name: str, column: str, values: list[str | None], allowed: tuple[str, ...]) -> None:
    """Fail loudly when a vocabulary cell is not one of the allowed values."""
    bad = sorted({value for value in values if value not in allowed})
    if bad:
        raise VocabularyError(f"{name}.csv: {column} has {bad}; allowed {list(allowed)}")


@cache
def load_antigens() -> AntigenVocabulary:
    """antigens.csv: labels in display order, aliases, CAAR flag, shorthand/ligand resolution."""
    frame = load_vocabulary("antigens", ("label", "aliases", "is_caar"))
    check_choice("antigens", "is_caar", frame["is_caar"].to_list(), YES_NO)
    resolves = frame["resolves_to"].to_list() if "resolves_to" in frame.columns else [None] * frame.height
    rows = [dict(zip(frame.columns, values, strict=True)) for values in frame.iter_rows()]
    labels = tuple(row["label"] for row, target in zip(rows, resolves, strict=True) if not target)
    caar = frozenset(row["label"] for row in rows if row["is_caar"] == "yes")
    matcher_rows: list[dict[str, object]] = []
    for row, target in zip(rows, resolves, strict=True):
        antigens = split_cell(target) or [row["label"]]
        unknown = [antigen for antigen in antigens if antigen not in labels]
        if unknown:
            raise VocabularyError(f"antigens.csv: {row['label']} resolves to unknown {unknown}")
        aliases = split_cell(row["aliases"])
        if row["is_caar"] == "no":
            # Registry shorthand glues the antigen to the CAR: "CD19CAR-T", "BCMACART".
            aliases += [f"{alias} {suffix}" for alias in aliases for suffix in ("car", "cart")]
        for antigen in antigens:
            matcher_rows.append({"aliases": aliases, "antigen": antigen, "is_caar": antigen in caar})
    matcher = compile_vocabulary("antigens", matcher_rows, "aliases")
    return AntigenVocabulary(
        matcher=matcher,
        labels=labels,
        caar_labels=caar,
        mask_pattern=build_comedication_mask([a for r in rows for a in split_cell(r["aliases"])]),
    )


def build_comedication_mask(aliases: list[str]) -> str:
    """Regex for antigen mentions that name an antibody or drug, not the CAR (masked before matching).

    "anti-CD20 monoclonal antibody", "rituximab (anti-CD20", "prior anti-CD20 therapy": a
    co-medication must not make a CD19 CAR-T trial dual-target.
    """
    plain = [alias for alias in aliases if "car" not in split_alias_tokens(alias)]
    antigen = (
        "(?:" + "|".join(build_alias_pattern(a) for a in sorted(set(plain), key=len, reverse=True)) + ")"
    )
    antibody = (
        r"(?:(?:targeted|targeting|directed|specific|depleting|blocking)\s+)?"
        r"(?:(?:monoclonal|humani[sz]ed|fully human)\s+)?"
        r"(?:auto)?(?:antibod(?:y|ies)(?-u:\b)|m?abs?(?-u:\b)|bispecific\s+antibod\w*|t[\s\-]*cell\s+engagers?(?-u:\b)|bites?(?-u:\b))"
    )
    after_drug = (
        r"(?-u:\b)[a-z]+mab(?:-[a-z]{4})?(?-u:\b)\s*[(\[,:]?\s*(?:an?\s+|the\s+)?anti[\s\-]*" + antigen
    )
    # "BCMA x CD3 bispecific antibody": a T-cell engager names its second arm before the antibody word.
    antibody_mention = r"(?:(?-u:\b)anti[\s\-]*)?" + antigen + r"(?:\s*[x×]\s*cd3)?[\s\-]*" + antibody
    prior_therapy = (
        r"(?-u:\b)anti[\s\-]*"
        + antigen
        + r"\s+(?:therapy|therapies|treatment|treatments|agents?|drugs?|biologics?)(?-u:\b)"
    )
    return "(?i)(?:" + "|".join((after_drug, antibody_mention, prior_therapy)) + ")"


@cache
def load_products() -> CompiledVocabulary:
    """products.csv: canonical product, aliases, antigens, modality."""
    frame = load_vocabulary("products", ("product_name", "aliases"))
    antigens = load_antigens()
    rows: list[dict[str, object]] = []
    for row in frame.iter_rows(named=True):
        product_antigens = split_cell(row.get("antigens"))
        unknown = [a for a in product_antigens if a not in antigens.labels]
        if unknown:
            raise VocabularyError(f"products.csv: {row['product_name']} has unknown antigens {unknown}")
        modality = row.get("modality") or None
        if modality is not None and modality not in MODALITY_PRECEDENCE:
            raise VocabularyError(f"products.csv: {row['product_name']} has unknown modality {modality!r}")
        origin = row.get("cell_origin") or ORIGIN_OF_MODALITY.get(modality or "")
        if origin is not None and origin not in CELL_ORIGINS:
            raise VocabularyError(f"products.csv: {row['product_name']} has unknown cell_origin {origin!r}")
        rows.append(
            {
                "aliases": split_cell(row["aliases"]),
                "product_name": row["product_name"],
                "product_antigens": product_antigens,
                "product_modality": modality,
                "product_cell_origin": origin,
            }
        )
    return compile_vocabulary("products", rows, "aliases")


@cache
def load_conditions() -> ConditionVocabulary:
    """conditions.csv: entity, family, aliases, parent, generic flag, oncology-context flag."""
    frame = load_vocabulary("conditions", ("entity", "family", "aliases", "is_generic", "drop_with_oncology"))
    check_choice("conditions", "family", frame["family"].to_list(), CONDITION_FAMILIES)
    check_choice("conditions", "is_generic", frame["is_generic"].to_list(), YES_NO)
    check_choice("conditions", "drop_with_oncology", frame["drop_with_oncology"].to_list(), YES_NO)
    families = dict(zip(frame["entity"].to_list(), frame["family"].to_list(), strict=True))
    organs = frame["organ"].to_list() if "organ" in frame.columns else []
    check_choice("conditions", "organ", [o for o in organs if o], ORGANS)
    rows: list[dict[str, object]] = []
    roots: dict[str, str] = {}
    for row in frame.iter_rows(named=True):
        parent = row.get("parent_entity") or None
        roots[row["entity"]] = parent or row["entity"]
        if parent is not None and parent not in families:
            raise VocabularyError(f"conditions.csv: {row['entity']} has unknown parent {parent!r}")
        rows.append(
            {
                "aliases": split_cell(row["aliases"]),
                "entity": row["entity"],
                "family": row["family"],
                "root_entity": parent or row["entity"],
                "is_generic": row["is_generic"] == "yes",
                "drop_with_oncology": row["drop_with_oncology"] == "yes",
                "organ": row.get("organ") or None,
            }
        )
    return ConditionVocabulary(
        matcher=compile_vocabulary("conditions", rows, "aliases"),
        families=families,
        roots=roots,
        organs={str(row["entity"]): row["organ"] for row in rows},  # type: ignore[misc]
    )


@cache
def load_oncology_terms() -> CompiledVocabulary:
    """oncology_terms.csv: cancer words by category."""
    frame = load_vocabulary("oncology_terms", ("category", "aliases"))
    rows = [
        {"aliases": split_cell(row["aliases"]), "category": row["category"]}
        for row in frame.iter_rows(named=True)
    ]
    return compile_vocabulary("oncology_terms", rows, "aliases")


@cache
def load_car_terms() -> CompiledVocabulary:
    """car_terms.csv: wording that makes a record CAR-based."""
    frame = load_vocabulary("car_terms", ("label", "aliases"))
    rows = [
        {"aliases": split_cell(row["aliases"]), "car_label": row["label"]}
        for row in frame.iter_rows(named=True)
    ]
    return compile_vocabulary("car_terms", rows, "aliases")


@cache
def load_modalities() -> CompiledVocabulary:
    """modalities.csv: modality wording with the fields it may come from."""
    frame = load_vocabulary("modalities", ("modality", "aliases", "scope"))
    check_choice("modalities", "modality", frame["modality"].to_list(), MODALITY_PRECEDENCE)
    check_choice("modalities", "scope", frame["scope"].to_list(), MODALITY_SCOPES)
    rows = [
        {"aliases": split_cell(row["aliases"]), "modality": row["modality"], "scope": row["scope"]}
        for row in frame.iter_rows(named=True)
    ]
    return compile_vocabulary("modalities", rows, "aliases")


@cache
def load_sponsor_class_terms() -> CompiledVocabulary:
    """sponsor_class_terms.csv: name words that mark a class."""
    frame = load_vocabulary("sponsor_class_terms", ("sponsor_class", "aliases"))
    check_choice("sponsor_class_terms", "sponsor_class", frame["sponsor_class"].to_list(), SPONSOR_CLASSES)
    rows = [
        {"aliases": split_cell(row["aliases"]), "sponsor_class": row["sponsor_class"]}
        for row in frame.iter_rows(named=True)
    ]
    return compile_vocabulary("sponsor_class_terms", rows, "aliases")


@cache
def load_sponsor_aliases() -> SponsorAliases:
    """sponsors.csv: canonical names keyed by the cleaned-name key of every alias."""
    frame = load_vocabulary("sponsors", ("sponsor_name", "aliases"))
    classes_column = frame["sponsor_class"].to_list() if "sponsor_class" in frame.columns else []
    check_choice("sponsors", "sponsor_class", [c for c in classes_column if c], SPONSOR_CLASSES)
    names: dict[str, str] = {}
    classes: dict[str, str] = {}
    for row in frame.iter_rows(named=True):
        for alias in [row["sponsor_name"], *split_cell(row["aliases"])]:
            key = compute_sponsor_key(alias)
            if key in names and names[key] != row["sponsor_name"]:
                raise VocabularyError(f"sponsors.csv: {alias!r} is claimed by two sponsors")
            names[key] = row["sponsor_name"]
            if row.get("sponsor_class"):
                classes[key] = row["sponsor_class"]
    return SponsorAliases(names=names, classes=classes)


def list_vocabulary_frames() -> dict[str, pl.DataFrame]:
    """Every compiled key table by name (used by tests to check for clashes)."""
    return {
        "antigens": load_antigens().matcher.keys,
        "products": load_products().keys,
        "conditions": load_conditions().matcher.keys,
        "oncology_terms": load_oncology_terms().keys,
        "car_terms": load_car_terms().keys,
        "modalities": load_modalities().keys,
        "sponsor_class_terms": load_sponsor_class_terms().keys,
    }
