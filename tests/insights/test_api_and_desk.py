"""The API's sentiment and themes, and the desk's chip and themes page."""

import pytest
from django.test import Client

from helpline.conversations.receive import receive
from helpline.core.events import deliver_due
from helpline.core.tokens import issue_token
from helpline.insights import actions
from helpline.insights.models import Text, Theme
from tests.api.conftest import ApiClient
from tests.conftest import email_from

pytestmark = pytest.mark.django_db

ANGRY = "Terrible service, I am furious: the repair broke my phone again!"


def api(user) -> ApiClient:
    return ApiClient(issue_token(user, "tests"))


@pytest.fixture
def message(north):
    return receive(email_from(text=ANGRY, location=north, subject="Repair")).message


@pytest.fixture
def themes(message):
    deliver_due()
    text = Text.objects.get(message=message)
    at = text.written_at
    repair = Theme.objects.create(
        name="repair · broke", terms=["repair"], weights={"repair": 1.0}, created_at=at
    )
    parcel = Theme.objects.create(
        name="parcel · late", terms=["parcel"], weights={"parcel": 1.0}, created_at=at
    )
    return repair, parcel


def test_a_messages_insight_before_and_after_it_is_read(message, agent_north, agent_south):
    response = api(agent_north).get(f"/messages/{message.pk}/insight")
    assert response.status_code == 200
    assert response.json()["analysed"] is False
    deliver_due()
    body = api(agent_north).get(f"/messages/{message.pk}/insight").json()
    assert body["analysed"] is True
    assert (body["sentiment"], body["language"], body["theme"]) == ("negative", "en", None)
    assert body["compound"] <= -0.6 and body["model"].startswith("vaderSentiment")
    assert api(agent_south).get(f"/messages/{message.pk}/insight").status_code == 404


def test_correcting_a_messages_theme_through_the_api(message, themes, lead, agent_north):
    repair, _ = themes
    path = f"/messages/{message.pk}/theme"
    response = api(lead).client.put(
        f"/api{path}", '{"theme_id": 999999}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "theme_id"
    response = api(agent_north).client.put(
        f"/api{path}", f'{{"theme_id": {repair.pk}}}', content_type="application/json"
    )
    assert response.status_code == 403
    response = api(lead).client.put(
        f"/api{path}", f'{{"theme_id": {repair.pk}}}', content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["theme"] == {"id": repair.pk, "name": repair.name}
    assert response.json()["theme_corrected"] is True


def test_themes_list_rename_and_merge(message, themes, lead, agent_north):
    repair, parcel = themes
    actions.correct_theme(lead, Text.objects.get(message=message), repair)
    listed = api(agent_north).get("/themes").json()
    row = next(r for r in listed if r["id"] == repair.pk)
    assert (row["volume"], row["weeks"][-1], row["bad_share"]) == (1, 1, None)
    assert (
        api(lead).patch(f"/themes/{repair.pk}", {"name": "x" * 121}).json()["detail"][0]["field"]
        == "name"
    )
    renamed = api(lead).patch(f"/themes/{repair.pk}", {"name": "Repairs"}).json()
    assert (renamed["name"], renamed["renamed"]) == ("Repairs", True)
    refused = api(lead).post(f"/themes/{parcel.pk}/merge", {"into_id": 424242})
    assert (refused.status_code, refused.json()["detail"][0]["field"]) == (400, "into_id")
    merged = api(lead).post(f"/themes/{parcel.pk}/merge", {"into_id": repair.pk})
    assert merged.status_code == 200
    assert [r["id"] for r in api(lead).get("/themes").json()] == [repair.pk]


def test_the_conversation_shows_the_chip_and_theme(message, themes, lead, agent_north):
    repair, _ = themes
    actions.correct_theme(lead, Text.objects.get(message=message), repair)
    client = Client()
    client.force_login(agent_north)
    page = client.get(f"/conversations/{message.conversation_id}/").content.decode()
    assert f'id="message-{message.pk}-sentiment"' in page
    assert "sentiment-negative" in page
    assert f'id="message-{message.pk}-theme"' in page and repair.name in page


def test_the_themes_page_and_its_forms(message, themes, lead, agent_north):
    repair, parcel = themes
    actions.correct_theme(lead, Text.objects.get(message=message), repair)
    agent = Client()
    agent.force_login(agent_north)
    page = agent.get(f"/insights/themes/?theme={repair.pk}").content.decode()
    assert repair.name in page and "I am furious" in page and "Rename" not in page
    manager = Client()
    manager.force_login(lead)
    refused = manager.post(f"/insights/themes/{parcel.pk}/merge/", {"into": ""})
    assert refused.status_code == 400
    assert 'id="merge-error-' in refused.content.decode()
    assert (
        manager.post(f"/insights/themes/{repair.pk}/rename/", {"name": "Repairs"}).status_code
        == 302
    )
    assert "Repairs" in manager.get("/insights/themes/").content.decode()
    text = Text.objects.get(message=message)
    assert (
        manager.post(f"/insights/texts/{text.pk}/theme/", {"theme": parcel.pk}).status_code == 302
    )
    text.refresh_from_db()
    assert (text.theme, text.theme_set_by) == (parcel, lead)
