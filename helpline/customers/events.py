"""What other apps hear of a merge, inside its transaction, so what they move is undone with it.

`customers_merged`: kwargs actor, source, target. A receiver moves the source's rows of its own
models onto the target and returns a dict of what it moved (JSON-serialisable); the merge
keeps it in its activity.

`customers_unmerged`: kwargs actor, source, target, merged (that activity's data). A receiver puts
back what its merge receiver moved and still belongs to the target.
"""

from django.dispatch import Signal

customers_merged = Signal()
customers_unmerged = Signal()
