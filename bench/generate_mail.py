"""Generate realistic customer mail into a Maildir, deterministically (seeded).

    python bench/generate_mail.py OUT_DIR [--messages 10000] [--seed 1]

About 2,000 customers (one per 5 messages) write about 3,000 threads (one per
3.3 messages): a first message, then replies carrying In-Reply-To/References
(including Message-IDs of the shop's answers, which are not in the set, as in a
real inbox export) and the quoted history. Mixed in: HTML alternatives (~30%),
attachments of a few KB (~10%), non-UTF-8 charsets (ISO-8859-1, Windows-1252,
ISO-8859-15, KOI8-R, Shift_JIS; ~25%), RFC 2047 encoded subjects and names,
quoted-printable and base64 bodies, Cc headers and signatures.
"""

import argparse
import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

FIRST = [
    "Maria",
    "Jan",
    "Ana",
    "Li",
    "Olu",
    "Sven",
    "Aiko",
    "Fatima",
    "Pierre",
    "Chen",
    "Noor",
    "Ivan",
    "Grace",
    "Tomás",
    "Zoë",
    "Björn",
]
LAST = [
    "López",
    "Smith",
    "Novak",
    "Wang",
    "Okafor",
    "Berg",
    "Tanaka",
    "Haddad",
    "Dubois",
    "Müller",
    "Kaur",
    "Petrov",
    "Ng",
]
DOMAINS = ["example.com", "example.org", "mail.example.net", "customer.example", "post.example"]
PRODUCTS = [
    "kettle",
    "toaster",
    "blender",
    "headphones",
    "sofa",
    "lamp",
    "bike",
    "helmet",
    "printer",
    "router",
]
PROBLEMS = [
    "arrived broken",
    "does not turn on",
    "was never delivered",
    "was charged twice",
    "is missing a part",
    "makes a loud noise",
    "stopped working after a week",
    "is the wrong colour",
]
SENTENCES = [
    "I ordered it last {day} and I have been waiting since.",
    "Could you please tell me what I should do next?",
    "I have attached a photo so you can see what I mean.",
    "My order number is {order}.",
    "This is the second time this has happened, which is disappointing.",
    "I would like a refund or a replacement, whichever is faster.",
    "Thanks for the quick answer yesterday.",
    "I tried what you suggested but it did not help.",
    "Is there a store near me where I could bring it back?",
    "Please call me back if that is easier, I am home after 5 pm.",
]
CHARSET_TEXT = {
    "iso-8859-1": ["Grüße aus Köln, ich hätte gerne eine Rückerstattung.", "Très déçu."],
    "windows-1252": ["Thanks — the “new” one is fine… mostly.", "Ça va, merci !"],
    "iso-8859-15": ["Le prix était de 45 €, pas 54 €.", "Œuvre cassée."],
    "koi8-r": ["Здравствуйте, мой чайник не работает.", "Спасибо за помощь."],
    "shift_jis": ["注文した商品がまだ届いていません。", "よろしくお願いします。"],
}
SHOP = "support@shop.test"


def customers(rng: random.Random, count: int) -> list[tuple[str, str]]:
    people = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{first}.{last}{i}".lower().encode("ascii", "ignore").decode()
        people.append((f"{first} {last}", f"{local}@{rng.choice(DOMAINS)}"))
    return people


def body_text(rng: random.Random, charset: str) -> str:
    order = rng.randint(10000, 99999)
    day = rng.choice(["Monday", "Tuesday", "Friday", "weekend"])
    lines = [rng.choice(SENTENCES).format(order=order, day=day) for _ in range(rng.randint(2, 6))]
    if charset in CHARSET_TEXT:
        lines.insert(rng.randint(0, len(lines)), rng.choice(CHARSET_TEXT[charset]))
    return " ".join(lines)


def quoted(previous: str, who: str, when: datetime) -> str:
    header = f"On {when:%a, %d %b %Y at %H:%M}, {who} wrote:"
    return header + "\n" + "\n".join("> " + line for line in previous.splitlines())


