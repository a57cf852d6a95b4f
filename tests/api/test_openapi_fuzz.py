"""The API against its own OpenAPI spec: schemathesis generates valid and invalid
requests for every operation, sent with an agent's token and an admin's on real data,
and none may end in a server error.

Ids are often aimed at the rows seeded here (random ones almost never exist), and dates
often at the calendar's edges (9999-12-31T23:59:59-23:59 cannot be read in UTC), which is
what fuzzing found answering 500 before every parameter went through one strict parser.
Each test runs in a transaction rolled back at its end, so the whole module stays quick.
"""

import itertools
from datetime import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from helpline.conversations.receive import IncomingAttachment, receive
from helpline.core.models import Role, Team, User
from helpline.core.tokens import issue_token
from helpline.wsgi import application
from tests.conftest import email_from

# The document is for admins (helpline/api/api.py); read here before any test has a database.
with override_settings(HELPLINE_API_DOCS_PUBLIC=True):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

# The ids of the rows the fixture made; read when a value is drawn, after it ran.
SEEDED: list[int] = []
seeded_id = st.integers(min_value=0, max_value=7).map(lambda n: SEEDED[n % len(SEEDED)])
EDGE_MOMENTS = st.sampled_from(
    [
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
        "٢٠٢٦-01-01T10:00:00Z",
    ]
)
ODD_IDS = st.sampled_from(["²", "１", "١٢", "9" * 30, "-1"])


def _is_moment(value) -> bool:
    if not isinstance(value, str) or len(value) < 16:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _aim(value):
    """A value as drawn, or one aimed at a seeded row or at a calendar's edge."""
    if type(value) is int:
        return st.one_of(st.just(value), seeded_id)
    if _is_moment(value):
        return st.one_of(st.just(value), EDGE_MOMENTS)
    if isinstance(value, str) and value.isdigit():
        return st.one_of(st.just(value), seeded_id.map(str), ODD_IDS)
    return st.just(value)


def _aimed(values):
    if not isinstance(values, dict):
        return st.just(values)
    return st.fixed_dictionaries({name: _aim(value) for name, value in values.items()})


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _aimed(path_parameters)


@schema.hook
def flatmap_query(context, query):
    return _aimed(query)


@schema.hook
def flatmap_body(context, body):
    return _aimed(body)


@pytest.fixture
def bearers(north):
    """The tokens of an agent of North Street and of an admin, and work for requests to hit."""
    agent = User.objects.create_user("fuzz", role=Role.AGENT)
    agent.locations.add(north)
    admin = User.objects.create_user("fuzz-admin", role=Role.ADMIN)
    team = Team.objects.create(name="Front desk", location=north)
    conversations = [
        receive(
            email_from(
                f"customer{n}@example.com",
                subject=f"Question {n}",
                text="Hello",
                location=north,
                attachments=[IncomingAttachment("a.pdf", "application/pdf", b"%PDF")],
            )
        ).message.conversation
        for n in range(2)
    ]
    SEEDED[:] = sorted(
        {north.pk, team.pk, agent.pk, admin.pk}
        | {c.pk for c in conversations}
        | {c.customer_id for c in conversations}
        | {m.pk for c in conversations for m in c.messages.all()}
    )
    return itertools.cycle(
        [{"Authorization": f"Bearer {issue_token(user, 'fuzz')}"} for user in (agent, admin)]
    )


@pytest.fixture
def requests_in_this_transaction():
    """Schemathesis calls the WSGI application itself, whose request signals would close the
    test's connection (and with it the transaction); Django's test client does the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_makes_the_api_fail(case, bearers, requests_in_this_transaction):
    """Each operation's examples are sent with the agent's token and the admin's in turn."""
    case.call_and_validate(headers=next(bearers), checks=[not_a_server_error])
