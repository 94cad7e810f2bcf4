"""go-swagger serialisation rules: omitempty scalars, strfmt.DateTime timestamps."""

from __future__ import annotations

import datetime

ZERO_TIME = "0001-01-01T00:00:00.000Z"


def now() -> str:
    return fmt_time(datetime.datetime.now(datetime.timezone.utc))


def fmt_time(value: datetime.datetime) -> str:
    value = value.astimezone(datetime.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def clean(obj: dict, always=()) -> dict:
    """Drop omitempty zero values (False, 0, "", None) except keys listed in `always`."""
    out = {}
    for key, value in obj.items():
        if key in always:
            out[key] = value
        elif value is None or value is False or value == "" or (type(value) is int and value == 0):
            continue
        else:
            out[key] = value
    return out
