"""`helpline create-token USERNAME [--name N]` prints a key that works, once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from helpline.core import tokens
from helpline.core.models import ApiToken

pytestmark = pytest.mark.django_db


def test_the_create_token_command_prints_a_working_key(agent_north):
    out = StringIO()
    call_command("create_token", "nora", "--name", "laptop", stdout=out)
    key = out.getvalue().strip()

    assert tokens.authenticate(key) == agent_north
    assert ApiToken.objects.get().name == "laptop"


def test_the_create_token_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user named"):
        call_command("create_token", "nobody")
