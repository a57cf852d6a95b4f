"""The admin shows a customer's messages from every channel on one timeline."""

import pytest

from helpline.conversations.receive import Inbound, receive
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria(north, mailbox):
    email = receive(email_from(subject="Kettle", text="It leaks.", mailbox=mailbox))
    customer = email.message.conversation.customer
    customer.identities.create(kind="phone", value="+442071838750")
    receive(
        Inbound(
            channel="phone",
            identity_kind="phone",
            identity_value="+442071838750",
            text="Called about the kettle",
            location=north,
        )
    )
    return customer


def test_the_timeline_holds_every_channel(client, admin, maria):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get(f"/admin/customers/customer/{maria.pk}/change/").content.decode()

    assert "It leaks." in page
    assert "Called about the kettle" in page
    assert page.index("Called about the kettle") < page.index("It leaks.")  # newest first


def test_the_page_lists_the_customers_conversations_with_links(client, admin, maria):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get(f"/admin/customers/customer/{maria.pk}/change/").content.decode()

    inline = page[page.index('id="conversations-group"') : page.index("<h2>Timeline")]
    conversations = list(maria.conversations.all())
    assert len(conversations) == 2
    for conversation in conversations:
        assert f"/admin/conversations/conversation/{conversation.pk}/change/" in inline
    assert "Kettle" in inline


def test_an_agent_of_another_location_cannot_open_it(client, agent_south, maria):
    agent_south.is_staff = True
    agent_south.is_superuser = False
    agent_south.save()
    from django.contrib.auth.models import Permission

    agent_south.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(agent_south)
    response = client.get(f"/admin/customers/customer/{maria.pk}/change/")
    assert response.status_code in (302, 404)
    assert b"It leaks." not in response.content
