"""Holiday and retail-event tables, computed per year from rules (never hard-coded dates).

Two sources feed Prophet's ``holidays`` frame (columns ``holiday, ds, lower_window,
upper_window``, one row per occurrence):

* retail events from ``scenario.forecast.events`` (:class:`planner.scenario.RetailEvent`), whose
  ``rule`` names a date computed for each year — Black Friday is the day after the fourth
  Thursday of November, Cyber Monday the Monday after it, and so on;
* the site's public holidays from the ``holidays`` package (``site.country`` and
  ``site.subdivision``), each on its own day without a window.

Where a public holiday falls on the anchor day of a retail event (Christmas Day is both), the
retail event wins: two identical dummy columns would only split one effect between two names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import holidays as holidays_pkg
import pandas as pd

from planner.errors import ScenarioError
from planner.scenario import RetailEvent

__all__ = [
    "EVENT_RULES",
    "event_date",
    "event_holidays",
    "holiday_names_by_date",
    "holidays_frame",
    "public_holidays",
]

#: Rules a :class:`RetailEvent` may name (besides a fixed ``MM-DD``).
EVENT_RULES: tuple[str, ...] = (
    "thanksgiving",
    "black_friday",
    "cyber_monday",
    "christmas_eve",
    "christmas",
    "new_years_eve",
    "new_year",
    "returns_wave",
    "prime_day",
)

_MM_DD = re.compile(r"^(\d\d)-(\d\d)$")
_ESTIMATED = re.compile(r"\s*\((?:estimated|observed)\)", re.IGNORECASE)


def _thanksgiving(year: int) -> dt.date:
    """US Thanksgiving: the fourth Thursday of November."""
    first = dt.date(year, 11, 1)
    first_thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + dt.timedelta(weeks=3)


def event_date(rule: str, year: int) -> dt.date | None:
    """The date of a retail-event ``rule`` in ``year``, or None if it has no date that year.

    Rules: ``thanksgiving`` (4th Thursday of November), ``black_friday`` (the day after),
    ``cyber_monday`` (the Monday after Black Friday), ``christmas_eve`` (Dec 24), ``christmas``
    (Dec 25), ``new_years_eve`` (Dec 31), ``new_year`` (Jan 1), ``returns_wave`` (Dec 27, the first
    working wave of returns and exchanges after Christmas), ``prime_day`` (no date: set a fixed
    ``MM-DD`` rule for your own promotion), or ``MM-DD`` for a fixed day every year.

    Raises:
        ScenarioError: the rule is unknown or ``MM-DD`` is not a real date.
    """
    if rule == "thanksgiving":
        return _thanksgiving(year)
    if rule == "black_friday":
        return _thanksgiving(year) + dt.timedelta(days=1)
    if rule == "cyber_monday":
        return _thanksgiving(year) + dt.timedelta(days=4)
    if rule == "christmas_eve":
        return dt.date(year, 12, 24)
    if rule == "christmas":
        return dt.date(year, 12, 25)
    if rule == "new_years_eve":
        return dt.date(year, 12, 31)
    if rule == "new_year":
        return dt.date(year, 1, 1)
    if rule == "returns_wave":
        return dt.date(year, 12, 27)
    if rule == "prime_day":
        return None  # moves every year by announcement; a team sets its own MM-DD rule
    match = _MM_DD.match(rule)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        try:
            return dt.date(year, month, day)
        except ValueError:
            if (month, day) == (2, 29):
                return None  # a leap-day event simply has no date in other years
            raise ScenarioError(
                f"forecast.events: rule '{rule}' is not a calendar date; write MM-DD, e.g. 07-15"
            ) from None
    raise ScenarioError(
        f"forecast.events: unknown rule '{rule}'; use one of {', '.join(EVENT_RULES)} or MM-DD"
    )


def event_holidays(events: Iterable[RetailEvent], years: Iterable[int]) -> pd.DataFrame:
    """Prophet holidays rows for retail events in the given years.

    Returns:
        ``holiday, ds, lower_window, upper_window`` (``ds`` a naive local date at midnight).
    """
    rows = []
    for event in events:
        for year in years:
            day = event_date(event.rule, year)
            if day is None:
                continue
            rows.append(
                {
                    "holiday": event.name,
                    "ds": pd.Timestamp(day),
                    "lower_window": int(event.lower_window),
                    "upper_window": int(event.upper_window),
                }
            )
    return _frame(rows)


def public_holidays(country: str, subdivision: str | None, years: Iterable[int]) -> pd.DataFrame:
    """Public holidays of ``country`` (and ``subdivision``) as Prophet holidays rows.

    Names lose the package's "(estimated)"/"(observed)" suffixes so that one holiday keeps one
    name, and so one learned effect, across years.

    Raises:
        ScenarioError: the country or subdivision is unknown to the ``holidays`` package.
    """
    years = sorted(set(years))
    if country not in holidays_pkg.list_supported_countries():
        raise ScenarioError(
            f"site.country: '{country}' is not a country the holidays package knows; "
            "use an ISO 3166 code such as US, GB, DE"
        )
    try:
        calendar = holidays_pkg.country_holidays(country, subdiv=subdivision, years=years)
    except Exception as exc:  # the package raises several types for a bad subdivision
        raise ScenarioError(
            f"site.subdivision: '{subdivision}' is not a subdivision of {country} ({exc})"
        ) from None
    rows = []
    for day, names in sorted(calendar.items()):
        for name in str(names).split("; "):
            rows.append(
                {
                    "holiday": _ESTIMATED.sub("", name).strip(),
                    "ds": pd.Timestamp(day),
                    "lower_window": 0,
                    "upper_window": 0,
                }
            )
    return _frame(rows)


def holidays_frame(
    events: Iterable[RetailEvent],
    years: Iterable[int],
    country: str | None = None,
    subdivision: str | None = None,
) -> pd.DataFrame:
    """Prophet's holidays frame: retail events plus (optionally) public holidays.

    Args:
        events: retail-event rules (``scenario.forecast.events``).
        years: calendar years to compute dates for (cover history and forecast).
        country: ISO code for public holidays, or None for retail events only.
        subdivision: optional state/province code.

    Returns:
        ``holiday, ds, lower_window, upper_window``, sorted by ``ds``; a public holiday on the
        anchor day of a retail event is dropped in favour of the event.
    """
    years = sorted(set(years))
    retail = event_holidays(events, years)
    if country:
        public = public_holidays(country, subdivision, years)
        public = public[~public["ds"].isin(set(retail["ds"]))]
        retail = pd.concat([retail, public], ignore_index=True)
    out = retail.drop_duplicates(["holiday", "ds"]).sort_values(["ds", "holiday"])
    return out.reset_index(drop=True)


def holiday_names_by_date(frame: pd.DataFrame) -> dict[dt.date, str]:
    """Anchor date -> holiday name(s) joined by ``"; "`` (window days are not labelled)."""
    names: dict[dt.date, list[str]] = {}
    for ds, name in zip(frame["ds"], frame["holiday"], strict=True):
        names.setdefault(pd.Timestamp(ds).date(), []).append(str(name))
    return {day: "; ".join(sorted(set(v))) for day, v in names.items()}


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows as a typed holidays frame (empty frames keep their columns and dtypes)."""
    frame = pd.DataFrame(rows, columns=["holiday", "ds", "lower_window", "upper_window"])
    frame["ds"] = pd.to_datetime(frame["ds"])
    frame["lower_window"] = frame["lower_window"].astype(int)
    frame["upper_window"] = frame["upper_window"].astype(int)
    return frame
