"""A realistic demo dataset: a small chain of repair shops and a year of its service desk.

Fixwell sells and repairs electronics and appliances in London, Berlin and Madrid. Its
customers write, call, fill in the web form, chat, text and walk in, in English, German,
Spanish and French; eight staff answer them.

It sits above every other app and writes the desk's history the way the desk would have:
customers through `customers.actions`, every customer message through
`conversations.receive.receive_many`, and everything agents did through the conversation
actions, dated in the past with their `at=` arguments. Demo replies are recorded with
`log_past_reply`, which queues no mail, so no demo mail ever leaves the machine; every
address is under a reserved example domain.

Modules: `organisation` (locations, staff, teams, mailboxes), `customers` (people and their
identities), `history` (plans each conversation, then plays it through receive and the
actions), `responsiveness` (opening hours, SLA policies, phone lines, callbacks), `texts`
(what people write) and `load` (the one entry, `load_demo`).

The same seed gives the same names, texts and shape of data.
"""
