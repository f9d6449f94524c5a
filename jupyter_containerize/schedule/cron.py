"""Cron expressions as Kubernetes CronJobs (and cron) read them: five fields or a macro."""

from __future__ import annotations

import re

from ..errors import InvalidRequest

MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_NAMES = {
    3: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
    4: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
}
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
_ITEM = re.compile(r"^(?P<range>\*|\?|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(?P<step>\d+))?$")


def _value(text: str, position: int, low: int, high: int, name: str, expr: str) -> int:
    names = _NAMES.get(position)
    if names and text.upper() in names:
        return names.index(text.upper()) + (1 if position == 3 else 0)
    if not text.isdigit():
        raise InvalidRequest(f"Invalid cron expression {expr!r}: {text!r} is not a valid {name}")
    value = int(text)
    if not low <= value <= high:
        raise InvalidRequest(f"Invalid cron expression {expr!r}: {name} {value} is outside {low}-{high}")
    return value


def validate_cron(expr: str) -> str:
    """Return ``expr`` normalised (single spaces); raise InvalidRequest naming what is wrong."""
    text = " ".join((expr or "").split())
    if text.startswith("@"):
        if text.lower() in MACROS:
            return text.lower()
        raise InvalidRequest(f"Invalid cron expression {expr!r}: unknown macro (use one of {', '.join(MACROS)})")
    if "TZ=" in text:
        raise InvalidRequest(f"Invalid cron expression {expr!r}: give the time zone with --timezone, not TZ=")
    fields = text.split(" ")
    if len(fields) != 5:
        raise InvalidRequest(f"Invalid cron expression {expr!r}: expected 5 fields "
                             f"(minute hour day-of-month month day-of-week), got {len(fields)}")
    for position, (field, (name, low, high)) in enumerate(zip(fields, _FIELDS)):
        for item in field.split(","):
            match = _ITEM.match(item)
            if not match:
                raise InvalidRequest(f"Invalid cron expression {expr!r}: {item!r} is not a valid {name}")
            if match.group("step") is not None and int(match.group("step")) == 0:
                raise InvalidRequest(f"Invalid cron expression {expr!r}: a step of 0 in the {name}")
            part = match.group("range")
            if part == "?" and position not in (2, 4):
                raise InvalidRequest(f"Invalid cron expression {expr!r}: '?' only in day of month or week")
            if part in ("*", "?"):
                continue
            bounds = [_value(v, position, low, high, name, expr) for v in part.split("-")]
            if len(bounds) == 2 and bounds[0] > bounds[1]:
                raise InvalidRequest(f"Invalid cron expression {expr!r}: {name} range {part} goes backwards")
    return text
