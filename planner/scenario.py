"""The scenario: every setting of a plan, in one typed model loaded from YAML.

A scenario describes one site's holiday plan: where and when it opens, which queues it serves and to
what service target, who can work and under which contract, the shift templates, the labour rules,
the hiring options, the planning horizon, and where the ticket history lives. Each pipeline stage
reads its own section (``forecast``, ``requirement``, ``schedule``, ``risk``) and nothing else is
global.

Load one with :func:`load_scenario`; errors name the YAML path at fault, e.g.
``scenario.yaml: staff[12].contract_hours: must be > 0``. Every field is documented here and in
``docs/scenario.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.errors import ScenarioError

__all__ = [
    "LABOUR_PRESETS",
    "WEEKDAYS",
    "Availability",
    "BreakRules",
    "ForecastSettings",
    "HiringOptions",
    "HistorySource",
    "Horizon",
    "LabourRules",
    "Queue",
    "RequirementSettings",
    "RetailEvent",
    "RiskSettings",
    "Scenario",
    "ScheduleSettings",
    "ScheduleWeights",
    "ShiftTemplate",
    "Shrinkage",
    "Site",
    "StaffMember",
    "TimeOff",
    "TimeOffRequest",
    "VolumeOverride",
    "load_scenario",
    "parse_scenario",
]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]


def _parse_clock(value: object) -> dt.time:
    """Accept ``"07:30"``, ``"24:00"`` (end of day, stored as 23:59:59.999999) or a time."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and 0 <= value < 24 * 60:  # YAML reads 07:30 as sexagesimal minutes
        return dt.time(value // 60, value % 60)
    text = str(value).strip()
    if text in ("24:00", "24:00:00"):
        return dt.time.max
    try:
        return dt.time.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a clock time; write it as HH:MM, e.g. 07:30") from exc


Clock = Annotated[dt.time, Field(description="local wall-clock time, HH:MM")]


class _Model(BaseModel):
    """Base for every settings model: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=True)


# --------------------------------------------------------------------------------------------
# Site, horizon, history
# --------------------------------------------------------------------------------------------


class Site(_Model):
    """The support centre: where it is, its clock, and when it answers contacts."""

    name: str = Field(description="display name of the site")
    country: str = Field(
        default="US", description="ISO 3166 country code for public holidays (holidays package)"
    )
    subdivision: str | None = Field(
        default=None, description="optional state/province code for regional holidays, e.g. CA"
    )
    timezone: str = Field(
        default="America/New_York", description="IANA zone of the site; every timestamp is local"
    )
    interval_minutes: Literal[15, 30, 60] = Field(
        default=30, description="length of one planning interval in minutes"
    )
    opening_hours: dict[Weekday, tuple[Clock, Clock] | None] = Field(
        default_factory=lambda: {d: (dt.time(7), dt.time(23)) for d in WEEKDAYS},
        description="per weekday [open, close] local time, or null for closed",
    )
    currency: str = Field(default="USD", description="currency of every cost setting")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone '{value}'; use an IANA name such as Europe/Berlin"
            ) from exc
        return value

    @field_validator("opening_hours", mode="before")
    @classmethod
    def _parse_hours(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        parsed: dict[str, object] = {}
        for day, span in value.items():
            if span is None:
                parsed[day] = None
                continue
            if not isinstance(span, (list, tuple)) or len(span) != 2:
                raise ValueError(f"{day}: give [open, close], e.g. ['07:00', '23:00'], or null")
            opens, closes = (_parse_clock(v) for v in span)
            if closes <= opens:
                raise ValueError(f"{day}: closes ({span[1]}) must be after it opens ({span[0]})")
            parsed[day] = (opens, closes)
        return parsed

    @property
    def tz(self) -> ZoneInfo:
        """The site's time zone object."""
        return ZoneInfo(self.timezone)


class Horizon(_Model):
    """The planning horizon: the first and last local date of the rota (inclusive)."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    @property
    def days(self) -> list[dt.date]:
        """Every date of the horizon in order."""
        n = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=i) for i in range(n)]


class HistorySource(_Model):
    """Where the ticket history lives and how its columns map onto the planner's names."""

    path: Path = Field(description="CSV, Parquet or Excel file; relative to the scenario file")
    kind: Literal["auto", "tickets", "counts"] = Field(
        default="auto",
        description="'tickets' (one row per ticket), 'counts' (pre-aggregated) or 'auto'",
    )
    columns: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "map of planner name -> column in your file, e.g. {created_at: 'Created at'}; planner "
            "names: created_at, channel, priority, queue, handle_time_s, reason, ds, y, aht_s"
        ),
    )
    channel_values: dict[str, str] = Field(
        default_factory=dict, description="map of your channel labels -> phone|chat|email"
    )
    priority_values: dict[str, str] = Field(
        default_factory=dict, description="map of your priority labels -> urgent|normal|low"
    )
    source_timezone: str | None = Field(
        default=None,
        description="zone of naive timestamps in the file (default: the site's zone)",
    )
    reasons_path: Path | None = Field(
        default=None,
        description=(
            "optional daily contact-reason counts (columns queue, date, reason, y); relative to "
            "the scenario file. Per-ticket exports bring reasons in their own reason column"
        ),
    )


