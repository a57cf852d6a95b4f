"""Thread grouping on a real mailing-list month (fedora-devel, January 2010).

292 messages in 60 threads, with the archive's own thread pages as the truth.
Scored as pairs: of the message pairs we put in one conversation, how many
share a thread (precision), and of the pairs that share a thread, how many
we put together (recall).
"""

import gzip
import json
import mailbox
from itertools import combinations

import pytest

from helpline.channels.email.ingest import ingest_many
from helpline.conversations.models import Message
from tests.conftest import SHARED_FIXTURES, require

MONTH = (
    SHARED_FIXTURES / "jwzthreading" / "jwzthreading" / "tests" / "data" / "fedora-devel-mailman"
)
EXPECTED = SHARED_FIXTURES / "jwzthreading" / "expected_threads.json"
EXCLUDED = {3, 153, 285}  # the archive's own mis-threaded cases, as upstream excludes them

PRECISION_FLOOR = 0.99  # measured 1.000
RECALL_FLOOR = 0.98  # measured 0.996


def expected_threads(expected: dict) -> dict[int, int]:
    """idx -> idx of its thread's root."""
    thread_of = {}

    def walk(node, root):
        thread_of[node["idx"]] = root
        for child in node["children"]:
            walk(child, root)

    for tree in expected["threads"]:
        walk(tree, tree["idx"])
    return thread_of


def pairs(groups: dict[int, int], members: set[int]) -> set[tuple[int, int]]:
    return {(a, b) for a, b in combinations(sorted(members), 2) if groups[a] == groups[b]}


@pytest.mark.django_db
@pytest.mark.parametrize("batch", [1, 50], ids=["one-by-one", "in-batches"])
def test_a_mailing_list_month_is_threaded_like_its_archive(tmp_path, batch):
    require(EXPECTED.exists(), f"the shared fixtures at {SHARED_FIXTURES}")
    expected = json.loads(EXPECTED.read_text())
    mbox_path = tmp_path / "month.mbox"
    mbox_path.write_bytes(gzip.decompress((MONTH / "2010-January.txt.gz").read_bytes()))

    idx_by_message_id = {m["message_id"].strip("<>"): m["idx"] for m in expected["messages"]}
    raws = [m.as_bytes() for m in mailbox.mbox(mbox_path)]
    results = [
        result
        for start in range(0, len(raws), batch)
        for result in ingest_many(raws[start : start + batch], source="import")
    ]
    assert len(results) == len(expected["messages"]) == 292
    assert all(r.status in ("stored", "duplicate") for r in results)

    ours = {
        idx_by_message_id[external_id]: conversation_id
        for external_id, conversation_id in Message.objects.values_list(
            "external_id", "conversation_id"
        )
        if external_id in idx_by_message_id
    }
    truth = expected_threads(expected)
    members = (set(ours) & set(truth)) - EXCLUDED
    ours_pairs, true_pairs = pairs(ours, members), pairs(truth, members)
    precision = len(ours_pairs & true_pairs) / len(ours_pairs)
    recall = len(ours_pairs & true_pairs) / len(true_pairs)
    in_order = _parents_before_children(expected, ours)
    print(
        f"\njwz month in batches of {batch}: {len(members)} messages, "
        f"{len(set(truth.values()))} threads, "
        f"{len({ours[i] for i in members})} conversations; pair precision {precision:.3f}, "
        f"recall {recall:.3f}; parent-before-child order {in_order:.3f}"
    )
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR
    assert in_order == 1.0


def _parents_before_children(expected: dict, ours: dict[int, int]) -> float:
    created = dict(Message.objects.values_list("external_id", "created_at"))
    by_idx = {m["idx"]: created.get(m["message_id"].strip("<>")) for m in expected["messages"]}
    checked = kept = 0

    def walk(node):
        nonlocal checked, kept
        for child in node["children"]:
            parent_at, child_at = by_idx.get(node["idx"]), by_idx.get(child["idx"])
            if ours.get(node["idx"]) == ours.get(child["idx"]) and parent_at and child_at:
                checked += 1
                kept += parent_at <= child_at
            walk(child)

    for tree in expected["threads"]:
        walk(tree)
    return kept / checked if checked else 1.0
