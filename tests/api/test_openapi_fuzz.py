"""The API against its own OpenAPI spec: schemathesis generates valid and invalid
requests for every operation, made with a real token on real data, and none may
end in a server error."""

import pytest
import schemathesis
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
SEEDED_IDS = st.sampled_from([1, 2, 3])
ID_FIELDS = {"customer_id", "location_id", "team_id", "assignee_id", "into_id"}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Random ids almost never exist: often aim at the seeded rows instead."""
    if not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: st.one_of(st.just(value), SEEDED_IDS) if type(value) is int else st.just(value)
            for name, value in path_parameters.items()
        }
    )


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    return st.fixed_dictionaries(
        {
            name: st.one_of(st.just(value), SEEDED_IDS)
            if name in ID_FIELDS and type(value) is int
            else st.just(value)
            for name, value in body.items()
        }
    )


@pytest.fixture
def bearer(north):
    """An agent of North Street with a token, and work at ids 1, 2, … for requests to hit."""
    agent = User.objects.create_user("fuzz", role=Role.AGENT)
    agent.locations.add(north)
    Team.objects.create(name="Front desk", location=north)
    for n in range(2):
        receive(
            email_from(
                f"customer{n}@example.com",
                subject=f"Question {n}",
                text="Hello",
                location=north,
                attachments=[IncomingAttachment("a.pdf", "application/pdf", b"%PDF")],
            )
        )
    return {"Authorization": f"Bearer {issue_token(agent, 'fuzz')}"}


@pytest.mark.django_db(transaction=True, reset_sequences=True)
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_makes_the_api_fail(case, bearer):
    case.call_and_validate(headers=bearer, checks=[not_a_server_error])
