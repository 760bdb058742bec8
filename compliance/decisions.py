"""The rules' decisions for a few projects (the incremental path, a delta scan), compiled once.

Building and compiling the six rules' querysets (rules.decisions) took 18-38 ms of Python per
call on this project's 2-core hosts, most of the time one marked project takes, while PostgreSQL
answered in 3-5 ms (bench/README.md). Its SQL depends only on the number of projects, the
tariffs and the settings; the clock's dates and the project ids are parameters. So the UNION is
compiled once with probe values (a clock in the year 1900, ids no table holds), the parameters
that carry them are found by equality, and each call puts the real values in their place: a
prepared statement, kept per process, per number of projects and tariff table, and dropped when
a setting changes.

If a probe reaches the parameters in another form (a date computed from clock.today in Python,
say), its place cannot be found: that shape is then compiled on every call, as before, and a
warning says so.
"""

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta

from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver

from . import rules

logger = logging.getLogger(__name__)

_PROBE_START = datetime(1900, 1, 1, tzinfo=UTC)
PROBE_CLOCK = rules.Clock(
    now=_PROBE_START,
    today=date(1900, 1, 2),
    warn_horizon=date(1900, 1, 3),
    no_workers_started_by=date(1900, 1, 4),
    unverified_created_before=_PROBE_START + timedelta(days=4),
    rejected_before=_PROBE_START + timedelta(days=5),
)
PROBE_YEAR = 1900
FIRST_PROBE_ID = -(10**12)  # then -10**12 - 1, …: no primary key is negative
MAX_STATEMENTS = 32  # shapes kept per process (one per number of projects, mostly 1-10)


class NotBindable(Exception):
    """A probe reached the parameters in a form that is not one of the probes."""


@dataclass(frozen=True)
class Slot:
    position: int
    clock_field: str | None  # a Clock field, or None for the project id at `id_index`
    id_index: int = 0
    adapt: str = ""  # the backend operation that adapts the value (SQLite: dates as text)


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple
    slots: tuple[Slot, ...]

    def bind(self, clock: rules.Clock, ids: list[int]) -> list:
        params = list(self.params)
        for slot in self.slots:
            if slot.clock_field is None:
                params[slot.position] = ids[slot.id_index]
            else:
                value = getattr(clock, slot.clock_field)
                params[slot.position] = (
                    getattr(connection.ops, slot.adapt)(value) if slot.adapt else value
                )
        return params


_statements: OrderedDict = OrderedDict()
_lock = threading.Lock()
_COMPILE_EACH_TIME = object()


def decision_rows(clock: rules.Clock, project_ids) -> list[tuple[int, str, bool]]:
    """rules.decisions(clock, project_ids) as (project id, rule, is_violation) rows."""
    ids = sorted(set(project_ids))
    if not ids:
        return []
    tariffs = rules.tariffs_newest_first()
    key = (connection.vendor, len(ids), _fingerprint(tariffs))
    with _lock:
        statement = _statements.get(key)
        if statement is not None:
            _statements.move_to_end(key)
    if statement is None:
        try:
            statement = compile_statement(len(ids), tariffs)
        except NotBindable as error:
            logger.warning("decisions compiled on every call: %s", error)
            statement = _COMPILE_EACH_TIME
        with _lock:
            _statements[key] = statement
            while len(_statements) > MAX_STATEMENTS:
                _statements.popitem(last=False)
    if statement is _COMPILE_EACH_TIME:
        rows = rules.decisions(clock, ids, tariffs=tariffs)
    else:
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.bind(clock, ids))
            rows = cursor.fetchall()
    # SQLite returns booleans as 0/1.
    return [(pk, rule, bool(is_violation)) for pk, rule, is_violation in rows]


def compile_statement(n: int, tariffs) -> Statement:
    probe_ids = [FIRST_PROBE_ID - i for i in range(n)]
    queryset = rules.decisions(PROBE_CLOCK, probe_ids, tariffs=tariffs)
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    return Statement(sql, tuple(params), find_slots(params, n))


def find_slots(params, n: int) -> tuple[Slot, ...]:
    """Where the probe clock's fields and the n probe ids sit among compiled parameters."""
    ops = connection.ops
    sources = {}
    for field in fields(rules.Clock):
        value = getattr(PROBE_CLOCK, field.name)
        adapt = (
            "adapt_datetimefield_value" if isinstance(value, datetime) else "adapt_datefield_value"
        )
        sources[_key(value)] = (field.name, 0, "")
        sources.setdefault(_key(getattr(ops, adapt)(value)), (field.name, 0, adapt))
    for index in range(n):
        sources[_key(FIRST_PROBE_ID - index)] = (None, index, "")
    slots = []
    for position, param in enumerate(params):
        source = sources.get(_key(param))
        if source is not None:
            slots.append(Slot(position, *source))
        elif _from_probe(param):
            raise NotBindable(f"parameter {position} ({param!r}) was computed from a probe")
    bound = {slot.id_index for slot in slots if slot.clock_field is None}
    if bound != set(range(n)):
        raise NotBindable(f"only {len(bound)} of {n} project ids found among the parameters")
    return tuple(slots)


def _key(value):
    # With the type: True == 1, and a Decimal can equal an int.
    return (type(value), value) if isinstance(value, (int, str, date)) else None


def _from_probe(value) -> bool:
    if isinstance(value, date):
        return value.year == PROBE_YEAR
    if isinstance(value, str):
        return value.startswith(f"{PROBE_YEAR}-")
    if isinstance(value, int) and not isinstance(value, bool):
        return value <= FIRST_PROBE_ID
    return False


def _fingerprint(tariffs) -> tuple:
    """Every column of every tariff and tier: the due amount's SQL is built from them."""

    def row(obj):
        return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)

    return tuple((row(t), tuple(row(tier) for tier in t.tiers.all())) for t in tariffs)


@receiver(setting_changed)
def _forget_statements(**kwargs) -> None:
    """Thresholds and the subcontract setting shape the SQL (tests change them)."""
    with _lock:
        _statements.clear()
