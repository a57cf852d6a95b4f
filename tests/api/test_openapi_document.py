"""The API's own documents: short, unique operation ids; for admins unless opened up;
Swagger UI from this site's files."""

import pytest
from django.test import Client
from django.urls import reverse

from helpline.api.api import api
from helpline.core.models import Role, User
from helpline.core.tokens import issue_token

pytestmark = pytest.mark.django_db

METHODS = {"get", "put", "post", "patch", "delete"}


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_operation_ids_are_the_short_view_names_and_unique():
    found = operations(api.get_openapi_schema(path_prefix="/api/"))
    ids = [operation["operationId"] for _, _, operation in found]

    assert len(ids) == len(set(ids)), sorted(ids)
    assert "list_conversations" in ids
    for method, path, operation in found:
        # Its URL name too: api:list_conversations resolves to the path it documents.
        url_name = f"api:{operation['operationId']}"
        assert "." not in operation["operationId"] and "helpline" not in operation["operationId"]
        assert reverse(url_name, kwargs=_placeholders(path)) == _filled(path), (method, path)


def _placeholders(path: str) -> dict:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return {name: 1 for name in names}


def _filled(path: str) -> str:
    return "/".join("1" if part.startswith("{") else part for part in path.split("/"))


def test_signed_out_the_document_is_401_and_the_docs_send_to_sign_in():
    spec = Client().get("/api/openapi.json")
    docs = Client().get("/api/docs")

    assert spec.status_code == 401
    assert "paths" not in spec.json()
    assert docs.status_code == 302 and docs.url.startswith("/sign-in/?next=/api/docs")


def test_an_agent_may_not_read_them(agent_north):
    client = Client()
    client.force_login(agent_north)
    token = Client(headers={"Authorization": f"Bearer {issue_token(agent_north)}"})

    assert client.get("/api/openapi.json").status_code == 403
    assert client.get("/api/docs").status_code == 403
    assert token.get("/api/openapi.json").status_code == 403


def test_an_admin_reads_them_signed_in_or_with_a_token(admin):
    client = Client()
    client.force_login(admin)
    token = Client(headers={"Authorization": f"Bearer {issue_token(admin)}"})

    assert client.get("/api/openapi.json").json()["info"]["title"] == "Helpline API"
    assert token.get("/api/openapi.json").json()["openapi"].startswith("3.")
    assert client.get("/api/docs").status_code == 200


def test_staff_read_them(north):
    staff = User.objects.create_user("stef", "stef@shop.test", "pw", role=Role.MANAGER)
    staff.is_staff = True
    staff.save()
    client = Client()
    client.force_login(staff)

    assert client.get("/api/openapi.json").status_code == 200


def test_the_setting_opens_them_to_anyone(settings):
    settings.HELPLINE_API_DOCS_PUBLIC = True

    assert Client().get("/api/openapi.json").status_code == 200
    assert Client().get("/api/docs").status_code == 200


def test_the_docs_page_loads_swagger_ui_from_this_site_without_the_validator(admin):
    client = Client()
    client.force_login(admin)

    page = client.get("/api/docs").content.decode()

    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "/static/ninja/swagger-ui.css" in page
    assert "cdn" not in page.lower() and "//" not in page.replace("http://www.w3.org", "")
    assert '"validatorUrl": null' in page
