"""The enroll form's options: which a connection supports, and reading what was filled in.

The fields are the command line's option columns (``tui.scripting.OPTION_COLUMNS``), shown only
where the connector's capabilities list the option, and read with the same parsers, so the form
and a bulk CSV accept the same values. ``read_options`` checks everything that can be checked
before any call: each value, and how a due date, a due period and a due date type go together
(a type that needs a date or hours has them, and neither is given for a type that ignores it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from core.capabilities import Capabilities, EnrollOption
from tui.scripting import OPTION_COLUMNS

FieldKind = Literal["text", "select", "check"]
Value = str | bool | None

LABELS: Mapping[str, str] = {
    "due_date": "Due date",
    "access_date": "Access from",
    "valid_until": "Access until",
    "level": "Level",
    "session": "Session",
    "mandatory": "Mandatory",
    "due_date_type": "Due date type",
    "due_period_hours": "Due period (hours)",
    "lock_after_due": "Lock the course after the due date",
}
PLACEHOLDERS: Mapping[str, str] = {
    "due_date": "YYYY-MM-DD (optional)",
    "access_date": "YYYY-MM-DD (optional)",
    "valid_until": "YYYY-MM-DD (optional)",
    "level": "optional",
    "due_period_hours": "whole hours after access starts (optional)",
}


@dataclass(frozen=True, slots=True)
class Field:
    column: str
    option: EnrollOption
    label: str
    kind: FieldKind
    choices: tuple[str, ...] = ()
    placeholder: str = ""


def fields_for(capabilities: Capabilities) -> list[Field]:
    """The option fields a connection's connector supports, in the command line's order."""
    fields = []
    for column, (option, _) in OPTION_COLUMNS.items():
        if option not in capabilities.enroll_options:
            continue
        kind: FieldKind = "text"
        choices: tuple[str, ...] = ()
        if option is EnrollOption.LEVEL and capabilities.levels:
            kind, choices = "select", capabilities.levels
        elif option is EnrollOption.DUE_DATE_TYPE:
            kind, choices = "select", capabilities.due_date_types
        elif option is EnrollOption.SESSION:
            kind = "select"  # the course's sessions, once a course is picked
        elif option in (EnrollOption.MANDATORY, EnrollOption.LOCK_AFTER_DUE):
            kind = "check"
        fields.append(
            Field(column, option, LABELS[column], kind, choices, PLACEHOLDERS.get(column, ""))
        )
    return fields


def read_options(
    fields: list[Field], values: Mapping[str, Value]
) -> tuple[dict[EnrollOption, Any], list[str]]:
    """The enroll options of the filled-in fields, and every problem found (none: send it)."""
    options: dict[EnrollOption, Any] = {}
    errors: list[str] = []
    for field in fields:
        value = values.get(field.column)
        if value is None or value is False or value == "":
            continue
        if value is True:
            options[field.option] = True
            continue
        _, read = OPTION_COLUMNS[field.column]
        try:
            options[field.option] = read(value)
        except ValueError as err:
            errors.append(f"{field.label}: {err}")
    errors.extend(_schedule_errors(options))
    return options, errors


def _schedule_errors(options: Mapping[EnrollOption, Any]) -> list[str]:
    due = options.get(EnrollOption.DUE_AT)
    hours = options.get(EnrollOption.DUE_PERIOD_HOURS)
    kind = options.get(EnrollOption.DUE_DATE_TYPE)
    errors = []
    if due is not None and hours is not None:
        errors.append("Give a due date or a due period, not both")
    elif kind == "due_date" and due is None:
        errors.append("The due date type due_date needs a due date")
    elif kind == "due_period" and hours is None:
        errors.append("The due date type due_period needs a due period in hours")
    elif kind is not None and kind != "due_date" and due is not None:
        errors.append(f"A due date is only used with the due date type due_date, not {kind}")
    elif kind is not None and kind != "due_period" and hours is not None:
        errors.append(f"A due period is only used with the due date type due_period, not {kind}")
    start = options.get(EnrollOption.VALID_FROM)
    for option, label in ((EnrollOption.DUE_AT, "due date"), (EnrollOption.VALID_UNTIL, "end")):
        end = options.get(option)
        if start is not None and end is not None and _day(end) < _day(start):
            errors.append(f"The {label} is before the access date")
    return errors


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