# --------------------------------------------------------------------------------------------
# Queues and requirement
# --------------------------------------------------------------------------------------------


class Queue(_Model):
    """One channel and priority tier with its service target.

    ``phone`` and ``chat`` are answered live: the target is ``service_level`` of contacts answered
    within ``answer_within_s`` seconds. ``email`` is a backlog: the target is ``service_level`` of
    contacts resolved within ``response_within_h`` hours.
    """

    name: str = Field(description="'channel/priority', e.g. phone/urgent")
    channel: Literal["phone", "chat", "email"]
    priority: Literal["urgent", "normal", "low"] = "normal"
    aht_s: PositiveFloat = Field(description="average handle time per contact in seconds")
    service_level: Fraction = Field(default=0.8, description="share of contacts meeting target")
    answer_within_s: NonNegativeFloat | None = Field(
        default=20.0, description="phone/chat: answer-time target in seconds"
    )
    patience_s: PositiveFloat | None = Field(
        default=None,
        description="mean customer patience in seconds; set it to use Erlang A (abandonment)",
    )
    concurrency: int = Field(
        default=1, ge=1, le=10, description="chat: contacts one agent handles at once"
    )
    response_within_h: PositiveFloat | None = Field(
        default=None, description="email: resolution-time target in hours"
    )
    max_occupancy: Fraction | None = Field(
        default=None, description="occupancy cap; default requirement.max_occupancy"
    )
    skill: str | None = Field(
        default=None, description="skill an agent needs to serve it (default: the channel)"
    )
    deflection: Fraction = Field(
        default=0.0, description="share of contacts removed by self-service (what-if)"
    )

    @model_validator(mode="after")
    def _channel_rules(self) -> Queue:
        expected = f"{self.channel}/{self.priority}"
        if self.name != expected:
            raise ValueError(f"name '{self.name}' must be channel/priority, i.e. '{expected}'")
        if self.channel == "email" and self.response_within_h is None:
            raise ValueError("email queues need response_within_h (hours to resolve)")
        if self.channel in ("phone", "chat") and self.answer_within_s is None:
            raise ValueError(f"{self.channel} queues need answer_within_s (seconds to answer)")
        if self.channel != "chat" and self.concurrency != 1:
            raise ValueError("concurrency above 1 is only for chat queues")
        if self.service_level in (0.0, 1.0):
            raise ValueError("service_level must be strictly between 0 and 1, e.g. 0.8")
        return self

    @property
    def skill_needed(self) -> str:
        """The skill an agent must have to work this queue."""
        return self.skill or self.channel


class Shrinkage(_Model):
    """Paid time not spent on contacts, as fractions of paid time (summed).

    Breaks and lunches are *not* here: the scheduler places them explicitly in the rota.
    """

    absence: Fraction = Field(default=0.06, description="sickness and unplanned absence")
    meetings: Fraction = Field(default=0.03, description="team meetings and coaching")
    training: Fraction = Field(default=0.02, description="training and briefings")
    other: Fraction = Field(default=0.02, description="system downtime, admin, personal time")

    @property
    def total(self) -> float:
        """Total shrinkage fraction."""
        return self.absence + self.meetings + self.training + self.other

    @model_validator(mode="after")
    def _below_one(self) -> Shrinkage:
        if self.total >= 0.9:
            raise ValueError(f"total shrinkage {self.total:.0%} leaves no time on contacts")
        return self


