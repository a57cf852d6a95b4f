# ruff: noqa: E501 - mail data: long literal lines read better unbroken
"""Write the robot corpus: tests/channels/email/robots/*.eml + expected.json.

Mail from older or unusual mail systems that is not a DSN (RFC 3464): plain-text
bounces (MDaemon, qmail's QSBMF, Exchange NDRs, Lotus Domino, Chinese-language
ones), delivery warnings (a delay is not a failure), list moderation notices, odd
notices from MAILER-DAEMON/postmaster, and people writing about such things (who
must stay "normal"). Written for Helpline from the formats those systems document
(QSBMF: cr.yp.to/proto/qsbmf.txt; Exchange's NDR texts; exim's and sendmail's
warning texts; Mailman's hold notice templates); no third-party mail is copied.

Expectations per file: kind, and for bounces the bounced recipients and the
Message-ID of our message that bounced. Run again after changing a case:
``python tests/channels/email/make_robots.py``.
"""

import base64
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent / "robots"
CASES: dict[str, tuple[bytes, dict]] = {}

ORIGINAL = (
    "From: Helpline Support <support@helpline.test>\n"
    "To: {to}\n"
    "Subject: Re: Your ticket #42\n"
    "Date: Fri, 04 Dec 2026 09:00:00 +0000\n"
    "Message-ID: <{mid}@helpline.test>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
)


def original(to: str, mid: str, body: str = "Your kettle is ready for collection.\n") -> str:
    return ORIGINAL.format(to=to, mid=mid) + "\n" + body


def mail(name: str, headers: list[tuple[str, str]], body: bytes | str, expect: dict) -> None:
    if isinstance(body, str):
        body = body.encode("utf-8")
    names = {n.lower() for n, _ in headers}
    out = b""
    for key, value in headers:
        out += f"{key}: {value}\n".encode()
    if "date" not in names:
        out += b"Date: Fri, 04 Dec 2026 10:00:00 +0000\n"
    if "message-id" not in names:
        out += f"Message-ID: <{name}@robots.example>\n".encode()
    if "to" not in names:
        out += b"To: support@helpline.test\n"
    CASES[name] = (out + b"\n" + body, expect)


def mixed(
    boundary: str, text: bytes | str, attached: str, ctype="message/rfc822"
) -> tuple[str, bytes]:
    if isinstance(text, str):
        text = b"Content-Type: text/plain; charset=us-ascii\n\n" + text.encode()
    body = (
        b"This is a multi-part message in MIME format.\n\n--"
        + boundary.encode()
        + b"\n"
        + text
        + b"\n--"
        + boundary.encode()
        + f"\nContent-Type: {ctype}\n\n".encode()
        + attached.encode()
        + b"\n--"
        + boundary.encode()
        + b"--\n"
    )
    return f'multipart/mixed; boundary="{boundary}"', body


def b64(text: str, charset: str) -> bytes:
    return base64.encodebytes(text.encode(charset))


def bounce(recipients, mid):
    return {"kind": "bounce", "bounced_recipients": recipients, "bounced_message_id": mid}


ROBOT = {"kind": "auto_reply", "bounced_recipients": []}
PERSON = {"kind": "normal", "bounced_recipients": []}

# ------------------------------------------------------------------ MDaemon

