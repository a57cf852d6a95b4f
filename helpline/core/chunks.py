"""Long id lists in slices, so that no query exceeds a database's limit on parameters."""

from collections.abc import Iterable, Iterator


def chunked(ids: Iterable[int], size: int = 500) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def ids_of(queryset, among: Iterable[int] | None = None) -> list[int]:
    """The queryset's ids in order, or those of them that are `among` the given ones."""
    if among is None:
        return list(queryset.order_by("pk").values_list("pk", flat=True))
    found: list[int] = []
    for chunk in chunked(among):
        found += queryset.filter(pk__in=chunk).values_list("pk", flat=True)
    return sorted(found)


def move_customer(model, ids: list[int], source, target) -> None:
    """Give `target` the rows of `model` among `ids` that still belong to `source`."""
    for chunk in chunked(ids):
        model.objects.filter(pk__in=chunk, customer=source).update(customer=target)
