"""The filter model: URL parameters in and out, and garbage survived with a notice."""

from __future__ import annotations

import pytest

from landscape.filters import TrialFilters, parse_query_params


def test_empty_parameters_give_empty_filters() -> None:
    filters, notices = parse_query_params({})
    assert filters.is_empty()
    assert notices == []


def test_round_trip_through_url_parameters() -> None:
    filters = TrialFilters(
        targets=("CD19", "BCMA"),
        modalities=("CAR-T",),
        condition_families=("Rheumatology",),
        condition_entities=("Systemic lupus erythematosus",),
        sponsors=('O\'Brien "Labs"; DROP TABLE trials; --',),
        sponsor_classes=("Industry",),
        phases=("Phase 1/2",),
        status_groups=("active, not recruiting",),
        countries=("Côte d'Ivoire",),
        products=("KYV-101",),
        start_year_min=2019,
        start_year_max=2024,
        search_text="50% & _under_",
        patient_age_years=16.5,
        patient_values=(("egfr_ml_min_1_73m2", 40.0), ("lvef_percent", 45.0)),
    )
    params = filters.to_query_params()
    assert params["target"] == ["CD19", "BCMA"]
    assert params["age"] == ["16.5"]
    assert params["admit.egfr_ml_min_1_73m2"] == ["40"]
    again, notices = parse_query_params(
        params, known_measures=frozenset({"egfr_ml_min_1_73m2", "lvef_percent"})
    )
    assert notices == []
    assert again == filters


def test_single_string_values_are_accepted() -> None:
    filters, notices = parse_query_params({"target": "CD19", "q": "  lupus  "})
    assert filters.targets == ("CD19",)
    assert filters.search_text == "lupus"
    assert notices == []


def test_duplicates_and_blanks_are_dropped() -> None:
    filters, _ = parse_query_params({"target": ["CD19", "CD19", " ", "BCMA"]})
    assert filters.targets == ("CD19", "BCMA")


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"colour": ["red"]}, "unknown parameter 'colour'"),
        ({"start_from": ["twenty"]}, "expected a year"),
        ({"start_to": ["1066"]}, "expected a year"),
        ({"age": ["-3"]}, "expected an age"),
        ({"age": ["nan"]}, "expected an age"),
        ({"age": ["1e308"]}, "expected an age"),
        ({"admit.egfr_ml_min_1_73m2": ["lots"]}, "expected a number"),
        ({"admit.no_such_measure": ["3"]}, "unknown eligibility measure"),
        ({"admit.DROP TABLE": ["3"]}, "unknown eligibility measure"),
        ({"target": ["x" * 500]}, "longer than"),
        ({"q": ["y" * 500]}, "shortened"),
        ({"target": [f"T{i}" for i in range(500)]}, "too many values"),
    ],
)
def test_garbage_is_ignored_with_a_notice(params: dict[str, list[str]], fragment: str) -> None:
    filters, notices = parse_query_params(params, known_measures=frozenset({"egfr_ml_min_1_73m2"}))
    assert any(fragment in notice for notice in notices), notices
    assert isinstance(filters, TrialFilters)


def test_reversed_year_range_is_swapped_with_a_notice() -> None:
    filters, notices = parse_query_params({"start_from": ["2024"], "start_to": ["2019"]})
    assert (filters.start_year_min, filters.start_year_max) == (2019, 2024)
    assert any("swapped" in n for n in notices)


def test_garbage_never_raises() -> None:
    weird: dict[str, list[str]] = {
        "": [""],
        "age": [],
        "start_from": [],
        "admit.": ["1"],
        "target": ["\x00", "'; --", "%27"],
        "\u202e": ["x"],
    }
    filters, notices = parse_query_params(weird)
    assert filters.targets == ("\x00", "'; --", "%27")
    assert len(notices) >= 3


def test_without_clears_one_axis_only() -> None:
    filters = TrialFilters(targets=("CD19",), phases=("Phase 1",), patient_values=(("lvef_percent", 50.0),))
    assert filters.without("targets") == TrialFilters(
        phases=("Phase 1",), patient_values=(("lvef_percent", 50.0),)
    )
    assert filters.without("patient_values").patient_values == ()


def test_describe_names_every_filter() -> None:
    text = TrialFilters(targets=("CD19", "BCMA"), status_groups=("open",)).describe()
    assert text == "target=CD19|BCMA; status=open"
    assert TrialFilters().describe() == "no filters"


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("start_from", "²"),
        ("start_to", "٢٠٢١"),  # Arabic-Indic digits: str.isdigit() says yes, but they are not a year here
        ("start_from", "２０２１"),  # fullwidth digits
        ("age", "٣٠"),
        ("age", "1e1"),
        ("admit.egfr_ml_min_1_73m2", "٤٠"),
        ("admit.egfr_ml_min_1_73m2", "nan"),
    ],
)
def test_numbers_in_the_url_are_ascii_digits_only(key: str, text: str) -> None:
    filters, notices = parse_query_params({key: [text]}, known_measures=frozenset({"egfr_ml_min_1_73m2"}))
    assert filters == TrialFilters()
    assert len(notices) == 1 and key in notices[0]
