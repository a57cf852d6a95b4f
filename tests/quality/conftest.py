"""A small QA world: North Street with its manager Mona and agents Nora and Nils; South Mall
with Sam and its manager Sue. Conversations are written through `receive` and answered
through `reply`, so picks and response times come from real rows."""

from types import SimpleNamespace

import pytest

from helpline.conversations.actions import reply
from helpline.core.models import Role, User
from helpline.quality import actions as qa
from tests.desk.conftest import write_in


@pytest.fixture
def people(north, south, admin, agent_north, agent_south):
    mona = User.objects.create_user("mona", "mona@shop.test", "pw-mona-123", role=Role.MANAGER)
    mona.locations.add(north)
    sue = User.objects.create_user("sue", "sue@shop.test", "pw", role=Role.MANAGER)
    sue.locations.add(south)
    nils = User.objects.create_user("nils", "nils@shop.test", "pw", role=Role.AGENT)
    nils.locations.add(north)
    return SimpleNamespace(
        admin=admin, mona=mona, sue=sue, nora=agent_north, nils=nils, sam=agent_south
    )


@pytest.fixture
def scorecard(admin):
    card = qa.create_scorecard(admin, "Every conversation", 1, 5)
    criteria = [
        qa.add_criterion(admin, card, name="Understood the problem", weight=2, allow_na=False),
        qa.add_criterion(admin, card, name="Tone", weight=1),
        qa.add_criterion(
            admin, card, name="Checked identity", weight=1, auto_fail=True, allow_na=True
        ),
    ]
    return SimpleNamespace(card=card, criteria=criteria)


def answered(location, agent, n: int, prefix: str = "Order"):
    """`n` conversations at `location`, each answered by `agent` now."""
    conversations = []
    for i in range(n):
        conversation = write_in(location, f"c{prefix.lower()}{i}@example.com", f"{prefix} {i}")
        reply(agent, conversation, "On its way")
        conversations.append(conversation)
    return conversations
