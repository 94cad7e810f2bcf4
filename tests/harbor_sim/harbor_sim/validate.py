"""Request-body validation in go-swagger's terms. The generated BindRequest collects body errors
(unparsable JSON, wrong JSON types, missing body) into a CompositeValidationError, which Harbor
serialises as 422 UNPROCESSABLE_ENTITY "validation failure list:\n..."."""

from __future__ import annotations

import json

from .errors import unprocessable

TYPE_NAMES = {str: "string", bool: "boolean", int: "integer", list: "array", dict: "object"}


async def read_json(request, expected=dict, required=True):
    raw = await request.read()
    if not raw.strip():
        if required:
            raise unprocessable("validation failure list:\nbody in body is required")
        return None
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise unprocessable(f"validation failure list:\nparsing body body from \"\" failed, because {exc}")
    if expected is not None and not isinstance(body, expected):
        raise unprocessable(f"validation failure list:\nparsing body body from \"\" failed, because json: "
                            f"cannot unmarshal {_json_type(body)} into Go value of type "
                            f"{TYPE_NAMES.get(expected, 'object')}")
    return body


def _json_type(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


def check_types(body: dict, spec: dict, where: str = "") -> None:
    """spec: field -> python type (or nested dict spec). Wrong type -> 422 like go-swagger's unmarshal."""
    for name, typ in spec.items():
        if name not in body or body[name] is None:
            continue
        value = body[name]
        path = f"{where}{name}"
        if isinstance(typ, dict):
            if not isinstance(value, dict):
                raise _type_error(path, dict, value)
            check_types(value, typ, path + ".")
            continue
        if typ is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif typ is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        else:
            ok = isinstance(value, typ)
        if not ok:
            raise _type_error(path, typ, value)


def _type_error(path, typ, value):
    return unprocessable(f"{path} in body must be of type {TYPE_NAMES.get(typ, 'object')}: \"{_json_type(value)}\"")


def require(body: dict, *names, where: str = "") -> None:
    for name in names:
        if name not in body or body[name] is None:
            raise unprocessable(f"validation failure list:\n{where}{name} in body is required")
