"""`python -m etl eligibility FILE`: the thresholds in a plain-text criteria file, as JSON lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from etl.eligibility.parser import parse_criteria


def print_thresholds(path: Path, out: TextIO) -> int:
    """Write one JSON object per threshold found in `path`; 1 (with a message on stderr) when the
    file cannot be read as UTF-8 text."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        sys.stderr.write(f"error: cannot read criteria file {path}: {exc}\n")
        return 1
    for threshold in parse_criteria(text):
        out.write(json.dumps(threshold.to_dict(), ensure_ascii=False) + "\n")
    return 0
