"""A problem found in the data (a value dropped, a record skipped), as reported and as recorded."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

# Listed in full up to this many; the count is always exact.
MAX_RECORDED_PROBLEMS = 500


@dataclass(frozen=True)
class DataProblem:
    """What was wrong, with which study and field, and what was done about it."""

    reason: str
    nct_id: str | None = None
    field: str | None = None
    where: str | None = None  # file and line, or request and page
    action: str = "value dropped"  # or "record skipped"

    def describe(self) -> str:
        """'NCT01234567 enrollmentInfo.count: 18446744073709551616 is out of range (value dropped)'."""
        subject = " ".join(p for p in (self.nct_id, self.field) if p) or "a record"
        where = f" [{self.where}]" if self.where else ""
        return f"{subject}: {self.reason} ({self.action}){where}"

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready form for meta.json and the refresh record."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DataProblem:
        """Read back what `to_dict` wrote (unknown keys ignored)."""

        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        return cls(
            reason=text("reason") or "unknown problem",
            nct_id=text("nct_id"),
            field=text("field"),
            where=text("where"),
            action=text("action") or "value dropped",
        )


def problems_to_json(problems: Iterable[DataProblem]) -> str:
    """The refresh record's `problems` cell: a JSON list, at most MAX_RECORDED_PROBLEMS long."""
    items = [p.to_dict() for p in problems]
    return json.dumps(items[:MAX_RECORDED_PROBLEMS], ensure_ascii=False)
