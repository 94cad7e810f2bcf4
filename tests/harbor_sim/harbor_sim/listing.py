"""Lists: page/page_size, the `q` language, sort, X-Total-Count and Link (src/lib/q, src/lib/link.go)."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from urllib.parse import unquote_plus, urlencode

from aiohttp import web

from .errors import bad_request, unprocessable

Q_SYNTAX = 'the query string must contain "=" and the key/value cannot be empty'


def _int_param(request, name, default):
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise unprocessable(f"validation failure list:\n{name} in query must be of type int64: \"{raw}\"")


def page_params(request):
    """(page, page_size); page_size 0 = everything."""
    page = _int_param(request, "page", 1)
    size = _int_param(request, "page_size", 10)
    if size > 100:
        raise unprocessable("validation failure list:\npage_size in query should be less than or equal to 100")
    if page < 1:
        page = 1
    if size < 0:
        size = 10
    return page, size


@dataclass
class Cond:
    key: str
    kind: str      # exact | fuzzy | range | or | and
    value: object  # scalar, (min, max) or list
    raw_key: str = field(default="", compare=False)  # the key as sent (Harbor matches some verbatim)


def _snake(key: str) -> str:
    key = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    return key.lower()


def _value(text: str):
    """parseValue: time, then integer, else string without surrounding quotes."""
    text = text.strip()
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        pass
    try:
        return int(text)
    except ValueError:
        return text.strip("\"'")


def _pattern(key: str, value: str) -> Cond:
    bad = bad_request(f"invalid query string value: {value}")
    head = value[0]
    if head == "~":
        if len(value) < 2:
            raise bad
        return Cond(key, "fuzzy", value[1:])
    if head == "[":
        if value[-1] != "]" or value.count("~") != 1:
            raise bad
        lo, hi = (part.strip() for part in value[1:-1].split("~", 1))
        if not lo and not hi:
            raise bad
        return Cond(key, "range", (_value(lo) if lo else None, _value(hi) if hi else None))
    if head in "{(":
        if value[-1] != ("}" if head == "{" else ")"):
            raise bad
        items = [_value(v) for v in value[1:-1].split(" ")]
        items = [v for v in items if not (isinstance(v, str) and v == "")]
        return Cond(key, "or" if head == "{" else "and", items)
    return Cond(key, "exact", value[1:] if head == "\\" else value)


def parse_q(request) -> list:
    """src/lib/q/builder.go: the (already decoded) q is unescaped once more with Go's
    url.QueryUnescape, in which '+' becomes a space (a literal '+' must be sent as %252B)."""
    raw = request.query.get("q")
    if raw is None or raw == "":
        return []
    text = unquote_plus(raw)
    conds = []
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise bad_request(Q_SYNTAX)
        cond = _pattern(_snake(key), value)
        cond.raw_key = key
        conds.append(cond)
    return conds


def _norm(value):
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return str(value)


def _cmp_value(field_value, wanted):
    if isinstance(wanted, int) and not isinstance(wanted, bool) and not isinstance(field_value, bool):
        try:
            return int(field_value), wanted
        except (TypeError, ValueError):
            pass
    if isinstance(wanted, datetime.datetime):
        return str(field_value)[:19], wanted.strftime("%Y-%m-%dT%H:%M:%S")
    return _norm(field_value), _norm(wanted)


def _match(field_value, cond: Cond) -> bool:
    if cond.kind == "fuzzy":  # beego __icontains
        return field_value is not None and _norm(cond.value).lower() in _norm(field_value).lower()
    if cond.kind == "exact":
        a, b = _cmp_value(field_value, cond.value)
        return a == b
    if cond.kind == "or":
        return any(_match(field_value, Cond(cond.key, "exact", v)) for v in cond.value)
    if cond.kind == "and":  # left to each DAO in Harbor; the generic ORM ignores it
        return True
    lo, hi = cond.value
    if lo is not None:
        a, b = _cmp_value(field_value, lo)
        if a < b:
            return False
    if hi is not None:
        a, b = _cmp_value(field_value, hi)
        if a > b:
            return False
    return True


def filter_items(items, conds, fields: dict):
    """Keep items matching every condition. `fields` maps a q key (snake_case) to a getter;
    conditions on keys not in `fields` are dropped, like Harbor does."""
    active = [c for c in conds if c.key in fields]
    return [it for it in items if all(_match(fields[c.key](it), c) for c in active)]


def sort_items(request, items, fields: dict, default=None):
    """sort=a,-b over `fields` (key -> getter); unknown keys ignored."""
    spec = request.query.get("sort") or default
    if not spec:
        return items
    keys = []
    for part in spec.split(","):
        part = part.strip()
        desc = part.startswith("-")
        name = _snake(part.lstrip("-"))
        if name in fields:
            keys.append((fields[name], desc))
    for getter, desc in reversed(keys):
        items = sorted(items, key=lambda it, g=getter: (g(it) is None, g(it)), reverse=desc)
    return items


def link_header(request, page, size, total) -> str:
    links = []
    if size <= 0:
        return ""

    def url(p):
        query = {k: v for k, v in request.query.items()}
        query["page"] = str(p)
        query["page_size"] = str(size)
        encoded = urlencode(sorted(query.items()))  # Go's url.Values.Encode sorts keys
        return f"<{request.path}?{unquote_plus(encoded)}>"  # then url.QueryUnescape

    if page > 1 and (page - 1) * size < total:
        links.append(url(page - 1) + '; rel="prev"')
    if page * size < total:
        links.append(url(page + 1) + '; rel="next"')
    return " , ".join(links)


def paginate(request, items, page=None, size=None) -> web.Response:
    """Slice `items` (already filtered and sorted) and answer with Harbor's list headers."""
    if page is None:
        page, size = page_params(request)
    return page_response(request, page_slice(items, page, size), page, size, len(items))


def page_slice(items, page, size):
    return items if size == 0 else items[(page - 1) * size: page * size]


def page_response(request, chunk, page, size, total) -> web.Response:
    """A page that the caller already sliced (e.g. to render only the visible items)."""
    headers = {"X-Total-Count": str(total)}
    link = link_header(request, page, size, total)
    if link:
        headers["Link"] = link
    return json_response(chunk, headers=headers)


def json_response(data, status=200, headers=None) -> web.Response:
    return web.Response(status=status, text=json.dumps(data, separators=(",", ":")),
                        content_type="application/json", headers=headers)