class RequirementSettings(_Model):
    """How contacts become staff: occupancy cap and shrinkage."""

    max_occupancy: Fraction = Field(default=0.85, description="default occupancy cap per queue")
    shrinkage: Shrinkage = Field(default_factory=Shrinkage)
    min_staff_when_open: int = Field(
        default=0, ge=0, description="floor of on-queue agents per live queue while open"
    )


# --------------------------------------------------------------------------------------------
# Staff
# --------------------------------------------------------------------------------------------


class TimeOff(_Model):
    """Approved leave: the person cannot be scheduled on these dates (inclusive)."""

    start: dt.date
    end: dt.date
    reason: str = "leave"

    @model_validator(mode="after")
    def _ordered(self) -> TimeOff:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class TimeOffRequest(TimeOff):
    """A time-off wish the scheduler honours when it can (soft, weighted)."""

    weight: PositiveFloat = Field(default=1.0, description="importance relative to others")
    reason: str = "request"


class Availability(_Model):
    """When a person can work at all."""

    weekdays: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS))
    earliest_start: Clock = Field(default=dt.time(0))
    latest_end: Clock = Field(default=dt.time.max)

    @field_validator("earliest_start", "latest_end", mode="before")
    @classmethod
    def _clock(cls, value: object) -> dt.time:
        return _parse_clock(value)


class StaffMember(_Model):
    """One person who may appear on the rota."""

    id: str = Field(description="unique employee id")
    name: str
    kind: Literal["permanent", "seasonal", "backup"] = "permanent"
    skills: list[str] = Field(min_length=1, description="queue skills, e.g. [phone, chat]")
    contract_hours: NonNegativeFloat = Field(
        description="contracted hours per week (backup staff: 0, they are called in)"
    )
    min_hours_per_week: NonNegativeFloat | None = Field(
        default=None, description="lowest weekly hours (default: contract_hours minus tolerance)"
    )
    max_hours_per_week: PositiveFloat | None = Field(
        default=None, description="highest weekly hours (default: the labour rule's maximum)"
    )
    hourly_cost: NonNegativeFloat = Field(description="cost per paid hour, in site currency")
    availability: Availability = Field(default_factory=Availability)
    time_off: list[TimeOff] = Field(default_factory=list)
    time_off_requests: list[TimeOffRequest] = Field(default_factory=list)
    preferred_shifts: list[str] = Field(
        default_factory=list, description="shift template names this person prefers"
    )
    start_date: dt.date | None = Field(
        default=None, description="seasonal staff: first day of employment (training starts)"
    )
    training_days: int | None = Field(
        default=None, ge=0, description="seasonal staff: working days of training before the floor"
    )
    max_hours_total: NonNegativeFloat | None = Field(
        default=None, description="backup staff: cap on hours called in over the horizon"
    )

    @model_validator(mode="after")
    def _kind_rules(self) -> StaffMember:
        if self.kind == "permanent" and self.contract_hours <= 0:
            raise ValueError("contract_hours: must be > 0 for permanent staff")
        if (
            self.min_hours_per_week is not None
            and self.max_hours_per_week is not None
            and self.min_hours_per_week > self.max_hours_per_week
        ):
            raise ValueError("min_hours_per_week is above max_hours_per_week")
        return self


# --------------------------------------------------------------------------------------------
# Shifts and labour rules
# --------------------------------------------------------------------------------------------


class ShiftTemplate(_Model):
    """A shift pattern people can be given: local start and paid length."""

    name: str
    start: Clock
    length_h: PositiveFloat = Field(le=16, description="paid length including breaks, hours")
    category: Literal["early", "day", "late", "night"] = Field(
        default="day", description="used for fairness, banned sequences and burnout indicators"
    )
    weekdays: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS), description="days the template may be used"
    )

    @field_validator("start", mode="before")
    @classmethod
    def _clock(cls, value: object) -> dt.time:
        return _parse_clock(value)

    @property
    def length_min(self) -> int:
        """Paid length in minutes."""
        return round(self.length_h * 60)


