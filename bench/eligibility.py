"""Parser speed (`python -m bench.eligibility [--count N] [--texts DIR]`): µs per text and trial."""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from bench.synthetic import make_record
from etl.eligibility import parser
from etl.eligibility.tables import build_eligibility_tables


def time_parsing(texts: Sequence[str], rounds: int = 5) -> dict[str, float]:
    """Best-of-rounds µs per text: 'cold' clears the line cache before every round, 'warm' keeps it."""
    cold = warm = float("inf")
    for _ in range(rounds):
        parser._LINE_CACHE.clear()
        started = time.perf_counter()
        for text in texts:
            parser.parse_criteria(text)
        cold = min(cold, time.perf_counter() - started)
        started = time.perf_counter()
        for text in texts:
            parser.parse_criteria(text)
        warm = min(warm, time.perf_counter() - started)
    size = sum(len(t) for t in texts) / max(len(texts), 1)
    return {
        "texts": len(texts),
        "mean_chars": size,
        "cold_us": cold / len(texts) * 1e6,
        "warm_us": warm / len(texts) * 1e6,
    }


def time_table_build(trials: pl.DataFrame) -> dict[str, float]:
    """µs per trial for build_eligibility_tables on a trials frame (line cache cleared first)."""
    parser._LINE_CACHE.clear()
    started = time.perf_counter()
    tables = build_eligibility_tables(trials)
    elapsed = time.perf_counter() - started
    return {
        "trials": trials.height,
        "us_per_trial": elapsed / trials.height * 1e6,
        "thresholds": tables["eligibility_thresholds"].height,
    }


def make_synthetic_trials(count: int, seed: int = 7) -> pl.DataFrame:
    """Trials from the project's synthetic benchmark records (bench/synthetic.py)."""
    rng = random.Random(seed)
    modules = [make_record(i, rng)["protocolSection"] for i in range(count)]
    return pl.DataFrame(
        {
            "nct_id": [m["identificationModule"]["nctId"] for m in modules],
            "eligibility_criteria": [m["eligibilityModule"]["eligibilityCriteria"] for m in modules],
            "min_age_years": [18.0] * count,
            "max_age_years": [float(m["eligibilityModule"]["maximumAge"].split()[0]) for m in modules],
        }
    )


def read_texts(folder: Path) -> list[str]:
    """Criteria texts from NCT*.txt files (a leading 'SOURCE:' line and blank line are skipped)."""
    texts = []
    for path in sorted(folder.glob("NCT*.txt")):
        text = path.read_text(encoding="utf-8")
        texts.append(text.split("\n", 2)[2] if text.startswith("SOURCE:") else text)
    return texts


def main(argv: Sequence[str] | None = None) -> None:
    """Print the figures."""
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--count", type=int, default=100_000, help="synthetic trials for the table build")
    arguments.add_argument("--texts", type=Path, help="folder of real criteria texts (NCT*.txt)")
    args = arguments.parse_args(argv)
    if args.texts:
        figures = time_parsing(read_texts(args.texts))
        print(
            f"real texts: {figures['texts']} texts of {figures['mean_chars']:.0f} chars on average: "
            f"{figures['cold_us']:.0f} µs/text cold, {figures['warm_us']:.1f} µs/text with the line cache"
        )
    trials = make_synthetic_trials(args.count)
    figures = time_parsing(trials.get_column("eligibility_criteria").to_list()[:20_000], rounds=1)
    print(f"synthetic texts: {figures['cold_us']:.1f} µs/text parse_criteria (distinct texts, shared lines)")
    build = time_table_build(trials)
    print(
        f"build_eligibility_tables: {build['trials']} synthetic trials, "
        f"{build['us_per_trial']:.1f} µs/trial, {build['thresholds']} thresholds"
    )


if __name__ == "__main__":
    main()
