"""Eligibility criteria text -> numeric thresholds, per-trial requirements and age limits (issue 4)."""

from etl.eligibility.parser import Threshold, parse_criteria
from etl.eligibility.tables import build_eligibility_tables

__all__ = ["Threshold", "build_eligibility_tables", "parse_criteria"]