class BreakRules(_Model):
    """Where breaks and lunches go inside a shift."""

    short_break_min: int = Field(default=15, ge=0, description="length of a short break")
    short_break_every_h: PositiveFloat = Field(
        default=4.0, description="one short break per this many hours worked"
    )
    lunch_min_min: int = Field(default=30, ge=0, description="shortest lunch, minutes")
    lunch_max_min: int = Field(default=60, ge=0, description="longest lunch, minutes")
    lunch_if_shift_h_at_least: PositiveFloat = Field(
        default=6.0, description="shifts this long or longer get a lunch"
    )
    lunch_window_after_start_h: NonNegativeFloat = Field(
        default=2.5, description="lunch starts no sooner than this after the shift starts"
    )
    lunch_window_before_end_h: NonNegativeFloat = Field(
        default=2.5, description="lunch ends no later than this before the shift ends"
    )
    lunch_latest_start_h: PositiveFloat | None = Field(
        default=None,
        description="lunch starts no later than this after the shift starts (CA: 5 h), or null",
    )
    none_in_first_last_min: int = Field(
        default=60, ge=0, description="no break in the first or last minutes of a shift"
    )
    max_share_on_break: Fraction = Field(
        default=0.25, description="at most this share of a queue's staff on break at once"
    )
    min_gap_between_breaks_min: int = Field(
        default=60, ge=0, description="minutes of work at least between two breaks of a shift"
    )

    @model_validator(mode="after")
    def _lunch_bounds(self) -> BreakRules:
        if self.lunch_max_min < self.lunch_min_min:
            raise ValueError("lunch_max_min is below lunch_min_min")
        return self


class LabourRules(_Model):
    """Hard working-time rules. Start from a preset (``eu``, ``us_ca``) and override fields."""

    preset: Literal["eu", "us_ca", "custom"] = "eu"
    min_rest_h: NonNegativeFloat = Field(default=11.0, description="rest between two shifts")
    max_consecutive_days: int = Field(default=6, ge=1)
    min_days_off_per_week: int = Field(default=1, ge=0, le=7)
    max_hours_per_day: PositiveFloat = Field(default=10.0)
    max_hours_per_week: PositiveFloat = Field(default=48.0)
    weekly_hours_tolerance: NonNegativeFloat = Field(
        default=4.0, description="permanent staff may work contract_hours minus this per week"
    )
    banned_sequences: list[tuple[str, str]] = Field(
        default_factory=lambda: [("late", "early")],
        description="[category today, category tomorrow] pairs that are never rostered",
    )
    breaks: BreakRules = Field(default_factory=BreakRules)


LABOUR_PRESETS: dict[str, dict[str, object]] = {
    # EU Working Time Directive 2003/88/EC: 11 h daily rest (art. 3), 24 h weekly rest (art. 5),
    # 48 h average week (art. 6); a break when the day exceeds 6 h (art. 4).
    "eu": {
        "min_rest_h": 11.0,
        "max_consecutive_days": 6,
        "min_days_off_per_week": 1,
        "max_hours_per_day": 10.0,
        "max_hours_per_week": 48.0,
    },
    # California Labor Code §512 (meal period before the 5th hour, 30 min) and §551-552 (one day's
    # rest in seven); IWC wage orders: 10-minute rest per 4 hours. No statutory daily rest minimum:
    # 8 h is a common company rule, kept soft-ish here as the default. The meal period must begin
    # no later than the end of the 5th hour of work (§512(a); Brinker v. Superior Court, 2012),
    # hence lunch_latest_start_h: a window "1 h before the end" alone allowed a 6th-hour lunch.
    "us_ca": {
        "min_rest_h": 8.0,
        "max_consecutive_days": 6,
        "min_days_off_per_week": 1,
        "max_hours_per_day": 12.0,
        "max_hours_per_week": 60.0,
        "breaks": {
            "short_break_min": 10,
            "short_break_every_h": 4.0,
            "lunch_min_min": 30,
            "lunch_max_min": 60,
            "lunch_if_shift_h_at_least": 5.0,
            "lunch_window_after_start_h": 1.0,
            "lunch_window_before_end_h": 1.0,
            "lunch_latest_start_h": 5.0,
            "none_in_first_last_min": 30,
        },
    },
}


