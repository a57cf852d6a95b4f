"""How well mail is told apart: robots (bounces, warnings, notices) from people, and a
reply's new text from its quote. Prints JSON.

    .venv/bin/python bench/classification.py

* robots: tests/channels/email/robots/ (written for Helpline by make_robots.py: plain-text
  bounces of MDaemon, qmail, Exchange, Domino and Chinese mail systems, delivery
  warnings, moderation notices, notices from MAILER-DAEMON/postmaster, and people who
  write about such things): kind, bounced recipients and bounced Message-ID all right;
  how many robots were taken for people (normal) and how many bounces were not bounces.
* sisimai (../shared/fixtures/sisimai): classification and the bounced-recipient count,
  graded as tests/channels/email/test_fixture_accuracy.py grades them.
* replies: the new-text checks of the two reply fixture sets.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")


def main() -> None:
    import django

    django.setup()
    from helpline.channels.email.parse import parse_email
    from helpline.channels.email.quotes import extract_new_text
    from tests.channels.email import test_fixture_accuracy as fixtures

    robots_dir = ROOT / "tests" / "channels" / "email" / "robots"
    expected = json.loads((robots_dir / "expected.json").read_text(encoding="utf-8"))
    right = robots_as_people = bounces_missed = robots = 0
    wrong = []
    for name, want in sorted(expected.items()):
        parsed = parse_email((robots_dir / name).read_bytes())
        got = {"kind": parsed.kind, "bounced_recipients": parsed.bounced_recipients}
        if "bounced_message_id" in want:
            got["bounced_message_id"] = parsed.bounced_message_id
        right += got == want
        if got != want:
            wrong.append(f"{name}: {got}")
        if want["kind"] != "normal":
            robots += 1
            robots_as_people += parsed.kind == "normal"
        if want["kind"] == "bounce":
            bounces_missed += parsed.kind != "bounce"

    sisimai = {"right": 0, "total": 0, "recipients_right": 0, "recipients_total": 0}
    for case in fixtures._sisimai_cases():
        parsed = parse_email((fixtures.SISIMAI / case["file"]).read_bytes())
        want = fixtures._expected_kind(case)
        sisimai["total"] += 1
        sisimai["right"] += parsed.kind != "bounce" if want == "not bounce" else parsed.kind == want
        if want == "bounce":
            rows = [r for r in case["expected"] if r["reason"] != "delivered"]
            sisimai["recipients_total"] += 1
            sisimai["recipients_right"] += len(parsed.bounced_recipients) == len(rows)

    a, n_a, _ = fixtures._score_mail_parser_reply(extract_new_text)
    b, n_b, _ = fixtures._score_email_reply_parser(extract_new_text)
    print(
        json.dumps(
            {
                "robots": {
                    "messages": len(expected),
                    "all_right": right,
                    "robots": robots,
                    "robots_taken_for_people": robots_as_people,
                    "bounces": sum(w["kind"] == "bounce" for w in expected.values()),
                    "bounces_not_recognised": bounces_missed,
                    "wrong": wrong,
                },
                "sisimai": sisimai,
                "sisimai_classification": round(sisimai["right"] / sisimai["total"], 3),
                "sisimai_recipient_count": round(
                    sisimai["recipients_right"] / sisimai["recipients_total"], 3
                ),
                "mail_parser_reply": f"{a}/{n_a}",
                "email_reply_parser": f"{b}/{n_b}",
            },
            indent=1,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
