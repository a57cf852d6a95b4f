import pytest

from tests.webhooks.receiver import Receiver, start


@pytest.fixture
def receiver():
    """A loopback receiver; set `.secret` to the webhook's and `.answers` to script it."""
    made = Receiver()
    server = start(made)
    yield made
    server.shutdown()
    server.server_close()
