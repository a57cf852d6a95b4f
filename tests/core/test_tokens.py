"""Per-agent API tokens: shown once, stored as a hash, usable until the agent leaves."""

import hashlib
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from helpline.core import tokens
from helpline.core.models import Activity, ApiToken

pytestmark = pytest.mark.django_db


def test_it_returns_the_key_once_and_keeps_only_its_hash(agent_north):
    key = tokens.issue_token(agent_north, "zapier")
    token = ApiToken.objects.get(user=agent_north)

    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.key_hash, token.prefix, token.name}
    assert key.startswith(token.prefix)
    assert token.name == "zapier"
    assert Activity.objects.filter(verb="api_token.issued", subject_id=token.pk).exists()


def test_a_key_authenticates_its_agent_and_nothing_else_does(agent_north):
    key = tokens.issue_token(agent_north, "")

    assert tokens.authenticate(key) == agent_north
    assert tokens.authenticate(key + "x") is None
    assert tokens.authenticate("") is None
    assert tokens.authenticate(ApiToken.objects.get().key_hash) is None


def test_an_agent_who_left_can_no_longer_use_their_token(agent_north):
    key = tokens.issue_token(agent_north, "")
    agent_north.is_active = False
    agent_north.save()

    assert tokens.authenticate(key) is None


def test_last_use_is_written_at_most_once_a_minute(agent_north):
    key = tokens.issue_token(agent_north, "")
    tokens.authenticate(key)
    first = ApiToken.objects.get().last_used_at
    tokens.authenticate(key)

    assert first is not None
    assert ApiToken.objects.get().last_used_at == first

    long_ago = timezone.now() - timedelta(minutes=5)
    ApiToken.objects.update(last_used_at=long_ago)
    tokens.authenticate(key)
    assert ApiToken.objects.get().last_used_at > long_ago


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_authorization_header_names_the_agent_of_a_bearer_key(agent_north, scheme):
    key = tokens.issue_token(agent_north, "")
    request = RequestFactory().get("/", headers={"Authorization": f"{scheme} {key}"})

    assert tokens.user_from_authorization_header(request) == agent_north


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer hlp_nope", "Basic {key}", "{key}"])
def test_any_other_authorization_header_names_nobody(agent_north, header):
    key = tokens.issue_token(agent_north, "")
    headers = {} if header is None else {"Authorization": header.format(key=key)}
    request = RequestFactory().get("/", headers=headers)

    assert tokens.user_from_authorization_header(request) is None