def html_of(text: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n") if p.strip())
    return (
        "<html><head><style>p{margin:0}</style></head><body>"
        f'<div dir="ltr">{paragraphs}</div></body></html>'
    )


def make_message(rng, sender, subject, text, charset, msgid, when, parents, cc) -> bytes:
    msg = EmailMessage()
    msg["From"] = formataddr(sender, charset="utf-8")
    msg["To"] = formataddr(("Shop Support", SHOP))
    if cc:
        msg["Cc"] = formataddr(cc, charset="utf-8")
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{msgid}>"
    if parents:
        msg["In-Reply-To"] = f"<{parents[-1]}>"
        msg["References"] = " ".join(f"<{p}>" for p in parents[-10:])
    msg["MIME-Version"] = "1.0"
    if charset == "utf-8":
        msg.set_content(text, cte=rng.choice(["8bit", "quoted-printable", "base64"]))
    else:
        text = text.encode(charset, "replace").decode(charset)  # names it cannot spell
        msg.set_content(text, charset=charset, cte=rng.choice(["quoted-printable", "base64"]))
    if rng.random() < 0.3:
        msg.add_alternative(html_of(text), subtype="html", charset="utf-8")
    if rng.random() < 0.1:
        size = rng.randint(2_000, 8_000)
        if rng.random() < 0.5:
            msg.add_attachment(
                rng.randbytes(size), maintype="image", subtype="jpeg", filename="photo.jpg"
            )
        else:
            msg.add_attachment(
                rng.randbytes(size),
                maintype="application",
                subtype="pdf",
                filename=f"receipt-{rng.randint(1, 999)}.pdf",
            )
    return bytes(msg)


def generate(out: Path, messages: int = 10_000, seed: int = 1) -> Path:
    """Write `messages` emails into the Maildir OUT (cur/new/tmp); return OUT."""
    rng = random.Random(seed)
    people = customers(rng, max(1, messages // 5))
    thread_count = max(1, round(messages / 3.33))
    for sub in ("cur", "new", "tmp"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    start = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
    threads: list[dict] = []
    for n in range(messages):
        when = start + timedelta(minutes=7 * n + rng.randint(0, 6))
        new_charset = rng.choices(["utf-8", *CHARSET_TEXT], weights=[75, 7, 6, 4, 4, 4], k=1)[0]
        start_new = not threads or (
            len(threads) < thread_count and rng.random() < thread_count / messages
        )
        if start_new:
            charset = new_charset
            sender = people[len(threads) % len(people)]  # every customer writes
            product = rng.choice(PRODUCTS)
            subject = f"My {product} {rng.choice(PROBLEMS)}"
            if charset != "utf-8" and rng.random() < 0.5:
                subject += " — " + CHARSET_TEXT[charset][0][:20]
            text = body_text(rng, charset) + f"\n\n-- \n{sender[0]}\n"
            msgid = f"t{len(threads)}.m0.{seed}@{sender[1].split('@')[1]}"
            threads.append(
                {
                    "n": len(threads),
                    "charset": charset,
                    "sender": sender,
                    "subject": subject,
                    "ids": [msgid],
                    "text": text,
                }
            )
            parents: list[str] = []
        else:
            thread = rng.choice(threads[-200:])
            sender = thread["sender"]
            charset = thread["charset"]  # a customer's mail program keeps its charset
            # The shop answered in between: its Message-ID is referenced, never seen.
            shop_id = f"a{n}.{seed}@shop.test"
            parents = [*thread["ids"], shop_id]
            subject = "Re: " + thread["subject"]
            answer = "Thank you for writing to us. Could you send us a photo?"
            text = (
                body_text(rng, charset)
                + "\n\n"
                + quoted(answer + "\n\n" + quoted(thread["text"], sender[0], when), "Shop", when)
            )
            msgid = f"t{thread['n']}.m{len(thread['ids'])}.{seed}@customer.example"
            thread["ids"].extend([shop_id, msgid])
            thread["text"] = text[:3000]  # clients quote the history; keep it bounded
        cc = rng.choice(people) if rng.random() < 0.05 else None
        raw = make_message(rng, sender, subject, text, charset, msgid, when, parents, cc)
        flags = rng.choice([":2,S", ":2,RS", ":2,"])
        folder = "cur" if rng.random() < 0.9 else "new"
        name = f"{1700000000 + n * 60}.M{n}P4242Q{n}.bench{flags if folder == 'cur' else ''}"
        (out / folder / name).write_bytes(raw)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.messages, args.seed)
    print(args.out)


if __name__ == "__main__":
    main()
