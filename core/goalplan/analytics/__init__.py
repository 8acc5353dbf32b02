"""Measurement-based analytics and the SMART review: pure functions over a folded plan.

Above the projections and below the hooks: nothing here does I/O or reads the clock.
"""

from goalplan.analytics.gas import GasGoal, GasSummary, gas_summary, gas_t_score
from goalplan.analytics.instruments import BUILTIN_INSTRUMENTS, GAD7, PHQ9, Band, Instrument, find_instrument
from goalplan.analytics.progress import (
    GoalProgress,
    Trend,
    achievement_status,
    goal_progress,
    least_squares_slope,
    meets_target,
    percent_of_way,
    projected_date,
)
from goalplan.analytics.rci import ReliableChange, reliable_change
from goalplan.analytics.report import (
    GoalAnalytics,
    PlanAnalytics,
    analytics_line,
    goal_analytics,
    plan_analytics,
)
from goalplan.analytics.scores import InstrumentSummary, instrument_summaries
from goalplan.analytics.smart import (
    Finding,
    LintContext,
    LintReport,
    Rule,
    find_rule,
    goal_rule,
    lint,
    plan_rule,
)
from goalplan.text import normalise_statement, words

__all__ = [
    "BUILTIN_INSTRUMENTS",
    "GAD7",
    "PHQ9",
    "Band",
    "Finding",
    "GasGoal",
    "GasSummary",
    "GoalAnalytics",
    "GoalProgress",
    "Instrument",
    "InstrumentSummary",
    "LintContext",
    "LintReport",
    "PlanAnalytics",
    "ReliableChange",
    "Rule",
    "Trend",
    "achievement_status",
    "analytics_line",
    "find_instrument",
    "find_rule",
    "gas_summary",
    "gas_t_score",
    "goal_analytics",
    "goal_progress",
    "goal_rule",
    "instrument_summaries",
    "least_squares_slope",
    "lint",
    "meets_target",
    "normalise_statement",
    "percent_of_way",
    "plan_analytics",
    "plan_rule",
    "projected_date",
    "reliable_change",
    "words",
]
