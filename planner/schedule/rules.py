"""The rota's rules as CP-SAT constraints: one ``add_<rule>`` per hard rule or soft goal.

Hard rules come first, then soft goals. A hard rule adds constraints and returns nothing; in
*explain* mode (:class:`RotaVars` built with ``explain=True``) each hard rule of each person is
guarded by an enforcement literal named after the rule and the person, so
``planner.schedule.explain`` can ask CP-SAT which of them conflict. A soft goal returns its
:class:`Penalty` terms (named, weighted in objective units); the objective is set once, in
``solve``. Day-level sequence rules reuse :mod:`planner.schedule.patterns`.

Objective units: :data:`OBJ_SCALE` per unit of currency, so every weight stays an integer.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

from planner.schedule import patterns
from planner.schedule.model import COVER_SCALE, RotaData, lunch_room_ok

__all__ = [
    "HARD_RULES",
    "OBJ_SCALE",
    "SOFT_GOALS",
    "Penalty",
    "RotaVars",
    "add_backup_cap",
    "add_banned_sequences",
    "add_break_capacity",
    "add_burnout",
    "add_contract_hours",
    "add_coverage",
    "add_fairness",
    "add_hire_activation",
    "add_labour_cost",
    "add_max_consecutive_days",
    "add_max_hours_per_week",
    "add_min_days_off_per_week",
    "add_min_rest",
    "add_person_rules",
    "add_shift_preferences",
    "add_stable_start_times",
    "add_time_off_requests",
    "create_variables",
]

#: Objective units per unit of currency (weights are integers in these units).
OBJ_SCALE = 1000

#: Human names of the hard rules an explanation may name (key -> plain words).
HARD_RULES: dict[str, str] = {
    "min_rest": "minimum rest between shifts",
    "banned_sequences": "banned shift sequences",
    "max_consecutive_days": "maximum consecutive working days",
    "min_days_off_per_week": "minimum days off per week",
    "max_hours_per_week": "maximum hours per week",
    "contract_hours": "contract minimum weekly hours",
    "backup_cap": "backup staff hour cap",
}

#: Human names of the soft goals (rule key of each Penalty -> plain words).
SOFT_GOALS: dict[str, str] = {
    "under_cover": "under-cover",
    "over_cover": "over-cover",
    "labour_cost": "labour cost",
    "hire_cost": "hiring cost",
    "fairness": "fairness",
    "time_off_request": "refused time-off requests",
    "shift_preference": "non-preferred shifts",
    "start_time_change": "start-time changes",
    "burnout": "burnout indicators",
}


@dataclasses.dataclass
class Penalty:
    """A named soft-goal term: ``weight * expr`` objective units (``weight`` per unit)."""

    rule: str
    name: str
    expr: cp_model.LinearExprT
    weight: int


@dataclasses.dataclass
class RotaVars:
    """The decision variables of stage 1 for a set of people.

    ``x[p, d, o, g]``: person ``p`` works option ``o`` of day ``d`` serving skill group ``g``.
    ``shift[p, d, o]``: person ``p`` works option ``o`` of day ``d`` (any group).
    ``works[p][d]``: person ``p`` works on day ``d``. ``hired[p]``: candidate activated.
    ``enforce``: in explain mode, ``(rule, p) -> literal`` guarding that person's hard rule.
    """

    model: cp_model.CpModel
    data: RotaData
    people: list[int]
    x: dict[tuple[int, int, int, int], cp_model.IntVar]
    shift: dict[tuple[int, int, int], cp_model.IntVar]
    works: dict[int, list[cp_model.IntVar]]
    hired: dict[int, cp_model.IntVar]
    explain: bool = False
    enforce: dict[tuple[str, int], cp_model.IntVar] = dataclasses.field(default_factory=dict)
    _heads: dict[tuple[int, int, int, float], cp_model.IntVar] | None = None
    head_max: dict[tuple[int, int, int, float], int] = dataclasses.field(default_factory=dict)

    def guard(self, rule: str, p: int) -> list[cp_model.IntVar]:
        """The enforcement literals of ``rule`` for person ``p`` (empty outside explain mode)."""
        if not self.explain:
            return []
        key = (rule, p)
        if key not in self.enforce:
            self.enforce[key] = self.model.new_bool_var(f"enforce[{rule},{self.data.people[p].id}]")
        return [self.enforce[key]]

    def hard(
        self,
        rule: str,
        p: int,
        build: Callable[[bool], list[cp_model.IntVar]],
    ) -> None:
        """Add a pattern rule hard, or (explain mode) soft with its penalties forced to 0."""
        if not self.explain:
            build(False)
            return
        penalties = build(True)
        if penalties:
            self.model.add(sum(penalties) == 0).only_enforce_if(self.guard(rule, p))

    def head_counts(self) -> dict[tuple[int, int, int, float], cp_model.IntVar]:
        """Integer heads per (day, option, group, productivity level), made once on demand."""
        if self._heads is None:
            members: dict[tuple[int, int, int, float], list[cp_model.IntVar]] = defaultdict(list)
            for (p, d, o, g), v in self.x.items():
                level = self.data.people[p].productivity.get(d, 1.0)
                members[d, o, g, level].append(v)
            self._heads = {}
            self.head_max = {key: len(vs) for key, vs in members.items()}
            for key, vs in members.items():
                if len(vs) == 1:
                    self._heads[key] = vs[0]
                    continue
                d, o, g, _ = key
                h = self.model.new_int_var(0, len(vs), f"heads[{d},{o},{self.data.groups[g]}]")
                self.model.add(h == sum(vs))
                self._heads[key] = h
        return self._heads

    def week_minutes(self, p: int, week: list[int]) -> cp_model.LinearExprT:
        """Paid minutes person ``p`` works in the days ``week``."""
        opts = self.data.options
        terms = [
            (self.shift[p, d, o], opts[d][o].paid_min)
            for d in week
            for o in self.data.people[p].options.get(d, [])
        ]
        return cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms])


# --------------------------------------------------------------------------------------------
# Variables and structural rules
# --------------------------------------------------------------------------------------------


def create_variables(
    data: RotaData, people: list[int] | None = None, *, explain: bool = False
) -> RotaVars:
    """Create the decision variables and the one-shift-per-day structure.

    Availability, approved time off, seasonal start + training and the daily availability window
    are enforced here by creating no variable for a shift a person may not work.
    """
    model = cp_model.CpModel()
    chosen = list(range(len(data.people))) if people is None else list(people)
    rv = RotaVars(model, data, chosen, {}, {}, {}, {}, explain=explain)
    for p in chosen:
        person = data.people[p]
        by_day: list[dict[str, cp_model.IntVar]] = []
        for d in range(len(data.days)):
            today: dict[str, cp_model.IntVar] = {}
            for o in person.options.get(d, []):
                name = data.options[d][o].name
                group_vars = []
                for g in person.groups:
                    v = model.new_bool_var(f"x[{person.id},{d},{name},{data.groups[g]}]")
                    rv.x[p, d, o, g] = v
                    group_vars.append(v)
                if len(group_vars) == 1:
                    s = group_vars[0]
                else:
                    s = model.new_bool_var(f"shift[{person.id},{d},{name}]")
                    model.add(sum(group_vars) == s)
                rv.shift[p, d, o] = s
                today[name] = s
            by_day.append(today)
        rv.works[p] = patterns.add_one_shift_per_day(model, by_day, name=person.id)
    add_hire_activation(rv)
    return rv


def add_hire_activation(rv: RotaVars) -> None:
    """A seasonal candidate works only if hired (hard; structural)."""
    for p in rv.people:
        person = rv.data.people[p]
        if not person.candidate:
            continue
        h = rv.model.new_bool_var(f"hired[{person.id}]")
        rv.hired[p] = h
        if p in rv.data.hired_before:
            rv.model.add(h == 1)  # hired in an earlier week: the contract holds
        for w in rv.works[p]:
            rv.model.add_implication(w, h)
        # Symmetry: a hired candidate works at least one day (else hiring is pure cost).
        rv.model.add_bool_or([*rv.works[p], h.Not()])


# --------------------------------------------------------------------------------------------
# Hard rules
# --------------------------------------------------------------------------------------------


def add_min_rest(rv: RotaVars) -> None:
    """Minimum rest between shifts (``rules.min_rest_h``), in real elapsed time (DST-aware)."""
    data, model = rv.data, rv.model
    rest_ns = round(data.scenario.rules.min_rest_h * 3600 * 10**9)
    for p in rv.people:
        person = data.people[p]
        for d, opts in person.options.items():
            for d2 in (d + 1, d + 2):
                for o1 in opts:
                    end = data.options[d][o1].end.value
                    for o2 in person.options.get(d2, []):
                        if data.options[d2][o2].start.value - end < rest_ns:
                            model.add_bool_or(
                                [rv.shift[p, d, o1].Not(), rv.shift[p, d2, o2].Not()]
                            ).only_enforce_if(rv.guard("min_rest", p))


def add_banned_sequences(rv: RotaVars) -> None:
    """Banned shift sequences (``rules.banned_sequences``, e.g. late today → early tomorrow)."""
    data = rv.data
    banned = data.scenario.rules.banned_sequences
    if not banned:
        return
    templates = data.scenario.shifts

    def matches(label: str) -> list[str]:
        return [t.name for t in templates if label in (t.name, t.category)]

    pairs = sorted({(a, b) for x, y in banned for a in matches(x) for b in matches(y)})
    for p in rv.people:
        person = data.people[p]
        by_day = [
            {data.options[d][o].name: rv.shift[p, d, o] for o in person.options.get(d, [])}
            for d in range(len(data.days))
        ]
        rv.hard(
            "banned_sequences",
            p,
            lambda soft, by_day=by_day, person=person: patterns.add_forbidden_successions(
                rv.model, by_day, pairs, name=f"banned[{person.id}]", soft=soft
            ),
        )


def add_max_consecutive_days(rv: RotaVars) -> None:
    """At most ``rules.max_consecutive_days`` working days in a row."""
    limit = rv.data.scenario.rules.max_consecutive_days
    for p in rv.people:
        works = rv.works[p]
        name = f"max_run[{rv.data.people[p].id}]"
        before = rv.data.run_before.get(p, 0)
        rv.hard(
            "max_consecutive_days",
            p,
            lambda soft, works=works, name=name, before=before: patterns.add_max_consecutive_days(
                rv.model, works, limit, name=name, run_before=before, soft=soft
            ),
        )


def add_min_days_off_per_week(rv: RotaVars) -> None:
    """At least ``rules.min_days_off_per_week`` days off per Monday-start week.

    A partial week at the horizon's edge owes the pro-rated share, rounded down.
    """
    need_off = rv.data.scenario.rules.min_days_off_per_week
    for p in rv.people:
        for w, week in enumerate(rv.data.weeks):
            off = need_off if len(week) == 7 else (need_off * len(week)) // 7
            if off <= 0:
                continue
            terms = [(rv.works[p][d], 1) for d in week]
            name = f"days_off[{rv.data.people[p].id},{w}]"
            rv.hard(
                "min_days_off_per_week",
                p,
                lambda soft, terms=terms, name=name, off=off: patterns.add_total_range(
                    rv.model, terms, lo=None, hi=len(terms) - off, name=name, soft=soft
                ),
            )


def add_max_hours_per_week(rv: RotaVars) -> None:
    """At most the person's (or the labour rule's) maximum paid hours per week."""
    for p in rv.people:
        person = rv.data.people[p]
        for w, week in enumerate(rv.data.weeks):
            rv.model.add(rv.week_minutes(p, week) <= person.week_max[w]).only_enforce_if(
                rv.guard("max_hours_per_week", p)
            )


def add_contract_hours(rv: RotaVars) -> None:
    """Contract minimum paid hours per week, pro-rated by available days (candidates if hired)."""
    for p in rv.people:
        person = rv.data.people[p]
        hired = [rv.hired[p]] if p in rv.hired else []
        for w, week in enumerate(rv.data.weeks):
            if person.week_min[w] <= 0:
                continue
            rv.model.add(rv.week_minutes(p, week) >= person.week_min[w]).only_enforce_if(
                [*hired, *rv.guard("contract_hours", p)]
            )


def add_backup_cap(rv: RotaVars) -> None:
    """Backup staff work at most ``max_hours_total`` over the horizon."""
    for p in rv.people:
        member = rv.data.people[p].member
        if member.kind != "backup" or member.max_hours_total is None:
            continue
        total = rv.week_minutes(p, list(range(len(rv.data.days))))
        left = round(member.max_hours_total * 60) - rv.data.backup_used_min.get(p, 0)
        rv.model.add(total <= max(0, left)).only_enforce_if(rv.guard("backup_cap", p))


def add_person_rules(rv: RotaVars) -> None:
    """Every per-person hard rule of :data:`HARD_RULES`, in its order (stage 1 and the
    infeasibility explanation build the same rules from here)."""
    add_min_rest(rv)
    add_banned_sequences(rv)
    add_max_consecutive_days(rv)
    add_min_days_off_per_week(rv)
    add_max_hours_per_week(rv)
    add_contract_hours(rv)
    add_backup_cap(rv)


def add_break_capacity(rv: RotaVars) -> None:
    """Room for every lunch under the share-on-break cap (so stage 2 can place them).

    People of one group on the same template share its lunch window (``k`` back-to-back lunches)
    and are all on shift through it, so their number ``n`` must satisfy
    ``n <= k × break_cap(n)`` (``model.lunch_room_ok``): a domain constraint on the head count.
    Other people on shift raise the real cap, so this is a conservative rule of thumb, not an
    exact condition; stage 2 checks the exact one.
    """
    data, model = rv.data, rv.model
    counts: dict[tuple[int, int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (d, o, g, _), h in rv.head_counts().items():
        counts[d, o, g].append(h)
    top = len(rv.people)
    # The rule depends on the template and paid minutes only: checked once for each (1.5 s of
    # the 200-person model's build when checked per day).
    by_kind: dict[tuple[str, int], list[int]] = {}
    for (d, o, _), hs in counts.items():
        opt = data.options[d][o]
        kind = (opt.template.name, opt.paid_min)
        if kind not in by_kind:
            by_kind[kind] = [n for n in range(top + 1) if lunch_room_ok(data, d, o, n)]
        allowed = by_kind[kind]
        if len(allowed) == top + 1:
            continue
        model.add_linear_expression_in_domain(sum(hs), cp_model.Domain.from_values(allowed))


# --------------------------------------------------------------------------------------------
# Soft goals
# --------------------------------------------------------------------------------------------


def _weight(value_per_unit: float) -> int:
    """Objective units for one unit of a penalty worth ``value_per_unit`` currency."""
    return max(0, round(value_per_unit * OBJ_SCALE))


def add_coverage(rv: RotaVars) -> list[Penalty]:
    """Cover ``staff_needed`` per interval and skill group: under-cover ≫ over-cover.

    Heads count in hundredths: a ramping seasonal at 50% counts 50, and stage 1 deducts each
    shift's expected break share. Under- and over-cover are priced per staff-hour.
    """
    data, model = rv.data, rv.model
    weights = data.scenario.schedule.weights
    interval_h = data.interval_min / 60
    # Penalty weights are per staff-hour; one unit is 1/COVER_SCALE head for one interval.
    w_under = weights.under_cover * interval_h / COVER_SCALE
    w_over = weights.over_cover * interval_h / COVER_SCALE
    # Coverage sums head counts per (day, option, group, productivity), not people: far fewer
    # terms per interval, and a tighter LP.
    terms: dict[tuple[int, int], tuple[list[cp_model.IntVar], list[int]]] = defaultdict(
        lambda: ([], [])
    )
    top: dict[tuple[int, int], int] = defaultdict(int)  # most coverage an interval can get
    for (d, o, g, level), count in rv.head_counts().items():
        most = rv.head_max[d, o, g, level]
        for t, c in data.options[d][o].cover.items():
            coef = round(c * level)
            if coef:
                vs, cs = terms[g, t]
                vs.append(count)
                cs.append(coef)
                top[g, t] += coef * most
    unders, overs = [], []
    n_groups, n_t = data.need.shape
    for g in range(n_groups):
        for t in range(n_t):
            need = int(data.need[g, t])
            vs, cs = terms.get((g, t), ([], []))
            if not vs:
                if need:
                    unders.append(need)  # nobody can cover it: a constant shortfall
                continue
            cover = cp_model.LinearExpr.weighted_sum(vs, cs)
            if need:
                under = model.new_int_var(0, need, f"under[{data.groups[g]},{t}]")
                model.add(cover + under >= need)
                unders.append(under)
            if w_over > 0:
                over = model.new_int_var(0, top[g, t], f"over[{data.groups[g]},{t}]")
                model.add(cover - over <= need)
                overs.append(over)
    penalties = [Penalty("under_cover", "under-cover", sum(unders), _weight(w_under))]
    if overs:
        penalties.append(Penalty("over_cover", "over-cover", sum(overs), _weight(w_over)))
    return penalties


def add_labour_cost(rv: RotaVars) -> list[Penalty]:
    """Paid hours × hourly cost (backup staff at the overtime factor), split by staff kind."""
    data = rv.data
    factor = data.scenario.schedule.weights.labour_cost
    by_kind: dict[str, tuple[list[cp_model.IntVar], list[int]]] = defaultdict(lambda: ([], []))
    for (p, d, o), v in rv.shift.items():
        person = data.people[p]
        coef = _weight(data.options[d][o].paid_min * person.cost_per_min * factor)
        vs, cs = by_kind[person.kind]
        vs.append(v)
        cs.append(coef)
    penalties = [
        Penalty("labour_cost", f"labour cost ({kind})", cp_model.LinearExpr.weighted_sum(vs, cs), 1)
        for kind, (vs, cs) in sorted(by_kind.items())
    ]
    share = data.hire_cost_share
    hires = [
        (rv.hired[p], _weight(data.people[p].hire_cost * factor * share))
        for p in rv.hired
        if p not in data.hired_before
    ]
    if hires:
        penalties.append(
            Penalty(
                "hire_cost",
                "hiring cost",
                cp_model.LinearExpr.weighted_sum([h for h, _ in hires], [c for _, c in hires]),
                1,
            )
        )
    return penalties


def add_fairness(rv: RotaVars) -> list[Penalty]:
    """Share weekend days, late/night shifts and holiday days evenly, pro-rated by contract.

    For each kind of hard shift and each permanent or pre-hired seasonal person, the penalty is
    how many such shifts the person works above their contract share of the team total (the sum
    of positive deviations from the pro-rated mean).
    """
    data, model = rv.data, rv.model
    weight = data.scenario.schedule.weights.fairness
    eligible = [p for p in rv.people if data.fair_eligible(p)]
    if weight <= 0 or len(eligible) < 2:
        return []
    total_contract = sum(data.people[p].member.contract_hours for p in eligible)
    penalties = []
    for kind, hit in data.fair_kinds().items():
        counts: dict[int, cp_model.LinearExprT] = {}
        for p in eligible:
            lits = [
                rv.shift[p, d, o]
                for d, opts in data.people[p].options.items()
                for o in opts
                if hit(d, o)
            ]
            before = data.fair_before.get((kind, p), 0)
            if lits or before:
                counts[p] = sum(lits) + before
        if len(counts) < 2:
            continue
        # One variable for the team total keeps each person's constraint short.
        # counts carried from earlier weeks (week-by-week solving) widen the domains
        carried = sum(data.fair_before.get((kind, p), 0) for p in counts)
        top = carried + len(data.days) * len(counts)
        total = model.new_int_var(0, top, f"fair_total[{kind}]")
        model.add(total == sum(counts.values()))
        excesses = []
        for p, count in counts.items():
            share = round(COVER_SCALE * data.people[p].member.contract_hours / total_contract)
            excess = model.new_int_var(0, COVER_SCALE * top, f"unfair[{kind},{p}]")
            model.add(excess >= COVER_SCALE * count - share * total)
            excesses.append(excess)
        penalties.append(
            Penalty("fairness", f"fairness ({kind})", sum(excesses), _weight(weight / COVER_SCALE))
        )
    return penalties


def add_time_off_requests(rv: RotaVars) -> list[Penalty]:
    """Honour time-off requests: each worked requested day costs its weight."""
    data = rv.data
    base = data.scenario.schedule.weights.time_off_request
    vs, cs = [], []
    for p in rv.people:
        for req in data.people[p].member.time_off_requests:
            for d, day in enumerate(data.days):
                if req.start <= day <= req.end and d in data.people[p].options:
                    vs.append(rv.works[p][d])
                    cs.append(_weight(base * req.weight))
    if not vs:
        return []
    return [
        Penalty(
            "time_off_request",
            "refused time-off requests",
            cp_model.LinearExpr.weighted_sum(vs, cs),
            1,
        )
    ]


def add_shift_preferences(rv: RotaVars) -> list[Penalty]:
    """Honour shift preferences: each worked shift outside a person's preferred list costs."""
    data = rv.data
    lits = []
    for (p, d, o), v in rv.shift.items():
        preferred = data.people[p].member.preferred_shifts
        if preferred and data.options[d][o].name not in preferred:
            lits.append(v)
    weight = _weight(data.scenario.schedule.weights.shift_preference)
    return [Penalty("shift_preference", "non-preferred shifts", sum(lits), weight)] if lits else []


