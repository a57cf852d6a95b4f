"""The signed links of a survey mail (django.core.signing, one salt per purpose).

An answer link names one survey and one score; an unsubscribe link names one customer (and
the survey it came with). Both expire (HELPLINE_SURVEY_LINK_DAYS). They are not secrets kept
on our side: SECRET_KEY signs them, so a tampered one fails its signature.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

ANSWER_SALT = "helpline.feedback.answer"
OPT_OUT_SALT = "helpline.feedback.opt-out"


class BadToken(Exception):
    """Why a link does not work: "expired", "tampered" or "other" (another survey's)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AnswerLink:
    survey_id: int
    score: int | None


def _max_age() -> int:
    return settings.HELPLINE_SURVEY_LINK_DAYS * 24 * 3600


def answer_token(survey_id: int, score: int | None = None) -> str:
    data = {"s": survey_id} if score is None else {"s": survey_id, "v": score}
    return signing.dumps(data, salt=ANSWER_SALT, compress=False)


def read_answer_token(token: str, survey_id: int) -> AnswerLink:
    data = _loads(token, ANSWER_SALT)
    if not isinstance(data, dict) or data.get("s") != survey_id:
        raise BadToken("other")
    score = data.get("v")
    return AnswerLink(survey_id, score if isinstance(score, int) else None)


def opt_out_token(customer_id: int, survey_id: int | None) -> str:
    return signing.dumps({"c": customer_id, "s": survey_id}, salt=OPT_OUT_SALT, compress=False)


def read_opt_out_token(token: str) -> tuple[int, int | None]:
    data = _loads(token, OPT_OUT_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise BadToken("tampered")
    return data["c"], data.get("s")


def _loads(token: str, salt: str):
    try:
        return signing.loads(token, salt=salt, max_age=_max_age())
    except signing.SignatureExpired:
        raise BadToken("expired") from None
    except signing.BadSignature:
        raise BadToken("tampered") from None
