"""A customer shared by two locations (issue #15, item 6).

Jonas is South Mall's customer: his email, phone, a note and a custom field are South
Mall's. He phones North Street, whose agent Nora serves only North Street: the call
makes a North Street conversation for him. Nora then sees his name, her location's
conversations and the number he called from; never his email, his note, his custom
field, his South Mall conversation or his history, and she may change nothing about
him. An address of a customer she may not see is refused without saying whose it is.
"""

import pytest
from django.test import Client

from helpline.channels.phone.models import PhoneLine
from helpline.conversations.actions import reply_address
from helpline.conversations.models import Conversation
from helpline.core.tokens import issue_token
from helpline.customers import actions as customer_actions
from tests.api.conftest import ApiClient
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db

NORTH_LINE = "+442071838750"
JONAS_PHONE = "+447700900555"
HOME_PHONE = "+4917012345678"  # a number only South Mall knows
SECRET_NOTE = "Owes South Mall 40 euros"
SOUTH_SUBJECT = "Rechnung Gartenstuhl"


@pytest.fixture
def shared(north, south, admin, agent_north, agent_south):
    PhoneLine.objects.create(number=NORTH_LINE, location=north)
    south_conversation = write_in(south, "jonas@example.de", SOUTH_SUBJECT, name="Jonas Weber")
    jonas = south_conversation.customer
    customer_actions.add_identity(admin, jonas, "phone", HOME_PHONE)
    customer_actions.add_identity(admin, jonas, "phone", JONAS_PHONE)
    customer_actions.add_note(admin, jonas, SECRET_NOTE)
    customer_actions.define_field(admin, key="tier", label="Tier", kind="text")
    customer_actions.set_custom_values(admin, jonas, {"tier": "Platinum-Jonas"})
    # The reproduction of the issue: Nora's phone system reports his call to North Street.
    response = ApiClient(issue_token(agent_north, "pbx")).post(
        "/calls/events",
        {
            "call_id": "c-1",
            "direction": "inbound",
            "from_number": JONAS_PHONE,
            "to_number": NORTH_LINE,
            "outcome": "missed",
        },
    )
    assert response.status_code == 201, response.content
    north_conversation = Conversation.objects.get(location=north)
    assert north_conversation.customer_id == jonas.pk  # one customer, one timeline
    return jonas, north_conversation


