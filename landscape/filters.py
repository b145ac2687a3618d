"""The filter model every page shares, and its round trip through URL query parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

# List filters: dataclass field -> URL parameter. Values are matched exactly against warehouse labels.
LIST_PARAMS: dict[str, str] = {
    "targets": "target",
    "constructs": "construct",
    "modalities": "modality",
    "condition_families": "family",
    "condition_entities": "entity",
    "sponsors": "sponsor",
    "sponsor_classes": "sponsor_class",
    "phases": "phase",
    "status_groups": "status",
    "countries": "country",
    "products": "product",
}
SCALAR_PARAMS = {"start_year_min": "start_from", "start_year_max": "start_to", "search_text": "q"}
AGE_PARAM = "age"
# "admits a patient with measure = value": one URL parameter per measure, e.g. admit.egfr_ml_min_1_73m2=40
ADMIT_PREFIX = "admit."

_MEASURE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}$")
_MAX_VALUES = 200
_MAX_TEXT = 200
_YEAR_RANGE = (1990, 2100)


@dataclass(frozen=True)
class TrialFilters:
    """What the reader asked for; empty means 'no restriction' on that axis."""

    targets: tuple[str, ...] = ()
    # Exact target labels ("CD19/BCMA"): a construct, where `targets` matches any of its antigens.
    constructs: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    condition_families: tuple[str, ...] = ()
    condition_entities: tuple[str, ...] = ()
    sponsors: tuple[str, ...] = ()
    sponsor_classes: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    status_groups: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    start_year_min: int | None = None
    start_year_max: int | None = None
    search_text: str = ""
    patient_age_years: float | None = None
    # measure -> the patient's value; a trial admits the patient unless one of its stated
    # requirements on that measure excludes the value.
    patient_values: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    def is_empty(self) -> bool:
        """True when no filter is set."""
        return self == TrialFilters()

    def without(self, name: str) -> TrialFilters:
        """The same filters with one axis cleared (for 'counts under the other filters')."""
        default = next(f for f in fields(self) if f.name == name)
        value = default.default_factory() if callable(default.default_factory) else default.default  # type: ignore[misc]
        return replace(self, **{name: value})

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
        if self.patient_age_years is not None:
            params[AGE_PARAM] = [_format_number(self.patient_age_years)]
        for measure, value in self.patient_values:
            params[ADMIT_PREFIX + measure] = [_format_number(value)]
        return params


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _parse_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) < 1e9 else None  # rejects NaN and absurd values


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
            if attr == "search_text":
                if len(text) > _MAX_TEXT:
                    notices.append(f"shortened '{key}' to its first {_MAX_TEXT} characters")
                values[attr] = text[:_MAX_TEXT]
            elif text.isdigit() and _YEAR_RANGE[0] <= int(text) <= _YEAR_RANGE[1]:
                values[attr] = int(text)
            else:
                notices.append(
                    f"ignored '{key}={text[:40]}': expected a year from {_YEAR_RANGE[0]} to {_YEAR_RANGE[1]}"
                )
        elif key == AGE_PARAM:
            number = _parse_number(items[-1]) if items else None
            if number is not None and 0 <= number <= 120:
                values["patient_age_years"] = number
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
    filters = TrialFilters(**values, patient_values=tuple(sorted(patient_values.items())))  # type: ignore[arg-type]
    return filters, notices
