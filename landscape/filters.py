"""The filter model every page shares, and its round trip through URL query parameters.

Its fields come from the axis registry (`landscape/axes.py`): one tuple field per list axis, then the
start years, the search text and the patient's values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import field, fields, make_dataclass, replace

from landscape.axes import LIST_AXES, PATIENT_AXIS, SEARCH_AXIS, YEAR_AXIS

# List filters: dataclass field -> URL parameter. Values are matched exactly against warehouse labels.
LIST_PARAMS: dict[str, str] = {axis.name: axis.url_key for axis in LIST_AXES}
SCALAR_PARAMS = {
    YEAR_AXIS.min_field: YEAR_AXIS.min_url_key,
    YEAR_AXIS.max_field: YEAR_AXIS.max_url_key,
    SEARCH_AXIS.field: SEARCH_AXIS.url_key,
}
AGE_PARAM = PATIENT_AXIS.age_url_key
# "admits a patient with measure = value": one URL parameter per measure, e.g. admit.egfr_ml_min_1_73m2=40
ADMIT_PREFIX = PATIENT_AXIS.measure_url_prefix

_MEASURE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}$")
# ASCII only: str.isdigit() and float() also accept other scripts' digits ("²", "٣"), which int() rejects.
_ASCII_YEAR = re.compile(r"^[0-9]{1,4}$")
_ASCII_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_MAX_VALUES = 200
_MAX_TEXT = SEARCH_AXIS.max_length
_YEAR_RANGE = YEAR_AXIS.valid_years


class _FilterMethods:
    """What the reader asked for; empty means 'no restriction' on that axis."""

    def is_empty(self) -> bool:
        """True when no filter is set."""
        return self == TrialFilters()

    def without(self, name: str) -> TrialFilters:
        """The same filters with one axis cleared (for 'counts under the other filters')."""
        default = next(f for f in fields(self) if f.name == name)  # type: ignore[arg-type]
        value = default.default_factory() if callable(default.default_factory) else default.default  # type: ignore[misc]
        return replace(self, **{name: value})  # type: ignore[type-var]

    def describe(self) -> str:
        """A short human description, for export file headers and notices."""
        parts = [f"{k}={'|'.join(v)}" for k, v in self.to_query_params().items()]
        return "; ".join(parts) if parts else "no filters"

    def to_query_params(self) -> dict[str, list[str]]:
        """URL parameters, each a list of strings (repeated parameters for several values)."""
        params: dict[str, list[str]] = {}
        for attr, key in LIST_PARAMS.items():
            values = getattr(self, attr)
            if values:
                params[key] = list(values)
        for attr, key in SCALAR_PARAMS.items():
            value = getattr(self, attr)
            if value not in (None, ""):
                params[key] = [str(value)]
        age = getattr(self, PATIENT_AXIS.age_field)
        if age is not None:
            params[AGE_PARAM] = [_format_number(age)]
        for measure, value in getattr(self, PATIENT_AXIS.values_field):
            params[ADMIT_PREFIX + measure] = [_format_number(value)]
        return params


# A frozen dataclass built from the registry, so a new list axis is a new field with no edit here.
TrialFilters = make_dataclass(
    "TrialFilters",
    [(axis.name, tuple[str, ...], field(default=())) for axis in LIST_AXES]
    + [
        (YEAR_AXIS.min_field, int | None, field(default=None)),
        (YEAR_AXIS.max_field, int | None, field(default=None)),
        (SEARCH_AXIS.field, str, field(default="")),
        (PATIENT_AXIS.age_field, float | None, field(default=None)),
        # measure -> the patient's value, sorted by measure; the admission rule decides what it keeps.
        (PATIENT_AXIS.values_field, tuple[tuple[str, float], ...], field(default=())),
    ],
    bases=(_FilterMethods,),
    frozen=True,
)
TrialFilters.__doc__ = _FilterMethods.__doc__
TrialFilters.__module__ = __name__  # pickling and reprs name this module


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _parse_number(text: str) -> float | None:
    """A plain ASCII decimal number, or None ('1e3', 'inf', '²' and '٣' are not accepted)."""
    text = text.strip()
    if not _ASCII_NUMBER.match(text):
        return None
    value = float(text)
    return value if abs(value) < 1e9 else None  # rejects absurd values


def parse_query_params(
    params: Mapping[str, Sequence[str]], known_measures: frozenset[str] | None = None
) -> tuple[TrialFilters, list[str]]:
    """Filters from URL parameters, plus a notice for each parameter that was ignored.

    Never raises: unknown names, bad numbers and oversized values are dropped with a notice.
    """
    notices: list[str] = []
    values: dict[str, object] = {}
    list_keys = {v: k for k, v in LIST_PARAMS.items()}
    scalar_keys = {v: k for k, v in SCALAR_PARAMS.items()}
    patient_values: dict[str, float] = {}
    for key, raw in params.items():
        items = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])]
        if key in list_keys:
            if any(len(v) > _MAX_TEXT for v in items):
                notices.append(f"ignored a '{key}' value longer than {_MAX_TEXT} characters")
            cleaned = tuple(dict.fromkeys(v.strip() for v in items if v.strip() and len(v) <= _MAX_TEXT))
            if len(cleaned) > _MAX_VALUES:
                notices.append(f"'{key}' had too many values; kept the first {_MAX_VALUES}")
                cleaned = cleaned[:_MAX_VALUES]
            values[list_keys[key]] = cleaned
        elif key in scalar_keys:
            text = items[-1].strip() if items else ""
            attr = scalar_keys[key]
            if attr == SEARCH_AXIS.field:
                if len(text) > _MAX_TEXT:
                    notices.append(f"shortened '{key}' to its first {_MAX_TEXT} characters")
                values[attr] = text[:_MAX_TEXT]
            elif _ASCII_YEAR.match(text) and _YEAR_RANGE[0] <= int(text) <= _YEAR_RANGE[1]:
                values[attr] = int(text)
            else:
                notices.append(
                    f"ignored '{key}={text[:40]}': expected a year from {_YEAR_RANGE[0]} to {_YEAR_RANGE[1]}"
                )
        elif key == AGE_PARAM:
            number = _parse_number(items[-1]) if items else None
            if number is not None and PATIENT_AXIS.age_range[0] <= number <= PATIENT_AXIS.age_range[1]:
                values[PATIENT_AXIS.age_field] = number
            else:
                notices.append(f"ignored 'age={(items or [''])[-1][:40]}': expected an age in years (0-120)")
        elif key.startswith(ADMIT_PREFIX):
            measure = key[len(ADMIT_PREFIX) :]
            number = _parse_number(items[-1]) if items else None
            if not _MEASURE_NAME.match(measure) or (
                known_measures is not None and measure not in known_measures
            ):
                notices.append(f"ignored '{key[:60]}': unknown eligibility measure")
            elif number is None:
                notices.append(f"ignored '{key[:60]}': expected a number")
            else:
                patient_values[measure] = number
        else:
            notices.append(f"ignored unknown parameter '{key[:60]}'")
    lo, hi = values.get("start_year_min"), values.get("start_year_max")
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        values["start_year_min"], values["start_year_max"] = hi, lo
        notices.append("start year range was reversed; swapped it")
    values[PATIENT_AXIS.values_field] = tuple(sorted(patient_values.items()))
    filters = TrialFilters(**values)
    return filters, notices
