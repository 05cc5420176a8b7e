"""Queries whose SQL is written once per process.

A page that is in no cache (a deep page of a long topic or of a big category,
the first page after a change) spent as long turning its queries into SQL
through the ORM (1-3 ms each: a subquery and three joins for a page's posts) as
the database spent running them. Their shape never changes, so:

* `Select` writes the columns and joins of a list query once: rows of one model
  with some of its related rows, as `.select_related(...).only(...)` would load
  them. Each call adds only its WHERE clause, which the caller takes from an ORM
  queryset of ids (cheap to compile, and the ORM's own filters). Rows become
  model instances the way the ORM makes them: Model.from_db() with the other
  fields deferred, the backend's value converters applied (SQLite returns dates
  as text), and each related instance (or None) cached on its foreign key, so
  reading `post.author` runs no query.
* `Compiled` has the ORM write a values_list() query's SQL once, with a stand-in
  for its one varying value, and puts each call's value in its place.

tests/forum/test_selects.py checks the results against the ORM's, field by
field, on every database the suite runs on.
"""

from __future__ import annotations

from django.db import connections, router


def _in_model_order(fields: list) -> list:
    order = fields[0].model._meta.concrete_fields
    return sorted(set(fields), key=order.index)


class Select:
    """SELECT `fields` of `model` (names as given to only(): "title",
    "author__username"), LEFT JOINing each foreign key named before a "__"."""

    def __init__(self, model, fields: list[str]):
        self.model = model
        meta = model._meta
        own: list = []
        related: dict[str, list] = {}
        for name in fields:
            if "__" in name:
                relation, _, field_name = name.partition("__")
                related.setdefault(relation, [])
                target = meta.get_field(relation).related_model
                related[relation].append(target._meta.get_field(field_name))
            else:
                own.append(meta.get_field(name))
        for relation, target_fields in related.items():
            key = meta.get_field(relation)
            if key not in own:
                own.append(key)  # the foreign key itself, as the ORM loads it
            pk = key.related_model._meta.pk
            if pk not in target_fields:
                target_fields.insert(0, pk)
        if meta.pk not in own:
            own.insert(0, meta.pk)
        # In the model's field order: Model.from_db() takes the values so.
        self.own = _in_model_order(own)
        self.joins = [
            (meta.get_field(relation), f"r{number}", _in_model_order(target_fields))
            for number, (relation, target_fields) in enumerate(related.items())
        ]
        self._head: dict[str, str] = {}
        self._converters: dict[str, list] = {}

    def head(self, connection) -> str:
        """SELECT ... FROM ... LEFT OUTER JOIN ..., the main table aliased "t"."""
        if connection.vendor not in self._head:
            quote = connection.ops.quote_name
            columns = [f"t.{quote(f.column)}" for f in self.own]
            tables = [f"{quote(self.model._meta.db_table)} t"]
            for key, alias, target_fields in self.joins:
                columns += [f"{alias}.{quote(f.column)}" for f in target_fields]
                target = key.related_model._meta
                tables.append(
                    f"LEFT OUTER JOIN {quote(target.db_table)} {alias} "
                    f"ON ({alias}.{quote(target.pk.column)} = t.{quote(key.column)})"
                )
            self._head[connection.vendor] = (
                f"SELECT {', '.join(columns)} FROM {' '.join(tables)}"
            )
        return self._head[connection.vendor]

    def converters(self, connection) -> list:
        """Per column, the (converter, expression) pairs the ORM applies."""
        if connection.vendor not in self._converters:
            fields = list(self.own)
            for _, _, target_fields in self.joins:
                fields += target_fields
            result = []
            for field in fields:
                column = field.get_col(field.model._meta.db_table)
                found = connection.ops.get_db_converters(
                    column
                ) + column.get_db_converters(connection)
                result.append([(converter, column) for converter in found])
            self._converters[connection.vendor] = result
        return self._converters[connection.vendor]

    def fetch(self, ids_queryset, order) -> list:
        """The rows whose primary keys `ids_queryset` (a values("pk") queryset,
        sliced as the page needs) selects, in `order` (field names as given to
        order_by(): "position", "-pk")."""
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        inner, params = ids_queryset.query.get_compiler(using=alias).as_sql()
        quote = connection.ops.quote_name
        meta = self.model._meta
        terms = []
        for name in order:
            field = (
                meta.pk
                if name.lstrip("-") == "pk"
                else meta.get_field(name.lstrip("-"))
            )
            terms.append(f"t.{quote(field.column)}{' DESC' if name[0] == '-' else ''}")
        sql = (
            f"{self.head(connection)} WHERE t.{quote(meta.pk.column)} "
            f"IN ({inner}) ORDER BY {', '.join(terms)}"
        )
        converters = self.converters(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [self._instance(row, converters, connection, alias) for row in rows]

    def _instance(self, row, converters, connection, alias):
        values = list(row)
        for index, pairs in enumerate(converters):
            for converter, expression in pairs:
                values[index] = converter(values[index], expression, connection)
        count = len(self.own)
        instance = self.model.from_db(
            alias, [f.attname for f in self.own], values[:count]
        )
        start = count
        for key, _, target_fields in self.joins:
            stop = start + len(target_fields)
            part = values[start:stop]
            start = stop
            related = None
            if part[0] is not None:
                related = key.related_model.from_db(
                    alias, [f.attname for f in target_fields], part
                )
            key.set_cached_value(instance, related)
        return instance


class Compiled:
    """A values_list() query the ORM turns into SQL once per database, with a
    stand-in for its one varying value (e.g. a topic's id): each call runs that
    SQL with the value put in the stand-in's place. For small queries whose
    compiling costs more than running them."""

    STAND_IN = -982_451_653

    def __init__(self, model, build):
        """build(value) returns the queryset (of `model`) for one value."""
        self.model = model
        self.build = build
        self._compiled: dict[str, tuple[str, list, int]] = {}

    def rows(self, value) -> list[tuple]:
        alias = router.db_for_read(self.model)
        if alias not in self._compiled:
            queryset = self.build(self.STAND_IN)
            sql, params = queryset.query.get_compiler(using=alias).as_sql()
            params = list(params)
            (where,) = [i for i, p in enumerate(params) if p == self.STAND_IN]
            self._compiled[alias] = (sql, params, where)
        sql, params, where = self._compiled[alias]
        params = list(params)
        params[where] = value
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
