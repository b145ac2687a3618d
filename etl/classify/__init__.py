"""Classify trials: inclusion, targets, modality, product, condition, sponsor and status (issue 3)."""

from etl.classify.core import classify_trials

__all__ = ["classify_trials"]