ctype, body = mixed(
    "mdaemon-1",
    "The attached message had PERMANENT fatal delivery errors!\n\n"
    "After one or more unsuccessful delivery attempts the attached message has\n"
    "been removed from the mail queue on this server.  The number and frequency\n"
    "of delivery attempts are determined by local configuration parameters.\n\n"
    "YOUR MESSAGE WAS NOT DELIVERED TO ANY OF ITS RECIPIENTS!\n\n"
    "--- Session Transcript ---\n"
    " Fri 2026-12-04 10:00:01: Parsing message <mx.example.net\\pd50000001.msg>\n"
    " Fri 2026-12-04 10:00:01: *  From: support@helpline.test\n"
    " Fri 2026-12-04 10:00:01: *  To: maria.lopez@example.net\n"
    " Fri 2026-12-04 10:00:01: Attempting SMTP connection to [mail.example.net : 25]\n"
    " Fri 2026-12-04 10:00:02: --> MAIL From:<support@helpline.test> SIZE=1204\n"
    " Fri 2026-12-04 10:00:02: <-- 250 2.1.0 Ok\n"
    " Fri 2026-12-04 10:00:02: --> RCPT To:<maria.lopez@example.net>\n"
    " Fri 2026-12-04 10:00:02: <-- 550 5.1.1 <maria.lopez@example.net>: Recipient address rejected: User unknown in local recipient table\n"
    "--- End Transcript ---\n",
    original("maria.lopez@example.net", "reply-101"),
)
mail(
    "mdaemon-permanent-failure",
    [
        ("From", "MDaemon@mx.example.net"),
        ("Subject", "Permanent Delivery Failure"),
        ("MIME-Version", "1.0"),
        ("Content-Type", ctype),
    ],
    body,
    bounce(["maria.lopez@example.net"], "reply-101@helpline.test"),
)
mail(
    "mdaemon-plain-no-subject-keyword",
    [
        ("From", '"MDaemon at mx.example.net" <MDaemon@mx.example.net>'),
        ("Subject", "Re: Your ticket #42"),
        ("Content-Type", "text/plain; charset=us-ascii"),
    ],
    "The attached message had PERMANENT fatal delivery errors!\n\n"
    "YOUR MESSAGE WAS NOT DELIVERED TO ANY OF ITS RECIPIENTS!\n\n"
    "--- Session Transcript ---\n"
    " Fri 2026-12-04 10:00:02: --> RCPT To:<old.box@example.org>\n"
    " Fri 2026-12-04 10:00:02: <-- 550 5.2.1 Mailbox disabled for this recipient\n"
    "--- End Transcript ---\n\n"
    "--- Original message follows ---\n\n" + original("old.box@example.org", "reply-102"),
    bounce(["old.box@example.org"], "reply-102@helpline.test"),
)
mail(
    "mdaemon-delivery-delayed",
    [
        ("From", "MDaemon@mx.example.net"),
        ("Subject", "Warning: Message Delivery Delayed"),
        ("Content-Type", "text/plain; charset=us-ascii"),
    ],
    "The attached message has not yet been delivered to all of its recipients.\n"
    "MDaemon will keep trying to deliver it for up to 5 days.\n"
    "THIS IS A WARNING MESSAGE ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE.\n\n"
    "--- Session Transcript ---\n"
    " Fri 2026-12-04 10:00:02: --> RCPT To:<slow@example.org>\n"
    " Fri 2026-12-04 10:00:02: <-- 451 4.7.1 Greylisted, try again later\n"
    "--- End Transcript ---\n\n--- Original message follows ---\n\n"
    + original("slow@example.org", "reply-103"),
    ROBOT,
)

# ------------------------------------------------------------------ qmail (QSBMF)

QSBMF = (
    "Hi. This is the qmail-send program at mail.example.com.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
    "<{rcpt}>:\n{why}\n\n"
    "--- Below this line is a copy of the message.\n\n"
)
mail(
    "qmail-qsbmf-postmaster-sender",
    [("From", "postmaster@mail.example.com"), ("Subject", "failure notice")],
    QSBMF.format(rcpt="hans@example.com", why="This address no longer accepts mail.")
    + "Return-Path: <support@helpline.test>\nReceived: (qmail 1234 invoked from network); 4 Dec 2026 10:00:00 -0000\n"
    + original("hans@example.com", "reply-111"),
    bounce(["hans@example.com"], "reply-111@helpline.test"),
)
mail(
    "qmail-qsbmf-remote-host-said",
    [
        ("From", "MAILER-DAEMON@mail.example.com"),
        ("Subject", "Returned message"),
        ("Content-Type", "text/plain"),
    ],
    "Hi. This is the qmail-send program at mail.example.com.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
    "<ana.silva@example.com.br>:\n192.0.2.25 does not like recipient.\n"
    "Remote host said: 550 5.1.1 <ana.silva@example.com.br>: Recipient address rejected\n"
    "Giving up on 192.0.2.25.\n\n"
    "--- Below this line is a copy of the message.\n\n"
    + original("ana.silva@example.com.br", "reply-112"),
    bounce(["ana.silva@example.com.br"], "reply-112@helpline.test"),
)
mail(
    "qmail-qsbmf-odd-sender-and-subject",
    [("From", '"Mail System" <mailsys@mail.example.jp>'), ("Subject", "Re: Your ticket #42")],
    QSBMF.format(rcpt="taro@example.jp", why="Sorry, no mailbox here by that name. (#5.1.1)")
    + original("taro@example.jp", "reply-113"),
    bounce(["taro@example.jp"], "reply-113@helpline.test"),
)