def desk(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> ApiClient:
    return ApiClient(issue_token(user, "test"))


HIDDEN = [
    "jonas@example.de",
    HOME_PHONE,
    SECRET_NOTE,
    "Platinum-Jonas",
    SOUTH_SUBJECT,
    "South Mall",
]


def test_the_conversation_page_shows_only_what_north_street_received(shared, agent_north):
    jonas, conversation = shared
    page = desk(agent_north).get(f"/conversations/{conversation.pk}/").content.decode()
    assert "Jonas Weber" in page and JONAS_PHONE in page
    for secret in HIDDEN:
        assert secret not in page, secret


def test_the_customer_page_is_the_shared_view(shared, agent_north, agent_south):
    jonas, conversation = shared
    response = desk(agent_north).get(f"/customers/{jonas.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Jonas Weber" in page and JONAS_PHONE in page
    assert f"/conversations/{conversation.pk}/" in page
    for secret in HIDDEN:
        assert secret not in page, secret
    assert f"/customers/{jonas.pk}/edit/" not in page
    assert f"/customers/{jonas.pk}/merge/" not in page
    # His home location sees him in full.
    home = desk(agent_south).get(f"/customers/{jonas.pk}/").content.decode()
    for known in ["jonas@example.de", SECRET_NOTE, "Platinum-Jonas", SOUTH_SUBJECT]:
        assert known in home, known


def test_the_api_gives_the_shared_view(shared, agent_north, agent_south):
    jonas, _ = shared
    body = api(agent_north).get(f"/customers/{jonas.pk}").json()
    assert body["access"] == "shared"
    assert body["name"] == "Jonas Weber"
    assert [i["value"] for i in body["identities"]] == [JONAS_PHONE]
    assert body["notes"] == [] and body["custom_fields"] == {} and body["location"] is None
    home = api(agent_south).get(f"/customers/{jonas.pk}").json()
    assert home["access"] == "full" and len(home["identities"]) == 3 and home["notes"]


@pytest.mark.parametrize(
    "method,path,data",
    [
        ("post", "/customers/{pk}/notes/", {"body": "x"}),
        ("get", "/customers/{pk}/edit/", None),
        ("get", "/customers/{pk}/merge/", None),
        ("get", "/conversations/new/?customer={pk}", None),
    ],
)
def test_the_desk_changes_nothing_of_a_shared_customer(shared, agent_north, method, path, data):
    jonas, _ = shared
    client = desk(agent_north)
    url = path.format(pk=jonas.pk)
    response = client.post(url, data) if method == "post" else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "method,path,data",
    [
        ("patch", "/customers/{pk}", {"name": "J"}),
        ("post", "/customers/{pk}/notes", {"body": "x"}),
        ("post", "/customers/{pk}/identities", {"kind": "email", "value": "j2@example.de"}),
    ],
)
def test_the_api_changes_nothing_of_a_shared_customer(shared, agent_north, method, path, data):
    jonas, _ = shared
    response = getattr(api(agent_north), method)(path.format(pk=jonas.pk), data)
    assert response.status_code == 404


def test_searches_do_not_find_a_shared_customer_by_what_north_did_not_receive(shared, agent_north):
    assert "Jonas" not in desk(agent_north).get("/customers/?q=jonas@example.de").content.decode()
    found = api(agent_north).get("/search/customers?q=jonas@example.de").json()
    assert "Jonas" not in str(found)
    listed = api(agent_north).get("/customers?q=jonas").json()
    assert listed["items"] == []


def test_a_reply_goes_to_no_address_north_street_did_not_receive(shared):
    _, conversation = shared
    assert reply_address(conversation) == ""


def test_a_taken_address_is_one_answer_whoever_owns_it(shared, north, agent_north):
    own = write_in(north, "otto@example.com", "Hi", name="Otto").customer
    answers = []
    for email in ["jonas@example.de", "otto@example.com"]:
        response = api(agent_north).post(
            "/customers", {"name": "Probe", "emails": [email], "location_id": north.pk}
        )
        answers.append((response.status_code, response.json()))
        identity = api(agent_north).post(
            f"/customers/{own.pk}/identities", {"kind": "email", "value": email}
        )
        if email != "otto@example.com":
            answers.append((identity.status_code, identity.json()))
    first = answers[0]
    assert first[0] == 409
    assert first[1] == {
        "detail": [
            {
                "field": "emails.0",
                "message": "already in use: an address or number belongs to one customer only",
            }
        ]
    }
    assert (
        answers[1][0] == 409
        and answers[1][1]["detail"][0]["message"] == (first[1]["detail"][0]["message"])
    )
    assert answers[2] == first  # the same answer for North Street's own customer
    assert "Jonas" not in str(answers)


def test_the_desk_says_nothing_of_who_has_an_address_north_cannot_see(
    shared, north, south, agent_north
):
    hidden = write_in(south, "ines@example.es", "Hola", name="Ines Hidden").customer
    response = desk(agent_north).post(
        "/customers/new/", {"name": "P", "email": "ines@example.es", "location": north.pk}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "ines@example.es is already in use." in page
    assert "Ines" not in page.replace("ines@example.es", "")
    assert "South Mall" not in page and "another location" not in page
    assert f"/customers/{hidden.pk}/" not in page


def test_the_desk_offers_no_merge_with_a_shared_customer(shared, north, agent_north):
    jonas, _ = shared
    own = write_in(north, "otto@example.com", "Hi", name="Otto").customer
    response = desk(agent_north).post(
        f"/customers/{own.pk}/edit/", {"part": "identity", "kind": "phone", "value": JONAS_PHONE}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert f'href="/customers/{jonas.pk}/" class="owner">Jonas Weber</a>' in page
    assert "merge-offer" not in page


def test_booking_an_appointment_offers_only_a_number_north_received(shared, agent_north):
    _, conversation = shared
    page = desk(agent_north).get(f"/appointments/new/?conversation={conversation.pk}")
    assert page.status_code == 200
    assert page.context["form"].initial["phone_number"] == JONAS_PHONE
    assert HOME_PHONE not in page.content.decode()
