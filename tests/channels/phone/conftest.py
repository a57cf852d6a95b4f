"""Our numbers at North Street and South Mall, and Twilio's auth token for the desk."""

import pytest

from helpline.channels.phone.models import PhoneLine

NORTH_NUMBER = "+442071838750"  # North Street's line, in London
SOUTH_NUMBER = "+4930901820"  # South Mall's line, in Berlin
MARIA = "+447700900123"  # a customer's mobile; "07700 900123" in the UK's national format


@pytest.fixture
def north_line(north):
    return PhoneLine.objects.create(number=NORTH_NUMBER, location=north)


@pytest.fixture
def south_line(south):
    return PhoneLine.objects.create(number=SOUTH_NUMBER, location=south)