# --------------------------------------------------------------------------------------------
# Hiring
# --------------------------------------------------------------------------------------------


class HiringOptions(_Model):
    """The seasonal candidate pool the scheduler and hiring plan may draw on."""

    pool_size: int = Field(default=20, ge=0, description="candidates that could be hired")
    contract_hours: list[PositiveFloat] = Field(
        default_factory=lambda: [40.0, 24.0], description="contract options, hours per week"
    )
    hourly_cost: NonNegativeFloat = Field(default=20.0)
    hire_cost: NonNegativeFloat = Field(
        default=600.0, description="one-off cost per hire (recruiting, onboarding)"
    )
    skills: list[str] = Field(default_factory=lambda: ["chat", "email"])
    training_days: int = Field(default=10, ge=0, description="paid days before the floor")
    ramp_up: list[Fraction] = Field(
        default_factory=lambda: [0.5, 0.8],
        description="productivity in week 1, 2, … after training (then 100%)",
    )
    earliest_start: dt.date | None = Field(
        default=None, description="first date a hire can start (default: horizon start - training)"
    )
    backup_reserve_share: Fraction = Field(
        default=0.1, description="share of peak under-cover to hold as backup hours in reserve"
    )
    max_under_cover_share: Fraction = Field(
        default=0.05,
        description=(
            "hiring target (with every queue's service level): under-covered staff-hours at "
            "most this share of required"
        ),
    )
    absence_sensitivity: Fraction = Field(
        default=0.05, description="sensitivity case: absence (shrinkage) this much higher"
    )


# --------------------------------------------------------------------------------------------
# Forecast
# --------------------------------------------------------------------------------------------


class RetailEvent(_Model):
    """A recurring event whose date is computed per year (never hard-coded).

    ``rule`` is one of ``black_friday`` (day after US Thanksgiving), ``cyber_monday``,
    ``christmas_eve``, ``christmas``, ``new_years_eve``, ``new_year``, ``returns_wave``
    (Dec 27), ``prime_day`` (none by default), or ``MM-DD`` for a fixed day.
    """

    name: str
    rule: str
    lower_window: int = Field(default=0, le=0)
    upper_window: int = Field(default=0, ge=0)


def _default_events() -> list[RetailEvent]:
    return [
        RetailEvent(name="black_friday", rule="black_friday", lower_window=-1, upper_window=2),
        RetailEvent(name="cyber_monday", rule="cyber_monday", lower_window=0, upper_window=1),
        RetailEvent(name="christmas_eve", rule="christmas_eve", lower_window=-2, upper_window=0),
        RetailEvent(name="christmas", rule="christmas", lower_window=0, upper_window=1),
        RetailEvent(name="new_years_eve", rule="new_years_eve", lower_window=0, upper_window=0),
        RetailEvent(name="new_year", rule="new_year", lower_window=0, upper_window=1),
        RetailEvent(name="returns_wave", rule="returns_wave", lower_window=0, upper_window=14),
    ]


