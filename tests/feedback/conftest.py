"""A customer's conversation at North Street, solved, and the survey that follows it."""

import email
import re
from email import policy as email_policy

import pytest

from helpline.channels.email.models import OutboundEmail
from helpline.channels.email.outbox import deliver as deliver_outbound
from helpline.conversations import actions as conversation_actions
from helpline.core.events import deliver_due
from helpline.feedback import actions
from helpline.feedback.models import Survey, SurveyPolicy
from tests.desk.conftest import write_in


@pytest.fixture
def csat_policy(db):
    return SurveyPolicy.objects.create(name="Everyone", kind="csat")


@pytest.fixture
def conversation(north, mailbox, agent_north):
    conversation = write_in(
        north,
        "maria@example.com",
        "Broken kettle",
        "My kettle is broken",
        name="Maria Lopez",
        mailbox=mailbox,
    )
    conversation_actions.assign(agent_north, conversation, assignee=agent_north)
    return conversation


def solve(agent, conversation, captured, **kwargs) -> None:
    """Solve it as an agent does, and run the worker's part (the after-commit handlers)."""
    with captured(execute=True):
        conversation_actions.set_status(agent, conversation, "solved", **kwargs)
    deliver_due()


def scheduled_survey(conversation) -> Survey:
    return Survey.objects.get(conversation=conversation, purpose="contact")


def send_and_receive(smtp_server, survey: Survey, when) -> email.message.EmailMessage:
    """Send the due surveys at `when` (time moved, not waited for) and deliver the mail to
    the real SMTP server; the mail as the customer's client parses it."""
    before = len(smtp_server.messages)
    actions.send_due(when)
    survey.refresh_from_db()
    outbound = OutboundEmail.objects.get(message_id=survey.message_id)
    assert deliver_outbound(outbound.pk) == "sent"
    envelope = smtp_server.wait_for(before + 1)[before]
    return email.message_from_bytes(envelope.original_content, policy=email_policy.default)


def links_of(mail) -> list[str]:
    text = mail.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https?://\S+", text)


def answer_links(mail) -> dict[int, str]:
    text = mail.get_body(preferencelist=("plain",)).get_content()
    return {int(score): url for score, url in re.findall(r"^(\d+): (\S+?)\r?$", text, re.M)}


@pytest.fixture
def api_as():
    """`api_as(user)`: the API's JSON client with a token of `user` (tests/api's)."""
    from helpline.core.tokens import issue_token
    from tests.api.conftest import ApiClient

    return lambda user: ApiClient(issue_token(user, "tests"))