# ------------------------------------------------------------------ Exchange NDRs

ctype, body = mixed(
    "ex2003",
    "Your message did not reach some or all of the intended recipients.\n\n"
    "      Subject:\tRe: Your ticket #42\n      Sent:\t12/4/2026 10:00 AM\n\n"
    "The following recipient(s) cannot be reached:\n\n"
    "      Peter Novak on 12/4/2026 10:00 AM\n"
    "            The e-mail account does not exist at the organization this message was sent to.  Check the e-mail address, or contact the recipient directly to find out the correct address.\n"
    "            <ex01.corp.example.com #5.1.1>\n",
    original("peter.novak@corp.example.com", "reply-121"),
)
mail(
    "exchange2003-system-administrator",
    [
        ("From", "System Administrator <postmaster@corp.example.com>"),
        ("Subject", "Undeliverable: Re: Your ticket #42"),
        ("MIME-Version", "1.0"),
        ("Content-Type", ctype),
    ],
    body,
    bounce(["peter.novak@corp.example.com"], "reply-121@helpline.test"),
)
ctype, body = mixed(
    "ex2010",
    "Delivery has failed to these recipients or groups:\n\n"
    "jan.kowalski@firma.example.pl\n"
    "The e-mail address you entered couldn't be found. Please check the recipient's e-mail address and try to resend the message. If the problem continues, please contact your helpdesk.\n\n\n\n\n\n"
    "Diagnostic information for administrators:\n\n"
    "Generating server: EX02.firma.example.pl\n\n"
    "jan.kowalski@firma.example.pl\n"
    "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n",
    original("jan.kowalski@firma.example.pl", "reply-122"),
)
mail(
    "exchange2010-microsoftexchange-sender",
    [
        (
            "From",
            "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@firma.example.pl>",
        ),
        ("Subject", "Re: Your ticket #42"),
        ("MIME-Version", "1.0"),
        ("Content-Type", ctype),
    ],
    body,
    bounce(["jan.kowalski@firma.example.pl"], "reply-122@helpline.test"),
)
ctype, body = mixed(
    "ex-de",
    "Ihre Nachricht hat einige oder alle Empfänger nicht erreicht.\n\n"
    "      Betreff:\tRe: Your ticket #42\n      Gesendet am:\t04.12.2026 10:00\n\n"
    "Folgende(r) Empfänger konnte(n) nicht erreicht werden:\n\n"
    "      'klaus.meyer@firma.example.de' am 04.12.2026 10:00\n"
    "            550 5.1.1 User unknown\n".encode().decode(),
    original("klaus.meyer@firma.example.de", "reply-123"),
)
body = body.replace(b"charset=us-ascii", b"charset=utf-8")
mail(
    "exchange-german-unzustellbar",
    [
        ("From", "Systemadministrator <postmaster@firma.example.de>"),
        ("Subject", "Unzustellbar: Re: Your ticket #42"),
        ("MIME-Version", "1.0"),
        ("Content-Type", ctype),
    ],
    body,
    bounce(["klaus.meyer@firma.example.de"], "reply-123@helpline.test"),
)
mail(
    "exchange-delayed",
    [
        ("From", "Microsoft Outlook <postmaster@corp.example.com>"),
        ("Subject", "Delayed: Re: Your ticket #42"),
        ("Content-Type", "text/plain; charset=us-ascii"),
    ],
    "Delivery is delayed to these recipients or groups:\n\n"
    "lena.berg@corp.example.com\n\n"
    "Subject: Re: Your ticket #42\n\n"
    "This message hasn't been delivered yet. Delivery will continue to be attempted.\n\n"
    "The server will keep trying to deliver this message for the next 1 days, 19 hours and 53 minutes. You'll be notified if the message can't be delivered by that time.\n",
    ROBOT,
)

# ------------------------------------------------------------------ Lotus Domino

