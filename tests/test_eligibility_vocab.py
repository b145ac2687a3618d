"""The measure vocabulary file and the parser's speed guard."""

from __future__ import annotations

import re

import pytest

from bench.eligibility import make_synthetic_trials, time_table_build
from etl.eligibility import parse_criteria
from etl.eligibility.measures import _check_alternatives, _leading_words, load_measures
from etl.vocab import VocabularyError
from tests.test_eligibility_devset import LISTED_MEASURES


def test_every_listed_measure_is_in_the_vocabulary() -> None:
    assert set(load_measures().measure_units) >= LISTED_MEASURES


def test_measure_names_follow_the_house_style() -> None:
    for measure in load_measures().measure_units:
        assert re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", measure), measure


@pytest.mark.parametrize(
    ("alternative", "words"),
    [
        (r"total\s+bilirubin", ["total", "bilirubin"]),
        (r"steroids?\b", ["steroid"]),
        (r"ha?emoglobin(?!\s*a1c)", ["h", "emoglobin"]),
        (r"c-?sledai(?:[- ]?2k)?", ["c", "sledai"]),
        (r"anti[- ]?ds[- ]?dna", ["anti", "ds", "dna"]),
    ],
)
def test_leading_words(alternative: str, words: list[str]) -> None:
    assert _leading_words(alternative) == words


@pytest.mark.parametrize(
    ("pattern", "stems"),
    [
        (r"\bage\b", ("age",)),  # a leading \b makes the engine try every position
        (r"(?:serum\s+)?creatinine", ("creatinine",)),  # so does a leading optional group
        (r"serum\s+creatinine|scr\b", ("creatinine",)),  # 'scr' holds no stem: the prefilter would hide it
    ],
)
def test_keyword_patterns_that_are_refused(pattern: str, stems: tuple[str, ...]) -> None:
    with pytest.raises(VocabularyError):
        _check_alternatives("example", pattern, stems)


def test_every_concept_finds_its_own_name() -> None:
    names = {
        "sledai": "SLEDAI-2K ≥ 6",
        "mrss": "modified Rodnan skin score ≥ 15",
        "lvef": "left ventricular ejection fraction ≥ 45%",
        "egfr": "estimated glomerular filtration rate ≥ 30 mL/min/1.73 m2",
        "anc": "absolute neutrophil count ≥ 1.5 × 10^9/L",
        "spo2": "peripheral oxygen saturation ≥ 92%",
        "life_expectancy": "anticipated survival ≥ 12 weeks",
        "prednisone": "glucocorticosteroids ≤ 10 mg/day",
    }
    for concept, text in names.items():
        (threshold,) = parse_criteria(text)
        assert load_measures().concepts[concept].rules, concept
        assert threshold.span.split()[0] == text.split()[0], (concept, threshold)


def test_table_build_runs_on_synthetic_trials() -> None:
    """The speed figure is `make bench`'s to print (bench/eligibility.py); a timed assertion here
    would fail on a busy machine. This checks the benchmark's input builds and measures."""
    trials = make_synthetic_trials(500)
    figures = time_table_build(trials)
    print(f"\nbuild_eligibility_tables: {figures['us_per_trial']:.1f} µs/trial on 500 synthetic trials")
    assert figures["us_per_trial"] > 0
