"""Model queries whose SQL is built once per process, for the few that every page runs.

Django builds and compiles a queryset's SQL on every call: for the signed-in user with its
office and company (every page), or a project with its registrations, that took more CPU than
PostgreSQL took to answer (about a third of the project page's Python time; README, "Load
test"). Their SQL does not change between calls, only the ids in it. So a `PreparedQuery` builds
its queryset once with probe ids (negative numbers, which no primary key is), finds the
parameters that carry them by equality, and later calls run that SQL with the real ids in their
place. The rows become model instances exactly as the queryset would make them (its
`select_related` objects and annotations), because the compiler's own description of the
columns is kept beside the SQL.

A list of ids is probed with as many numbers, so each length has its own SQL; an argument named
in `shape` (a page's offset, say) is passed to `build` as it is and keys its own SQL too. At most
MAX_STATEMENTS shapes are kept per query.

A prepared query returns a list, not a queryset: a queryset could be filtered further, and the
kept SQL would not follow. If a probe does not reach the parameters as itself (turned into
something else on the way), that shape is compiled on every call, as before, with a warning;
`PreparedQuery.bindable()` tells, and the tests check it for every query.
"""

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler
from django.dispatch import receiver

logger = logging.getLogger(__name__)

FIRST_PROBE = -(10**12)  # then -10**12 - 1, …: no primary key is negative
MAX_STATEMENTS = 64
_registry: list["PreparedQuery"] = []


@dataclass(frozen=True)
class _Statement:
    queryset: QuerySet  # built with the probes, never evaluated
    sql: str
    params: tuple
    slots: tuple[tuple[int, str, int | None], ...]  # (position, argument, index in a list)
    select: list
    klass_info: dict
    annotation_col_map: dict
    col_count: int
    has_extra_select: bool


_NOT_BINDABLE = object()


class _BoundCompiler(SQLCompiler):
    """A compiler that already knows its SQL and columns."""

    def __init__(self, query, connection, using, statement: _Statement, params: list):
        super().__init__(query, connection, using)
        self.select = statement.select
        self.klass_info = statement.klass_info
        self.annotation_col_map = statement.annotation_col_map
        self.col_count = statement.col_count
        self.has_extra_select = statement.has_extra_select
        self._sql = statement.sql
        self._params = params

    def setup_query(self, with_col_aliases=False):
        pass

    def pre_sql_setup(self, with_col_aliases=False):
        pass

    def as_sql(self, with_limits=True, with_col_aliases=False):
        return self._sql, self._params


class _BoundQuery(Query):
    """A query whose compiler is a _BoundCompiler (its statement and parameters are set)."""

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        connection = connection or connections[using]
        return _BoundCompiler(self, connection, using, self.statement, self.bound_params)


class PreparedQuery:
    """`build(**arguments)` makes the queryset; `fetch(**arguments)` returns its rows.

    Each argument not in `shape` is an integer id, or a list of them, that the queryset compares
    as it is (a filter on a key, `__in` for a list).
    """

    def __init__(
        self, name: str, build: Callable[..., QuerySet], *arguments: str, shape: tuple = ()
    ):
        self.name = name
        self.build = build
        self.arguments = arguments
        self.shape = shape
        self._statements: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        _registry.append(self)

    def __repr__(self):
        return f"<PreparedQuery {self.name}>"

    def fetch(self, using: str = DEFAULT_DB_ALIAS, **values) -> list:
        statement = self._statement(using, values)
        if statement is _NOT_BINDABLE:
            return list(self.build(**values).using(using))
        params = list(statement.params)
        for position, argument, index in statement.slots:
            value = values[argument]
            params[position] = value if index is None else value[index]
        queryset = statement.queryset._chain()  # a fresh copy of the query, unevaluated
        queryset.query.__class__ = _BoundQuery
        queryset.query.statement, queryset.query.bound_params = statement, params
        return list(queryset)

    def bindable(self, using: str = DEFAULT_DB_ALIAS, **values) -> bool:
        return self._statement(using, values) is not _NOT_BINDABLE

    def _key(self, using: str, values: dict) -> tuple:
        lengths = tuple(
            len(values[a]) if isinstance(values.get(a), list | tuple) else None
            for a in self.arguments
        )
        return using, lengths, tuple(values.get(name) for name in self.shape)

    def _statement(self, using: str, values: dict):
        key = self._key(using, values)
        statement = self._statements.get(key)
        if statement is None:
            with self._lock:
                statement = self._statements.get(key)
                if statement is None:
                    statement = self._prepare(using, key[1], values)
                    self._statements[key] = statement
                    while len(self._statements) > MAX_STATEMENTS:
                        self._statements.popitem(last=False)
        return statement

    def _prepare(self, using: str, lengths: tuple, values: dict):
        probes, where = {}, {}
        next_probe = FIRST_PROBE
        for argument, length in zip(self.arguments, lengths, strict=True):
            if length is None:
                probes[argument], where[next_probe] = next_probe, (argument, None)
                next_probe -= 1
            else:
                probes[argument] = list(range(next_probe, next_probe - length, -1))
                where.update({p: (argument, i) for i, p in enumerate(probes[argument])})
                next_probe -= length
        queryset = self.build(**probes, **{name: values.get(name) for name in self.shape})
        queryset = queryset.using(using)
        try:
            if type(queryset.query) is not Query:
                raise EmptyResultSet  # a subclass may compile differently: not ours to bind
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            sql, params = "", ()
        slots = tuple(
            (position, *where[value])
            for position, value in enumerate(params)
            if type(value) is int and value in where
        )
        if not sql or set(where) - {params[position] for position, *_ in slots}:
            logger.warning("prepared query %s compiles on every call (%s)", self.name, lengths)
            return _NOT_BINDABLE
        return _Statement(
            queryset=queryset,
            sql=sql,
            params=tuple(params),
            slots=slots,
            select=compiler.select,
            klass_info=compiler.klass_info,
            annotation_col_map=compiler.annotation_col_map,
            col_count=compiler.col_count,
            has_extra_select=compiler.has_extra_select,
        )

    def forget(self) -> None:
        with self._lock:
            self._statements.clear()


@receiver(setting_changed)
def _forget_all(**kwargs):
    """A test that changes settings (the database, a language) gets fresh SQL."""
    for prepared in _registry:
        prepared.forget()