mail(
    "domino-delivery-failure",
    [
        ("From", "Postmaster@notes.example.com"),
        (
            "Subject",
            "DELIVERY FAILURE: User jsmith (jsmith@notes.example.com) not listed in Domino Directory",
        ),
        ("Content-Type", "text/plain; charset=us-ascii"),
    ],
    "Your message\n\n  Subject: Re: Your ticket #42\n\n"
    "was not delivered to:\n\n  jsmith@notes.example.com\n\n"
    "because:\n\n  User jsmith (jsmith@notes.example.com) not listed in Domino Directory\n",
    {"kind": "bounce", "bounced_recipients": ["jsmith@notes.example.com"]},
)

# ------------------------------------------------------------------ Chinese-language bounces

COREMAIL = (
    "抱歉，您的邮件被退回来了……\n\n"
    "原邮件信息：\n"
    "时　间： 2026-12-04 10:00:00\n"
    "主　题： Re: Your ticket #42\n"
    "收件人： wang.fang@example.cn\n\n"
    "退信原因：\n"
    "收件人帐号不存在。\n"
    "550 5.1.1 User unknown\n"
)
ctype, _ = mixed("coremail", "", original("wang.fang@example.cn", "reply-131"))
body = (
    b"--coremail\nContent-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: base64\n\n"
    + b64(COREMAIL, "gbk")
    + b"\n--coremail\nContent-Type: message/rfc822\n\n"
    + original("wang.fang@example.cn", "reply-131").encode()
    + b"\n--coremail--\n"
)
mail(
    "chinese-coremail-system-bounce",
    [
        ("From", "=?GBK?B?z7XNs83L0MU=?= <postmaster@mail.example.cn>"),
        ("Subject", "=?GBK?B?z7XNs83L0MU=?="),
        ("MIME-Version", "1.0"),
        ("Content-Type", ctype),
    ],
    body,
    bounce(["wang.fang@example.cn"], "reply-131@helpline.test"),
)
QQ = (
    "很抱歉您发送的邮件被退回，以下是该邮件的相关信息：\n\n"
    "被退回的邮件主题：Re: Your ticket #42\n"
    "发送时间：2026年12月4日 18:00\n"
    "无法送达的地址：li.na@example.cn\n\n"
    "退信原因：对方的邮件服务器拒绝接收（550 Mailbox not found or access denied）\n\n"
    "建议解决方案：请检查收件人地址是否正确。\n\n"
    "----- 原始邮件 -----\n\n"
)
mail(
    "chinese-tencent-style-bounce",
    [
        ("From", "=?UTF-8?B?57O757uf6YCA5L+h?= <noreply@exmail.example.cn>"),
        ("Subject", "=?UTF-8?B?6YCA5L+h6YCa55+l?="),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    QQ + original("li.na@example.cn", "reply-132"),
    bounce(["li.na@example.cn"], "reply-132@helpline.test"),
)
EXZH = (
    "您的邮件未能送达部分或全部预期收件人。\n\n"
    "      主题:\tRe: Your ticket #42\n      发送时间:\t2026/12/4 10:00\n\n"
    "无法联系到以下收件人:\n\n"
    "      'zhang.wei@corp.example.cn' 在 2026/12/4 10:00\n"
    "            550 5.1.1 RESOLVER.ADR.RecipNotFound; not found\n"
)
body = (
    b"--exzh\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    + EXZH.encode()
    + b"\n--exzh\nContent-Type: message/rfc822\n\n"
    + original("zhang.wei@corp.example.cn", "reply-133").encode()
    + b"\n--exzh--\n"
)
mail(
    "chinese-exchange-ndr",
    [
        ("From", "=?UTF-8?B?57O757uf566h55CG5ZGY?= <admin@corp.example.cn>"),
        ("Subject", "=?UTF-8?B?5peg5rOV5Lyg6YCSOiBSZTogWW91ciB0aWNrZXQgIzQy?="),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/mixed; boundary="exzh"'),
    ],
    body,
    bounce(["zhang.wei@corp.example.cn"], "reply-133@helpline.test"),
)
mail(
    "chinese-delivery-delayed",
    [
        ("From", "postmaster@mail.example.cn"),
        ("Subject", "=?UTF-8?B?6YKu5Lu25bu26L+f6YCB6L6+6YCa55+l?="),
        ("Content-Type", "text/plain; charset=UTF-8"),
    ],
    "您发送给 chen.jie@example.cn 的邮件暂时未能投递，系统将继续尝试投递。\n"
    "这只是一封提醒邮件，您无需重新发送。\n\n" + original("chen.jie@example.cn", "reply-134"),
    ROBOT,
)

# ------------------------------------------------------------------ delivery warnings

mail(
    "exim-delay-warning",
    [
        ("From", "Mail Delivery System <Mailer-Daemon@mx.example.co.uk>"),
        ("Subject", "Warning: message 1tQkxp-0004Ab-Cd delayed 24 hours"),
        ("Auto-Submitted", "auto-replied"),
        ("Content-Type", "text/plain; charset=us-ascii"),
    ],
    "This message was created automatically by mail delivery software.\n"
    "A message that you sent has not yet been delivered to one or more of its\n"
    "recipients after more than 24 hours on the queue on mx.example.co.uk.\n\n"
    "The message identifier is:     1tQkxp-0004Ab-Cd\n"
    "The subject of the message is: Re: Your ticket #42\n"
    "The date of the message is:    Fri, 04 Dec 2026 09:00:00 +0000\n\n"
    "The address to which the message has not yet been delivered is:\n\n"
    "  george@example.co.uk\n"
    "    Delay reason: SMTP error from remote mail server after RCPT TO:<george@example.co.uk>:\n"
    "    451 4.4.1 Temporary local problem - please try later\n\n"
    "No action is required on your part. Delivery attempts will continue for\n"
    "some time, and this warning may be repeated at intervals if the message\n"
    "remains undelivered. Eventually the mail delivery software will give up,\n"
    "and when that happens, the message will be returned to you.\n",
    ROBOT,
)
mail(
    "sendmail-warning-plain",
    [
        ("From", "Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>"),
        ("Subject", "Warning: could not send message for past 4 hours"),
        ("Content-Type", "text/plain"),
    ],
    "    **********************************************\n"
    "    **      THIS IS A WARNING MESSAGE ONLY      **\n"
    "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n"
    "    **********************************************\n\n"
    "The original message was received at Fri, 4 Dec 2026 06:00:00 GMT\n"
    "from localhost [127.0.0.1]\n\n"
    "   ----- Transcript of session follows -----\n"
    "<sofia@example.org>... Deferred: Connection timed out with mail.example.org.\n"
    "Warning: message still undelivered after 4 hours\n"
    "Will keep trying until message is 5 days old\n",
    ROBOT,
)
mail(
    "postfix-delay-dsn",
    [
        ("From", "MAILER-DAEMON@mx.helpline.test (Mail Delivery System)"),
        ("Subject", "Delayed Mail (still being retried)"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/report; report-type=delivery-status; boundary="pf-delay"'),
    ],
    "--pf-delay\nContent-Type: text/plain; charset=us-ascii\n\n"
    "This is the mail system at host mx.helpline.test.\n\n"
    "####################################################################\n"
    "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
    "####################################################################\n\n"
    "Your message could not be delivered for more than 4 hour(s).\n"
    "It will be retried until it is 5 day(s) old.\n\n"
    "<tom@example.net>: connect to mail.example.net[192.0.2.7]:25: Connection timed out\n"
    "\n--pf-delay\nContent-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.helpline.test\n\n"
    "Final-Recipient: rfc822; tom@example.net\nAction: delayed\nStatus: 4.4.1\n"
    "Will-Retry-Until: Wed, 9 Dec 2026 10:00:00 +0000\n"
    "\n--pf-delay\nContent-Type: text/rfc822-headers\n\n"
    + ORIGINAL.format(to="tom@example.net", mid="reply-141")
    + "\n--pf-delay--\n",
    {
        "kind": "auto_reply",
        "bounced_recipients": [],
        "bounced_message_id": "reply-141@helpline.test",
    },
)
mail(
    "gmail-style-delay-plain",
    [
        ("From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"),
        ("Subject", "Delivery Status Notification (Delay)"),
        ("Content-Type", "text/plain; charset=UTF-8"),
    ],
    "This is an automatically generated Delivery Status Notification\n\n"
    "THIS IS A WARNING MESSAGE ONLY.\n\nYOU DO NOT NEED TO RESEND YOUR MESSAGE.\n\n"
    "Delivery to the following recipient has been delayed:\n\n     nora@example.com\n\n"
    "Message will be retried for 2 more day(s)\n",
    ROBOT,
)

# ------------------------------------------------------------------ moderation notices

mail(
    "mailman2-held-for-moderation",
    [
        ("From", "printers-bounces@lists.example.org"),
        ("Subject", "Your message to Printers awaits moderator approval"),
        ("X-Mailman-Version", "2.1.39"),
        ("Precedence", "bulk"),
        ("List-Id", "<printers.lists.example.org>"),
        ("Content-Type", "text/plain; charset=us-ascii"),
    ],
    "Your mail to 'Printers' with the subject\n\n    Re: Your ticket #42\n\n"
    "Is being held until the list moderator can review it for approval.\n\n"
    "The reason it is being held:\n\n    Post by non-member to a members-only list\n\n"
    "Either the message will get posted to the list, or you will receive\n"
    "notification of the moderator's decision.  If you would like to cancel\n"
    "this posting, please visit the following URL:\n\n"
    "    https://lists.example.org/mailman/confirm/printers/0123456789abcdef\n",
    ROBOT,
)
mail(
    "mailman3-held-no-list-headers",
    [
        ("From", "printers-owner@lists.example.org"),
        ("Subject", "Your message to printers@lists.example.org awaits moderator approval"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ],
    "Your message to printers@lists.example.org with the subject\n\n    Re: Your ticket #42\n\n"
    "Is being held until the list moderator can review it for approval.\n\n"
    "The message is being held because:\n\nThe message is not from a list member\n\n"
    "Either the message will get posted to the list, or you will receive\n"
    "notification of the moderator's decision.\n",
    ROBOT,
)
mail(
    "list-moderation-german",
    [
        ("From", "kunden-owner@lists.example.de"),
        ("Subject", "Ihre Nachricht an Kunden wartet auf die Zustimmung des Moderators"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ],
    "Ihre Nachricht an 'Kunden' mit dem Betreff\n\n    Re: Your ticket #42\n\n"
    "wird zurückgehalten, bis der Moderator die Nachricht überprüft.\n",
    ROBOT,
)

# ------------------------------------------------------------------ odd notices from mail systems

mail(
    "mailer-daemon-quarantine-notice",
    [
        ("From", "MAILER-DAEMON@gateway.example.com"),
        ("Subject", "Message quarantined"),
        ("Content-Type", "text/plain"),
    ],
    "A message from support@helpline.test was placed in quarantine.\nReason: policy\n",
    ROBOT,
)
mail(
    "postmaster-receipt-notice",
    [
        ("From", "Postmaster <postmaster@example.com>"),
        ("Subject", "Re: Your ticket #42"),
        ("Content-Type", "text/plain"),
    ],
    "Your mail has been received by the mail server of example.com.\n",
    ROBOT,
)
mail(
    "null-return-path-notice",
    [
        ("Return-Path", "<>"),
        ("From", "Mail Gateway <gateway@example.com>"),
        ("Subject", "Notification"),
        ("Content-Type", "text/plain"),
    ],
    "Your message to support of example.com was scanned and passed.\n",
    ROBOT,
)

# ------------------------------------------------------------------ people (must stay normal)

mail(
    "person-forwards-a-bounce",
    [
        ("From", "Anna Weber <anna@example.com>"),
        ("Subject", "Fwd: failure notice"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ],
    "Hello, your mail to my colleague bounced, see below. His new address is jonas@example.com.\n\n"
    "---------- Forwarded message ---------\nFrom: MAILER-DAEMON@mail.example.com\nSubject: failure notice\n\n"
    + QSBMF.format(rcpt="jonas@old.example.com", why="This address no longer accepts mail."),
    PERSON,
)
mail(
    "person-writes-about-delay",
    [
        ("From", "Tom <tom@example.net>"),
        ("Subject", "Delayed order, message could not be delivered?"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ],
    "My order is delayed. Is my message being held until the moderator can review it?\n"
    "The courier said the parcel could not be delivered.\n",
    PERSON,
)
mail(
    "person-named-postmaster-style",
    [
        ("From", "IT Desk <it-desk@example.com>"),
        ("Subject", "Undelivered parcel"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ],
    "Hi, our parcel was undelivered. The following address was used: it-desk@example.com.\n",
    PERSON,
)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for old in HERE.glob("*.eml"):
        old.unlink()
    expected = {}
    for name, (raw, expect) in sorted(CASES.items()):
        (HERE / f"{name}.eml").write_bytes(raw)
        expected[f"{name}.eml"] = expect
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(CASES)} messages to {HERE}")


if __name__ == "__main__":
    main()
