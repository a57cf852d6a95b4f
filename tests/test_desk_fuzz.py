"""Every desk route, fed what a fuzzer or a careless link sends, never answers 5xx.

The routes and the world they act on are the permission matrix's (a new view is in it, so
it is fuzzed too). For each route, hypothesis draws query parameters or form fields among
the names the route's module reads (and its forms' fields), and gives them odd values:
digits that are not ASCII ("²", "１", "١٢"), numbers too large for the database, dates at
the calendar's edges, control characters, very long strings. It does so signed in as an
agent and as an admin. A value the desk refuses is a 4xx (or a page naming the field);
anything the view raises or a 5xx fails the test.
"""

import inspect
import re
from functools import cache

import pytest
from django import forms
from django.test import Client
from django.urls import resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_permission_matrix import ROUTES, fill, world  # noqa: F401

pytestmark = pytest.mark.django_db

DESK_ROUTES = sorted(name for name, route in ROUTES.items() if not route.api)

# What fuzzing found, and what a careless integration sends.
ODD_VALUES = [
    "²",
    "１",
    "١٢",
    "٣",
    "0",
    "-1",
    "+1",
    " 1",
    "1_0",
    "1.5",
    "9" * 19,
    "9" * 40,
    "1e309",
    "NaN",
    "me",
    "none",
    "on",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "9999-12-31",
    "2026-02-30T10:00",
    "٢٠٢٦-01-01T10:00",
    "2026-01-01T10:00:00Z\n",
    "\x00",
    "a\x00b",
    "\r\nBcc: x@example.com",
    "<script>alert(1)</script>",
    "x" * 5000,
    "%",
    "'",
]
odd_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
odd_value = st.one_of(
    st.sampled_from(ODD_VALUES),
    odd_text,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.datetimes().map(lambda moment: moment.isoformat()),
)
USERS = ("agent_north", "admin")
# Names any desk page may read besides its own: the inbox's filters, the list cursors.
COMMON = ("location", "team", "after", "next", "q")
_READ = re.compile(r"""(?:GET|POST|params|posted|data)(?:\.get|\.getlist|\[)\(?\s*["'](\w+)["']""")


@cache
def parameter_names(name: str) -> tuple[str, ...]:
    """What the route's view may read: its query and form names, and its module's forms'."""
    route = ROUTES[name]
    path, _, query = route.path.partition("?")
    found = set(COMMON) | set(route.data or {})
    found |= {pair.partition("=")[0] for pair in query.split("&") if pair}
    module = inspect.getmodule(resolve(path.format_map(_AnyId())).func)
    source = inspect.getsource(module)
    found |= set(_READ.findall(source))
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, forms.BaseForm):
            found |= set(value.base_fields)
    return tuple(sorted(found))


class _AnyId(dict):
    def __missing__(self, key):
        return 1


@st.composite
def requests(draw, ids):
    name = draw(st.sampled_from(DESK_ROUTES))
    route = ROUTES[name]
    path = route.path.format(**ids)
    if draw(st.integers(0, 9)) == 0:  # now and then, an id in the path no database holds
        huge = draw(st.sampled_from(["0", "9" * 19, "9" * 30]))
        path = re.sub(r"/\d+/", f"/{huge}/", path, count=1)
    names = parameter_names(name)
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    real_ids = [str(v) for v in ids.values()]
    odd = {n: draw(st.one_of(odd_value, st.sampled_from(real_ids))) for n in chosen}
    user = draw(st.sampled_from(USERS))
    return name, route.method, path, odd, user


# What the sweep gives every parameter of every route: the values found answering 500.
SWEEP = [
    "²",
    "9" * 30,
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "a\x00b",
]


def signed_in(place) -> dict[str, Client]:
    """A client per user, signed in once; a 500 is an answer to report, not an exception."""
    if not hasattr(place, "clients"):
        place.clients = {user: Client(raise_request_exception=False) for user in USERS}
        for user, client in place.clients.items():
            client.force_login(place.users[user])
    return place.clients


def send(place, name: str, user: str, odd: dict, path: str | None = None):
    route = ROUTES[name]
    client = signed_in(place)[user]
    path = path or route.path.format(**place.ids)
    if route.method == "GET":
        base, _, query = path.partition("?")
        params = dict(pair.partition("=")[::2] for pair in query.split("&") if pair)
        return client.get(base, {**params, **odd})
    posted = {k: fill(v, place.ids) for k, v in (route.data or {}).items()}
    return client.post(path, {**posted, **odd})


def test_every_parameter_of_every_route_with_each_odd_value(world):  # noqa: F811
    """Deterministic: for each route, every name it reads at once with each value of SWEEP, as
    an agent and an admin in turn (the random test below tries names alone). GETs first: a
    POST may change what later requests find."""
    failures = []
    routes = sorted(DESK_ROUTES, key=lambda name: ROUTES[name].method != "GET")
    for name in routes:
        names = parameter_names(name)
        for i, odd in enumerate({n: value for n in names} for value in SWEEP):
            response = send(world, name, USERS[i % 2], odd)
            if response.status_code >= 500:
                failures.append((name, USERS[i % 2], {k: v[:40] for k, v in odd.items()}))
    assert not failures, "\n".join(map(repr, failures))


@settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_no_desk_request_answers_a_server_error(data, world):  # noqa: F811
    """Random: a few names of a route, each with a value drawn from odd ones, random text,
    huge numbers, any date, or a real id; now and then an id in the path no row has."""
    name, _, path, odd, user = data.draw(requests(world.ids))
    response = send(world, name, user, odd, path)
    assert response.status_code < 500, (name, path, odd, user)
