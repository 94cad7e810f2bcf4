"""Harbor's 6-field cron (sec min hour dom month dow), matched second by second."""

from __future__ import annotations

import datetime

_RANGES = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DAYS = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}


class CronError(ValueError):
    pass


def _value(text, names):
    text = text.lower()
    if text in names:
        return names[text]
    if not text.isdigit():
        raise CronError(f"invalid cron value {text!r}")
    return int(text)


def _field(expr, lo, hi, names):
    allowed = set()
    for part in expr.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"invalid step in {expr!r}")
            step = int(step_text)
        if part in ("*", "?"):
            start, end = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = hi if step > 1 else start
        if start < lo or end > hi or start > end:
            raise CronError(f"cron value out of range in {expr!r}")
        allowed.update(range(start, end + 1, step))
    return allowed


class Cron:
    def __init__(self, expr: str):
        fields = expr.split()
        if len(fields) != 6:
            raise CronError(f"cron {expr!r} must have 6 fields")
        names = [{}, {}, {}, {}, _MONTHS, _DAYS]
        self.sets = [_field(f, lo, hi, n) for f, (lo, hi), n in zip(fields, _RANGES, names)]
        if 7 in self.sets[5]:
            self.sets[5].add(0)
        self.dom_any = fields[3] in ("*", "?")
        self.dow_any = fields[5] in ("*", "?")

    def matches(self, when: datetime.datetime) -> bool:
        sec, minute, hour, dom, month, dow = self.sets
        if when.second not in sec or when.minute not in minute or when.hour not in hour:
            return False
        if when.month not in month:
            return False
        day_ok = when.day in dom
        wday_ok = (when.isoweekday() % 7) in dow
        if self.dom_any or self.dow_any:
            return day_ok and wday_ok
        return day_ok or wday_ok
