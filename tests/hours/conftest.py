"""API clients for the hours routes: North Street's agent, manager, South Mall's agent, an admin."""

import json

import pytest

from helpline.core.models import Role, User
from helpline.core.tokens import issue_token
from tests.api.conftest import ApiClient


class HoursApi(ApiClient):
    """The API test client, plus the methods the hours routes use."""

    def put(self, path: str, body: dict):
        return self.client.put(f"/api{path}", json.dumps(body), content_type="application/json")

    def delete(self, path: str):
        return self.client.delete(f"/api{path}")


@pytest.fixture
def manager_north(north):
    manager = User.objects.create_user("mona", "mona@shop.test", "pw-mona", role=Role.MANAGER)
    manager.locations.add(north)
    return manager


@pytest.fixture
def api_for():
    def make(user) -> HoursApi:
        return HoursApi(issue_token(user, "tests") if user else None)

    return make
