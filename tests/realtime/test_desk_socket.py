"""The desk's socket through the whole ASGI application (origin check, session, consumer):
who may open one, and what reaches it. The channel layer is the in-memory one."""

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes its connection
from channels.testing import WebsocketCommunicator
from django.test import Client

from helpline.asgi import application
from helpline.conversations import actions
from helpline.conversations.receive import receive, receive_many
from helpline.core import actions as core_actions
from helpline.realtime.consumers import SIGNED_OUT
from tests.conftest import email_from
from tests.realtime.loop import run

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")


def signed_in(user) -> tuple[Client, bytes]:
    client = Client()
    client.force_login(user)
    return client, f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(cookie: bytes | None = None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin] if origin else []
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/desk/", headers=headers)


def test_a_socket_without_a_signed_in_session_or_from_another_site_is_refused(agent_north):
    _, cookie = signed_in(agent_north)

    async def scenario():
        for refused in (
            socket(),  # no session
            socket(b"sessionid=not-a-session"),
            socket(cookie, origin=(b"origin", b"https://evil.example")),
            socket(cookie, origin=None),
        ):
            connected, _ = await refused.connect()
            assert not connected
        accepted = socket(cookie)
        connected, _ = await accepted.connect()
        assert connected
        await accepted.disconnect()

    run(scenario)


async def drain(communicator: WebsocketCommunicator) -> list[dict]:
    """Every event that arrives until none has for half a second."""
    events = []
    while not await communicator.receive_nothing(timeout=0.5):
        events.append(await communicator.receive_json_from())
    return events


def test_events_reach_the_sockets_of_those_who_serve_the_location_only(
    north, south, agent_north, agent_south, admin
):
    people = (agent_north, agent_south, admin)
    sockets = {user.username: socket(signed_in(user)[1]) for user in people}

    async def scenario():
        for communicator in sockets.values():
            assert (await communicator.connect())[0]
        message = await sync_to_async(lambda: receive(email_from(location=north)).message)()
        await sync_to_async(actions.assign)(admin, message.conversation, assignee=agent_north)
        heard = {who: await drain(communicator) for who, communicator in sockets.items()}

        for who in ("nora", "ada"):  # North Street's agent, and the admin
            received, assigned = heard[who]
            assert received["event"] == "message.received"
            assert received["conversation_id"] == message.conversation_id
            assert received["message_id"] == message.pk
            assert received["location_id"] == north.pk
            assert received["new_conversation"] is True
            assert "text" not in received and "subject" not in received  # ids, small fields
            assert assigned["event"] == "conversation.assigned"
            assert assigned["assignee_id"] == agent_north.pk and assigned["actor_id"] == admin.pk
            assert assigned["assignee_before"] is None
        assert heard["sam"] == []  # South Mall's agent hears nothing of North Street

        other = await sync_to_async(lambda: receive(email_from("bo@x.example", location=south)))()
        heard = {who: await drain(communicator) for who, communicator in sockets.items()}
        assert [e["message_id"] for e in heard["sam"]] == [other.message.pk]
        assert [e["message_id"] for e in heard["ada"]] == [other.message.pk]
        assert heard["nora"] == []
        for communicator in sockets.values():
            await communicator.disconnect()

    run(scenario)


def test_the_events_of_one_commit_reach_a_socket_as_one_frame_of_its_locations_only(
    north, south, agent_north, agent_south
):
    nora, sam = socket(signed_in(agent_north)[1]), socket(signed_in(agent_south)[1])

    async def scenario():
        for communicator in (nora, sam):
            assert (await communicator.connect())[0]
        inbounds = [
            email_from("a@x.example", location=north),
            email_from("b@x.example", location=south),
            email_from("c@x.example", location=north),
        ]
        stored = await sync_to_async(lambda: [r.message.pk for r in receive_many(inbounds)])()
        heard = {"nora": await drain(nora), "sam": await drain(sam)}
        for communicator in (nora, sam):
            await communicator.disconnect()
        return stored, heard

    (first, second, third), heard = run(scenario)
    [frame] = heard["nora"]  # one frame: both of North Street's messages, in order
    assert [(e["event"], e["message_id"]) for e in frame] == [
        ("message.received", first),
        ("message.received", third),
    ]
    [single] = heard["sam"]  # South Mall's one message: an event, as alone
    assert single["message_id"] == second


def test_presence_is_pushed_to_who_sees_the_conversation_and_signing_out_closes_the_socket(
    north, agent_north, lead, agent_south
):
    conversation = receive(email_from(location=north)).message.conversation
    nora_client, nora_cookie = signed_in(agent_north)
    nora, lea, sam = (
        socket(nora_cookie),
        socket(signed_in(lead)[1]),
        socket(signed_in(agent_south)[1]),
    )

    async def scenario():
        for communicator in (nora, lea, sam):
            assert (await communicator.connect())[0]
        await nora.send_json_to({"type": "presence", "conversation_id": conversation.pk})
        for communicator in (nora, lea):
            event = await communicator.receive_json_from(timeout=5)
            assert event["event"] == "presence"
            assert event["present"] == [
                {"user_id": agent_north.pk, "name": "Nora", "typing": False}
            ]
        # Typing is news; the same beat again is not.
        await nora.send_json_to(
            {"type": "presence", "conversation_id": conversation.pk, "typing": True}
        )
        assert (await lea.receive_json_from(timeout=5))["present"][0]["typing"] is True
        await nora.send_json_to(
            {"type": "presence", "conversation_id": conversation.pk, "typing": True}
        )
        assert await lea.receive_nothing(timeout=0.5)
        # What is not JSON, or not a beat, is ignored; the socket stays open.
        await sam.send_to(text_data="{not json")
        await sam.send_json_to({"type": "presence", "conversation_id": "1; DROP"})
        await sam.send_json_to(["presence"])
        # Sam may not see the conversation: his beat names nothing, and he heard nothing.
        await sam.send_json_to({"type": "presence", "conversation_id": conversation.pk})
        assert await sam.receive_nothing(timeout=0.5)
        assert await drain(nora) and await lea.receive_nothing(timeout=0.5)

        # Nora signs out: her socket closes, and Lea hears that she left.
        await sync_to_async(nora_client.post)("/sign-out/")
        closed = await nora.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": SIGNED_OUT}
        await nora.disconnect()  # what the server does once the socket is closed
        assert (await lea.receive_json_from(timeout=5))["present"] == []
        await lea.disconnect()
        await sam.disconnect()

    run(scenario)


def test_a_location_taken_away_stops_its_events_at_once(north, south, agent_north, admin):
    nora = socket(signed_in(agent_north)[1])

    async def scenario():
        assert (await nora.connect())[0]
        # Nora moves from North Street to South Mall.
        await sync_to_async(core_actions.update_agent)(admin, agent_north, locations=[south])
        assert (await nora.receive_json_from(timeout=5)) == {"event": "scope.changed"}
        await sync_to_async(lambda: receive(email_from("a@x.example", location=north)))()
        south_message = await sync_to_async(
            lambda: receive(email_from("b@x.example", location=south)).message
        )()
        assert [e["message_id"] for e in await drain(nora)] == [south_message.pk]
        # Switched off: the socket closes.
        await sync_to_async(core_actions.update_agent)(admin, agent_north, is_active=False)
        assert await nora.receive_output(timeout=5) == {
            "type": "websocket.close",
            "code": SIGNED_OUT,
        }
        await nora.disconnect()

    run(scenario)