class VolumeOverride(_Model):
    """A manual uplift for a planned promotion: multiply volume by (1 + uplift)."""

    queue: str | None = Field(default=None, description="queue name; null for every queue")
    start: dt.date
    end: dt.date
    uplift: float = Field(gt=-1.0, description="e.g. 0.2 for +20%, -0.1 for -10%")

    @model_validator(mode="after")
    def _ordered(self) -> VolumeOverride:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class ForecastSettings(_Model):
    """How the forecast stage models volume."""

    seasonality_mode: Literal["additive", "multiplicative"] = "multiplicative"
    interval_width: Fraction = Field(default=0.8, description="width of yhat_lower..yhat_upper")
    staffing_quantile: Fraction = Field(
        default=0.5, description="quantile the plan is staffed to: 0.5 = P50, 0.8 = P80"
    )
    prior_uplift: float = Field(
        default=0.75,
        gt=-1.0,
        description="holiday uplift vs Sep-Oct used when history is shorter than a year",
    )
    prior_uplift_start: str = Field(default="11-15", description="MM-DD the prior uplift begins")
    prior_uplift_end: str = Field(default="12-31", description="MM-DD the prior uplift ends")
    events: list[RetailEvent] = Field(default_factory=_default_events)
    country_holidays: bool = Field(default=True, description="add the site's public holidays")
    overrides: list[VolumeOverride] = Field(default_factory=list)
    intraday_weeks: int = Field(
        default=8, ge=1, description="recent weeks used to learn intraday profiles"
    )
    calibrate_intervals: bool = Field(
        default=True, description="widen/narrow intervals from backtest residuals"
    )
    parallel_jobs: int = Field(default=0, ge=0, description="processes for queue fits; 0 = cores")
    verbose: bool = Field(default=False, description="show Prophet/cmdstan logs")
    baseline_start: str = Field(
        default="09-01", description="MM-DD the pre-season baseline (surge report) begins"
    )
    baseline_end: str = Field(
        default="10-31", description="MM-DD the pre-season baseline (surge report) ends"
    )
    season_regressor: bool = Field(
        default=True,
        description=(
            "model prior_uplift_start..end as an explicit season window (a regressor), so the "
            "trend cannot absorb the surge"
        ),
    )
    changepoint_prior_scale: PositiveFloat = Field(
        default=0.05, description="Prophet trend flexibility (Prophet's default)"
    )
    holidays_prior_scale: PositiveFloat = Field(
        default=10.0, description="Prophet holiday-effect flexibility (Prophet's default)"
    )
    calibration_folds: int = Field(
        default=3, ge=0, description="rolling-origin backtests that calibrate the intervals"
    )
    min_history_days: int = Field(
        default=28, ge=14, description="fewer days of history per queue is an error"
    )
    full_year_days: int = Field(
        default=365,
        ge=60,
        description="shorter history cannot learn the yearly surge: prior_uplift is used instead",
    )


# --------------------------------------------------------------------------------------------
# Schedule and risk
# --------------------------------------------------------------------------------------------


class ScheduleWeights(_Model):
    """Soft-goal weights of the rota objective (all in cost units per unit of the penalty)."""

    under_cover: NonNegativeFloat = Field(default=200.0, description="per missing staff-hour")
    over_cover: NonNegativeFloat = Field(default=2.0, description="per surplus staff-hour")
    labour_cost: NonNegativeFloat = Field(default=1.0, description="per unit of currency")
    fairness: NonNegativeFloat = Field(
        default=40.0, description="per unfair weekend/late/holiday shift above the team mean"
    )
    time_off_request: NonNegativeFloat = Field(default=150.0, description="per refused day")
    shift_preference: NonNegativeFloat = Field(default=5.0, description="per non-preferred shift")
    start_time_change: NonNegativeFloat = Field(
        default=3.0, description="per change of start time between consecutive worked days"
    )
    burnout: NonNegativeFloat = Field(
        default=0.0, description="per burnout indicator hit (0 = cheapest; try 50 for humane)"
    )


class ScheduleSettings(_Model):
    """Solver settings of the schedule stage."""

    time_limit_s: PositiveFloat = Field(default=60.0)
    workers: int = Field(default=2, ge=1)
    seed: int = Field(default=0)
    weights: ScheduleWeights = Field(default_factory=ScheduleWeights)
    backup_overtime_factor: float = Field(
        default=1.5, ge=1.0, description="backup staff cost this multiple of their hourly cost"
    )
    break_stage_share: Fraction = Field(
        default=0.2, description="share of the time limit spent placing breaks (stage 2)"
    )
    fast_time_limit_s: PositiveFloat = Field(
        default=8.0, description="time limit of fast mode (the hiring search calls it often)"
    )
    decompose_above: int = Field(
        default=4000,
        ge=0,
        description="above this many people × days: our LNS (search 'lns') or week by week "
        "(search 'cp-sat'); at or below it CP-SAT searches the whole horizon (0 = always above)",
    )
    search: Literal["lns", "cp-sat"] = Field(
        default="lns",
        description="stage-1 search: 'lns' = greedy start + local search, then our LNS above "
        "decompose_above (CP-SAT hinted with the greedy rota below it); 'cp-sat' = CP-SAT from "
        "a hard-rules start (week by week above decompose_above)",
    )


