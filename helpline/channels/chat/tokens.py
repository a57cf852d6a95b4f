"""The visitor's token: a signed visitor id, kept in the browser's localStorage.

It is not a secret kept on our side: SECRET_KEY signs it, so a forged or altered one fails
its signature and the widget's connection is refused. It names its widget, so a token of one
site's widget does not open chats on another's.
"""

import secrets

from django.core import signing

SALT = "helpline.chat.visitor"


class BadToken(Exception):
    pass


def new_visitor() -> str:
    return "v" + secrets.token_hex(16)


def visitor_token(visitor: str, widget_id: int) -> str:
    return signing.dumps({"v": visitor, "w": widget_id}, salt=SALT, compress=False)


def read_visitor_token(token: str, widget_id: int) -> str:
    """The visitor id the token names; BadToken if forged, altered or another widget's."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise BadToken("tampered") from None
    if (
        not isinstance(data, dict)
        or data.get("w") != widget_id
        or not isinstance(data.get("v"), str)
    ):
        raise BadToken("other")
    return data["v"]
