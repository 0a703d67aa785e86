"""The published vocabulary: Chinese labels of case states, severities and alert states.

They live in ``traceboard.data.vocabulary`` beside the check results' labels, so that
imports and exports read and write the same terms.

These are the official terms the city publishes (the plan and 双随机、一公开
practice), used on the public site, in CSV files and in look-up answers.
"""

from __future__ import annotations

from traceboard.data.vocabulary import ALERT_LABELS, CASE_LABELS, SEVERITY_LABELS

__all__ = ["ALERT_LABELS", "CASE_LABELS", "SEVERITY_LABELS"]
