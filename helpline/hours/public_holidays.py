"""Public holidays of a country (and region), from the `holidays` package, a year at a time."""

import logging
from datetime import date
from functools import lru_cache

import holidays

log = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def holidays_in(country: str, region: str, year: int) -> dict[date, str]:
    """{date: name} of `year`'s public holidays; none for no country or an unknown one."""
    if not country:
        return {}
    try:
        found = holidays.country_holidays(country.upper(), subdiv=region or None, years=year)
    except NotImplementedError:
        # A typo in a location's country must not stop the desk: it just has no holidays.
        log.warning("no public holidays known for country %r, region %r", country, region)
        return {}
    return dict(found)


def upcoming(country: str, region: str, since: date, days: int = 365) -> list[tuple[date, str]]:
    """The holidays from `since` for `days` days, in date order."""
    until = date.fromordinal(since.toordinal() + days)
    found = {}
    for year in range(since.year, until.year + 1):
        found.update(holidays_in(country, region, year))
    return sorted((day, name) for day, name in found.items() if since <= day < until)
