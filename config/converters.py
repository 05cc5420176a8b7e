"""Path converters that refuse, with a 404, what no row can match: a database id
outside 1..2**63-1 (PostgreSQL's bigint; SQLite's INTEGER) and a username with
characters no username may hold (a NUL byte, which PostgreSQL cannot even
compare). Every app's URLs use them, so no such value reaches a query.
"""

from django.urls.converters import StringConverter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)  # no match: the resolver answers 404
        return number

    def to_url(self, value) -> str:
        return str(value)


class UsernameConverter(StringConverter):
    # What django.contrib.auth's UnicodeUsernameValidator allows.
    regex = r"[\w.@+-]+"