class RiskSettings(_Model):
    """Thresholds of the burnout indicators (sources in docs/risk.md and planner.risk)."""

    # EU Working Time Directive 2003/88/EC art. 3: 11 h daily rest; Vedaa et al. (2016, systematic
    # review): < 11 h between shifts goes with more sleepiness, fatigue and sick leave.
    quick_return_h: PositiveFloat = Field(
        default=11.0, description="rest shorter is a quick return"
    )
    # Folkard & Tucker (2003), Folkard & Lombardi (2006): vs 8 h, risk is roughly +13% at 10 h and
    # roughly +27% at 12 h shifts.
    long_shift_h: PositiveFloat = Field(default=10.0, description="shifts longer are long shifts")
    # Folkard & Tucker (2003): risk rises over successive shifts; WTD art. 5: a rest day per week.
    long_run_days: int = Field(default=6, ge=1, description="consecutive days counted as long run")
    late_after: Clock = Field(default=dt.time(20), description="work after this is late work")
    early_before: Clock = Field(default=dt.time(7), description="work before this is early work")
    # WTD art. 2: night time includes midnight-05:00; a night worker works >= 3 h of it.
    night_start: Clock = Field(default=dt.time(23), description="start of night time (local)")
    night_end: Clock = Field(default=dt.time(6), description="end of night time (local)")
    night_min_h: PositiveFloat = Field(
        default=3.0, description="hours inside night time that make a shift a night shift"
    )
    # WTD art. 6: 48 h average working week.
    long_week_h: PositiveFloat = Field(
        default=48.0, description="weekly paid hours above this are an excess week"
    )
    holiday_season_days: list[str] = Field(
        default_factory=lambda: ["12-24", "12-31"],
        description="MM-DD days counted as holidays worked besides the public holidays",
    )
    high_occupancy: Fraction = Field(default=0.85, description="occupancy above this is strain")
    points: dict[str, float] = Field(
        default_factory=dict,
        description="override the most points an indicator adds to the score (docs/risk.md)",
    )
    full_at: dict[str, float] = Field(
        default_factory=dict,
        description="override the weekly excess at which an indicator scores its full points",
    )
    medium_score: float = Field(default=35.0, ge=0, le=100)
    high_score: float = Field(default=60.0, ge=0, le=100)

    @field_validator("late_after", "early_before", "night_start", "night_end", mode="before")
    @classmethod
    def _clock(cls, value: object) -> dt.time:
        return _parse_clock(value)


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


