"""Lists: pagination, X-Total-Count, Link, the q language, go-swagger output (FACTS §1.5/1.6, §8 items 6-8)."""

from __future__ import annotations

import datetime
import re

import pytest
from aiohttp.test_utils import make_mocked_request

from harbor_sim import jsonout
from harbor_sim.errors import HarborError
from harbor_sim.listing import Cond, filter_items, link_header, page_params, parse_q

from simcore_support import error_of, unique

PAGE_SIZE_MSG = "validation failure list:\npage_size in query should be less than or equal to 100"


def _req(query: str):
    return make_mocked_request("GET", "/api/v2.0/projects" + ("?" + query if query else ""))


def test_page_params_defaults_and_limits():
    assert page_params(_req("")) == (1, 10)
    assert page_params(_req("page=3&page_size=100")) == (3, 100)
    assert page_params(_req("page_size=0")) == (1, 0)
    with pytest.raises(HarborError) as exc:
        page_params(_req("page_size=101"))
    assert (exc.value.status, exc.value.code, exc.value.message) == (422, "UNPROCESSABLE_ENTITY", PAGE_SIZE_MSG)
    with pytest.raises(HarborError) as exc:
        page_params(_req("page=abc"))
    assert exc.value.status == 422


def test_parse_q_kinds():
    conds = parse_q(_req("q=name%3Dfoo,name%3D~bar,project_id%3D[1~5],name%3D{a b},name%3D(c d),ProjectID%3D7"))
    assert conds == [Cond("name", "exact", "foo"), Cond("name", "fuzzy", "bar"), Cond("project_id", "range", (1, 5)),
                     Cond("name", "or", ["a", "b"]), Cond("name", "and", ["c", "d"]), Cond("project_id", "exact", "7")]
    assert parse_q(_req("q=creation_time%3D[2020-01-01T00:00:00~]"))[0].value == (
        datetime.datetime(2020, 1, 1), None)
    assert parse_q(_req("q=name%3D%5C~literal"))[0] == Cond("name", "exact", "~literal")
    # exact values are taken verbatim (quotes are trimmed only inside ranges and lists)
    assert parse_q(_req("q=name%3D%22quoted%22"))[0] == Cond("name", "exact", '"quoted"')
    assert parse_q(_req("q=name%3D{%22a%22%20%27b%27}"))[0] == Cond("name", "or", ["a", "b"])
    # q is unescaped a second time (Go's url.QueryUnescape): '+' turns into a space
    assert parse_q(_req("q=name%3Dteam-a%2Bci"))[0] == Cond("name", "exact", "team-a ci")
    assert parse_q(_req("q=name%3Dteam-a%252Bci"))[0] == Cond("name", "exact", "team-a+ci")


@pytest.mark.parametrize("q", ["name", "=x", "name="])
def test_parse_q_malformed(q):
    with pytest.raises(HarborError) as exc:
        parse_q(make_mocked_request("GET", "/x?q=" + q.replace("=", "%3D")))
    assert exc.value.status == 400
    assert exc.value.message == 'the query string must contain "=" and the key/value cannot be empty'


@pytest.mark.parametrize("value", ["~", "[1~2", "[1~2~3]", "[~]", "{a b", "(a b"])
def test_parse_q_bad_patterns(value):
    with pytest.raises(HarborError) as exc:
        parse_q(make_mocked_request("GET", "/x", headers={}).clone(rel_url="/x?q=name%3D" + value.replace("~", "%7E")))
    assert (exc.value.status, exc.value.message) == (400, f"invalid query string value: {value}")


