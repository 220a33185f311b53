"""The conditions of a scheme file, typed: one pydantic model per condition type, told apart
by `type`, each building the pure rule object of app/rules.

The models are strict (YAML gives native values: a number written as text is a mistake) and
refuse unknown parameters. Their errors are worded for catalogue editors by `spec_problem`,
relative to the condition they are in.

One module per family, as in app/rules: territory, codes, numbers, yes_no, dates, needs; the
composites and the union of every type in `composite`; the wording of errors in `wording`.
"""

from app.catalogue.conditions.composite import CONDITION_SPEC, ConditionSpec, condition_types, parse_condition
from app.catalogue.conditions.wording import SpecProblem, path_order, spec_problem, spec_problems

__all__ = [
    "CONDITION_SPEC",
    "ConditionSpec",
    "SpecProblem",
    "condition_types",
    "parse_condition",
    "path_order",
    "spec_problem",
    "spec_problems",
]