def add_stable_start_times(rv: RotaVars) -> list[Penalty]:
    """Stable start times: a change of wall-clock start between consecutive worked days costs."""
    data, model = rv.data, rv.model
    weight = _weight(data.scenario.schedule.weights.start_time_change)
    if weight <= 0:
        return []
    changes = []
    for p in rv.people:
        person = data.people[p]
        for d in range(len(data.days) - 1):
            today, tomorrow = person.options.get(d, []), person.options.get(d + 1, [])
            if not today or not tomorrow:
                continue
            by_start: dict[object, list[cp_model.IntVar]] = defaultdict(list)
            by_start_next: dict[object, list[cp_model.IntVar]] = defaultdict(list)
            for o in today:
                by_start[data.options[d][o].template.start].append(rv.shift[p, d, o])
            for o in tomorrow:
                by_start_next[data.options[d + 1][o].template.start].append(rv.shift[p, d + 1, o])
            if len(by_start) == 1 and by_start.keys() == by_start_next.keys():
                continue  # one start time both days: nothing can change
            c = model.new_bool_var(f"start_change[{person.id},{d}]")
            for start, lits in by_start.items():
                same = by_start_next.get(start, [])
                # works d at `start` and works d+1 at another start -> change
                model.add(c >= sum(lits) + rv.works[p][d + 1] - sum(same) - 1)
            changes.append(c)
    return (
        [Penalty("start_time_change", "start-time changes", sum(changes), weight)]
        if changes
        else []
    )