def test_filter_items_semantics():
    items = [{"name": "alpha", "id": 1}, {"name": "beta", "id": 2}, {"name": "alphabet", "id": 3}]
    fields = {"name": lambda i: i["name"], "id": lambda i: i["id"]}
    pick = lambda conds: [i["id"] for i in filter_items(items, conds, fields)]  # noqa: E731
    assert pick([Cond("name", "exact", "alpha")]) == [1]
    assert pick([Cond("name", "fuzzy", "alpha")]) == [1, 3]
    assert pick([Cond("name", "fuzzy", "ALPHA")]) == [1, 3]  # __icontains
    assert pick([Cond("id", "exact", "2")]) == [2]
    assert pick([Cond("name", "and", ["x"])]) == [1, 2, 3]  # and-lists are DAO-specific, ignored here
    assert pick([Cond("id", "range", (2, None))]) == [2, 3]
    assert pick([Cond("name", "or", ["beta", "alpha"])]) == [1, 2]
    assert pick([Cond("unknown_key", "exact", "zzz")]) == [1, 2, 3]  # unknown keys ignored


def test_link_header_format():
    req = make_mocked_request("GET", "/api/v2.0/projects?page_size=10&page=2&q=name%3D~a")
    assert link_header(req, 2, 10, 35) == ('</api/v2.0/projects?page=1&page_size=10&q=name=~a>; rel="prev" , '
                                           '</api/v2.0/projects?page=3&page_size=10&q=name=~a>; rel="next"')
    assert link_header(req, 1, 10, 5) == ""
    assert link_header(req, 4, 10, 35) == '</api/v2.0/projects?page=3&page_size=10&q=name=~a>; rel="prev"'


def test_jsonout_rules():
    assert jsonout.clean({"a": False, "b": 0, "c": "", "d": None, "e": [], "f": "x", "g": False}, always=("g",)) == {
        "e": [], "f": "x", "g": False}
    stamp = jsonout.fmt_time(datetime.datetime(2023, 5, 8, 9, 23, 12, 84512, tzinfo=datetime.timezone.utc))
    assert stamp == "2023-05-08T09:23:12.084Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", jsonout.now())


@pytest.mark.sim
def test_live_pagination_headers(admin):
    base = unique("pg")
    for i in range(12):
        assert admin.post("/projects", json={"project_name": f"{base}-{i:02d}"}).status_code == 201
    first = admin.get("/projects", params={"name": base})
    assert first.headers["X-Total-Count"] == "12" and len(first.json()) == 10
    assert first.headers["Link"] == f'</api/v2.0/projects?name={base}&page=2&page_size=10>; rel="next"'
    second = admin.get("/projects", params={"name": base, "page": 2})
    assert len(second.json()) == 2
    assert second.headers["Link"] == f'</api/v2.0/projects?name={base}&page=1&page_size=10>; rel="prev"'
    everything = admin.get("/projects", params={"name": base, "page_size": 0})
    assert len(everything.json()) == 12 and "Link" not in everything.headers
    resp = admin.get("/projects", params={"page_size": 101})
    assert resp.status_code == 422 and error_of(resp) == ("UNPROCESSABLE_ENTITY", PAGE_SIZE_MSG)
    # q: range on ids and OR-list, sort desc, unknown key ignored, malformed 400
    ids = sorted(p["project_id"] for p in everything.json())
    ranged = admin.get("/projects", params={"q": f"project_id=[{ids[2]}~{ids[4]}]", "page_size": 0}).json()
    assert [p["project_id"] for p in ranged] == ids[2:5]
    either = admin.get("/projects", params={"q": f"name={{{base}-01 {base}-03}}"}).json()
    assert sorted(p["name"] for p in either) == [f"{base}-01", f"{base}-03"]
    desc = admin.get("/projects", params={"name": base, "sort": "-name", "page_size": 3}).json()
    assert [p["name"] for p in desc] == [f"{base}-11", f"{base}-10", f"{base}-09"]
    ignored = admin.get("/projects", params={"q": f"name={base}-05,nosuchkey=1"}).json()
    assert [p["name"] for p in ignored] == [f"{base}-05"]
    assert admin.get("/projects", params={"q": "name"}).status_code == 400