class Scenario(_Model):
    """A whole holiday plan's settings. See the module docstring."""

    name: str = "holiday plan"
    site: Site
    horizon: Horizon
    history: HistorySource
    queues: list[Queue] = Field(min_length=1)
    staff: list[StaffMember] = Field(default_factory=list)
    shifts: list[ShiftTemplate] = Field(min_length=1)
    rules: LabourRules = Field(default_factory=LabourRules)
    hiring: HiringOptions = Field(default_factory=HiringOptions)
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)
    requirement: RequirementSettings = Field(default_factory=RequirementSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    base_dir: Path = Field(default=Path("."), exclude=True, description="set by the loader")

    @field_validator("rules", mode="before")
    @classmethod
    def _apply_preset(cls, value: object) -> object:
        """Fill labour rules from the preset, then let the user's own fields win."""
        if not isinstance(value, dict):
            return value
        preset = value.get("preset", "eu")
        base = dict(LABOUR_PRESETS.get(str(preset), {}))
        breaks = {**dict(base.pop("breaks", {})), **dict(value.get("breaks") or {})}  # type: ignore[arg-type]
        merged = {**base, **value}
        if breaks:
            merged["breaks"] = breaks
        return merged

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        names = [q.name for q in self.queues]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"queues: duplicate queue name(s) {', '.join(dupes)}")
        ids = [s.id for s in self.staff]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"staff: duplicate id(s) {', '.join(dupes)}")
        shift_names = {s.name for s in self.shifts}
        if len(shift_names) != len(self.shifts):
            raise ValueError("shifts: two templates share a name")
        skills = {q.skill_needed for q in self.queues}
        for i, person in enumerate(self.staff):
            unknown = [p for p in person.preferred_shifts if p not in shift_names]
            if unknown:
                raise ValueError(
                    f"staff[{i}].preferred_shifts: unknown shift {unknown[0]!r}; "
                    f"templates are {sorted(shift_names)}"
                )
            if not set(person.skills) & skills:
                raise ValueError(
                    f"staff[{i}].skills: {person.skills} serves no queue; queue skills are "
                    f"{sorted(skills)}"
                )
        for i, override in enumerate(self.forecast.overrides):
            if override.queue is not None and override.queue not in names:
                raise ValueError(
                    f"forecast.overrides[{i}].queue: unknown queue {override.queue!r}; "
                    f"queues are {names}"
                )
        categories = {"early", "day", "late", "night"}
        for i, pair in enumerate(self.rules.banned_sequences):
            for item in pair:
                if item not in categories and item not in shift_names:
                    raise ValueError(
                        f"rules.banned_sequences[{i}]: {item!r} is neither a shift category "
                        f"{sorted(categories)} nor a template name"
                    )
        return self

    # Convenience lookups used by several stages -------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        """The site's time zone."""
        return self.site.tz

    def queue(self, name: str) -> Queue:
        """The queue called ``name``."""
        for q in self.queues:
            if q.name == name:
                return q
        raise ScenarioError(f"queues: no queue named {name!r}; queues are {self.queue_names}")

    @property
    def queue_names(self) -> list[str]:
        """Queue names in scenario order."""
        return [q.name for q in self.queues]

    def history_path(self) -> Path:
        """The history file, resolved against the scenario file's folder."""
        path = self.history.path
        return path if path.is_absolute() else (self.base_dir / path)


def _format_location(loc: tuple[object, ...]) -> str:
    """Turn pydantic's ``('staff', 12, 'contract_hours')`` into ``staff[12].contract_hours``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.startswith(("function-", "tagged-union")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _format_validation_error(error: ValidationError, source: str) -> str:
    """One line naming the first problem's YAML path (and how many more there are)."""
    errors = error.errors()
    first = errors[0]
    message = str(first.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if first.get("type") == "greater_than":
        message = f"must be > {first['ctx']['gt']}"
    elif first.get("type") == "greater_than_equal":
        message = f"must be >= {first['ctx']['ge']}"
    elif first.get("type") == "less_than_equal":
        message = f"must be <= {first['ctx']['le']}"
    elif first.get("type") == "extra_forbidden":
        message = "unknown setting (check the spelling; see docs/scenario.md)"
    elif first.get("type") == "missing":
        message = "required setting is missing"
    where = _format_location(tuple(first.get("loc", ())))
    # a model-level check names its field first ("contract_hours: must be > 0"): fold it into the
    # path so the message reads staff[12].contract_hours: must be > 0
    head, sep, rest = message.partition(": ")
    if where and sep and re.fullmatch(r"[a-z_][a-z0-9_]*", head):
        where, message = f"{where}.{head}", rest
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{source}: {where + ': ' if where else ''}{message}{more}"


def parse_scenario(
    data: dict[str, object], source: str = "scenario", base_dir: Path | None = None
) -> Scenario:
    """Validate a scenario given as a plain dict (e.g. parsed YAML).

    Raises:
        ScenarioError: one line naming the YAML path at fault.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the file must be a YAML mapping of settings")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_validation_error(exc, source)) from None
    scenario.base_dir = base_dir or Path(".")
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario YAML file.

    Relative paths inside it (``history.path``) are resolved against the file's folder.

    Raises:
        ScenarioError: the file is missing, is not YAML, or a setting is invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(
            f"{path}: not valid YAML{where}; check indentation and quotes"
        ) from None
    return parse_scenario(data, source=str(path), base_dir=path.parent.resolve())