def add_burnout(rv: RotaVars) -> list[Penalty]:
    """Burnout indicators (weight ``burnout``; 0 skips them). Each hit costs one unit:

    - a quick return: rest shorter than ``risk.quick_return_h`` (but legal);
    - a long run: each window of ``risk.long_run_days`` consecutive working days;
    - late load: each late/night shift beyond two in one week.
    """
    data, model = rv.data, rv.model
    weight = _weight(data.scenario.schedule.weights.burnout)
    if weight <= 0:
        return []
    risk = data.scenario.risk
    quick_ns = round(risk.quick_return_h * 3600 * 10**9)
    hits: list[cp_model.LinearExprT] = []
    for p in rv.people:
        person = data.people[p]
        for d, opts in person.options.items():
            for o1 in opts:
                end = data.options[d][o1].end.value
                for o2 in person.options.get(d + 1, []):
                    if data.options[d + 1][o2].start.value - end < quick_ns:
                        q = model.new_bool_var(f"quick_return[{person.id},{d}]")
                        model.add_bool_or(
                            [rv.shift[p, d, o1].Not(), rv.shift[p, d + 1, o2].Not(), q]
                        )
                        hits.append(q)
        hits += patterns.add_max_consecutive(
            model, rv.works[p], risk.long_run_days - 1, name=f"long_run[{person.id}]", soft=True
        )
        for w, week in enumerate(data.weeks):
            lates = [
                rv.shift[p, d, o]
                for d in week
                for o in person.options.get(d, [])
                if data.options[d][o].category in ("late", "night")
            ]
            if len(lates) > 2:
                e = model.new_int_var(0, len(lates), f"late_load[{person.id},{w}]")
                model.add(e >= sum(lates) - 2)
                hits.append(e)
    return [Penalty("burnout", "burnout indicators", sum(hits), weight)] if hits else []
