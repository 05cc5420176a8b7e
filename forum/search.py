"""Full-text search over titles, subjects and post text.

On PostgreSQL each post stores a weighted tsvector (title A, subject B, text C) in
its category's language with accents ignored, kept current by index_posts; queries
use web-search syntax ("phrases", -exclusions, or) and are ranked. On SQLite, the
embedded default, a plain match of every word, case and accents ignored (quoted
phrases kept together, -words excluded), with a simpler ranking: title, then
subject, then text.
Either way one SQL statement reads the newest RESULT_CAP + 1 matches (the count),
ranks them beside the newest matching topic-opening posts and returns one page, so
that a common word costs about as much as a rare one. Snippets are cut from the
page's own rows in Python.
"""

import re
import shlex
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from html import escape  # what Django's escape calls, without its lazy wrapper
from itertools import chain

from django.db import connection, connections, router
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User

from .links import id_url
from .models import Category, Post, first_words

CONFIGS = {"en": "english_unaccent", "fr": "french_unaccent"}
MAX_QUERY = 500

_INDEX_SQL = """
UPDATE forum_post AS p SET search_vector =
    setweight(to_tsvector(cfg.name, CASE WHEN p.id = t.first_post_id
                                         THEN t.title ELSE '' END), 'A')
 || setweight(to_tsvector(cfg.name, p.subject), 'B')
 || setweight(to_tsvector(cfg.name, p.body), 'C')
FROM forum_topic AS t
JOIN forum_category AS c ON c.id = t.category_id
CROSS JOIN LATERAL (SELECT (CASE c.language WHEN 'fr' THEN 'french_unaccent'
                            ELSE 'english_unaccent' END)::regconfig AS name) AS cfg
WHERE t.id = p.topic_id AND {where}
"""


def postgres() -> bool:
    return connection.vendor == "postgresql"


def index_posts(*, post_ids: list[int] | None = None, topic_id: int | None = None):
    """Recompute the search vectors of some posts, or of a whole topic's posts
    (PostgreSQL only; a no-op elsewhere). Call in the transaction of the write."""
    if not postgres():
        return
    with connection.cursor() as cursor:
        if topic_id is not None:
            cursor.execute(_INDEX_SQL.format(where="p.topic_id = %s"), [topic_id])
        elif post_ids:
            cursor.execute(_INDEX_SQL.format(where="p.id = ANY(%s)"), [post_ids])


def index_all() -> None:
    """Recompute every post's search vector (after a bulk load)."""
    if postgres():
        with connection.cursor() as cursor:
            cursor.execute(_INDEX_SQL.format(where="TRUE"))


@dataclass
class Filters:
    q: str
    category_id: int | None = None
    author: str = ""
    date_from: date | None = None
    date_to: date | None = None
    topics_only: bool = False
    order: str = "relevance"


def _plain_terms(q: str) -> tuple[list[str], list[str]]:
    """Words and "quoted phrases" to match, and -words to exclude."""
    try:
        parts = shlex.split(q)
    except ValueError:  # an unbalanced quote: take the words as they are
        parts = q.replace('"', " ").split()
    include, exclude = [], []
    for part in parts:
        if part.lower() == "or":
            continue
        if part.startswith("-") and len(part) > 1:
            exclude.append(part[1:])
        elif part.strip("-"):
            include.append(part)
    return include, exclude


# At most this many matches are counted, ranked and paged through: past it the
# page says "300+ results" and the reader narrows the search. Counting or
# ranking every match of a common word would read most of the posts.
RESULT_CAP = 300

# The newest matches (one more than the cap: the count), the page of them asked
# for, and that page's rows. A one-row count on the left keeps the count when
# the page is empty.
_SEARCH_SQL = """
WITH recent AS ({recent}),
page AS ({page})
SELECT n.total, p.id, p.parent_id, p.author_name, p.subject, p.body, p.created_at,
       t.id, t.title, c.name
FROM (SELECT COUNT(*) AS total FROM recent) AS n
LEFT JOIN (page JOIN forum_post AS p ON p.id = page.id
           JOIN forum_topic AS t ON t.id = p.topic_id
           JOIN forum_category AS c ON c.id = t.category_id) ON 1 = 1
ORDER BY {order}
"""

_MATCHES = """
SELECT p.id, p.created_at{rank} FROM forum_post AS p
JOIN forum_topic AS t ON t.id = p.topic_id
WHERE {where}
ORDER BY p.created_at DESC, p.id DESC LIMIT {limit}
"""

_NEWEST = "created_at DESC, id DESC"

# By relevance: the RESULT_CAP newest matches and the RESULT_CAP newest matching
# topic-opening posts (where titles are, so that an old topic whose title matches
# still comes first), ranked, then one page of them.
_CANDIDATES = """
SELECT * FROM (SELECT * FROM recent ORDER BY {newest} LIMIT {cap}) AS r
UNION SELECT * FROM ({openings}) AS o
"""
_RANKED_PAGE = """
SELECT id, created_at, rank FROM ({candidates}) AS candidates
ORDER BY rank DESC, {newest} LIMIT %s OFFSET %s
"""


@dataclass
class Result:
    """A post found, with where it is; title_html and snippet are escaped HTML
    with the matched words in <mark>."""

    pk: int
    parent_id: int | None
    author_name: str
    subject: str
    body: str
    created_at: datetime
    topic_id: int
    topic_title: str
    category_name: str
    url: str = ""
    topic_url: str = ""
    title_html: str = ""
    snippet: str = ""


def find(
    *, filters: Filters, categories: Iterable[Category], offset: int, limit: int
) -> tuple[int, list[Result]]:
    """How many posts match (counted up to RESULT_CAP + 1), and the results
    offset to offset + limit in the order asked for, in one statement. Only
    published, visible posts of `categories` are searched: pass the categories
    the reader may see (moderation.permissions.visible_categories). By date: the
    newest first. By relevance: the RESULT_CAP newest matches and the RESULT_CAP
    newest matching topic-opening posts ranked; every match when there are
    fewer."""
    db = connections[router.db_for_read(Post)]
    scope = [
        category
        for category in categories
        if not filters.category_id or category.pk == filters.category_id
    ]
    match = (
        _postgres_match(filters.q, scope)
        if db.vendor == "postgresql"
        else _plain_match(filters.q, scope, db)
    )
    if match is None:  # nothing to look for, or nowhere to look
        return 0, []
    where, where_params, rank, rank_params = match
    where, where_params = _filtered(where, where_params, filters, db)
    by_date = filters.order == "date"
    recent = _MATCHES.format(
        rank="" if by_date else f", {rank} AS rank", where=where, limit=RESULT_CAP + 1
    )
    params = where_params if by_date else [*rank_params, *where_params]
    if by_date:
        page = f"SELECT * FROM recent ORDER BY {_NEWEST} LIMIT %s OFFSET %s"
        page_params = [limit, offset]
    elif filters.topics_only:  # the newest matches all open their topic already
        candidates = f"SELECT * FROM recent ORDER BY {_NEWEST} LIMIT {RESULT_CAP}"
        page = _RANKED_PAGE.format(candidates=candidates, newest=_NEWEST)
        page_params = [limit, offset]
    else:
        openings = _MATCHES.format(
            rank=f", {rank} AS rank",
            where=f"{where} AND p.parent_id IS NULL",
            limit=RESULT_CAP,
        )
        candidates = _CANDIDATES.format(
            newest=_NEWEST, cap=RESULT_CAP, openings=openings
        )
        page = _RANKED_PAGE.format(candidates=candidates, newest=_NEWEST)
        page_params = [*rank_params, *where_params, limit, offset]
    sql = _SEARCH_SQL.format(
        recent=recent,
        page=page,
        order=("" if by_date else "page.rank DESC, ")
        + "page.created_at DESC, page.id DESC",
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *page_params])
        rows = cursor.fetchall()
    results = [
        Result(pk, parent, author, subject, body, _aware(created, db), *topic)
        for _, pk, parent, author, subject, body, created, *topic in rows
        if pk is not None
    ]
    return (rows[0][0] if rows else 0), results


def _postgres_match(q: str, scope: list[Category]):
    """(where, params, rank, params): the post's vector against the query in its
    category's language, ranked by ts_rank on the stored, weighted vector."""
    by_language: dict[str, list[int]] = {}
    for category in scope:
        if category.language in CONFIGS:
            by_language.setdefault(category.language, []).append(category.pk)
    if not by_language:
        return None
    matches, ranks, params, rank_params = [], [], [], []
    for language, ids in by_language.items():
        query = f"websearch_to_tsquery('{CONFIGS[language]}'::regconfig, %s)"
        inside = f"t.category_id IN ({', '.join(['%s'] * len(ids))})"
        matches.append(f"{inside} AND p.search_vector @@ {query}")
        params += [*ids, q]
        ranks.append((inside, ids, f"ts_rank(p.search_vector, {query})"))
    if len(ranks) == 1:  # one language (a category filter, or a one-language forum)
        return matches[0], params, ranks[0][2], [q]
    rank = "CASE"
    for inside, ids, ts_rank in ranks:
        rank += f" WHEN {inside} THEN {ts_rank}"
        rank_params += [*ids, q]
    where = "(" + " OR ".join(f"({m})" for m in matches) + ")"
    return where, params, rank + " ELSE 0 END", rank_params


def _plain_match(q: str, scope: list[Category], db):
    """(where, params, rank, params): every word or phrase, none of the -words,
    case and accents ignored; ranked by the first word in a title, then in a
    subject, then elsewhere."""
    include, exclude = _plain_terms(q)
    if not include or not scope:
        return None

    def like(term: str) -> str:
        return f"%{db.ops.prep_for_like_query(_fold(term))}%"

    def folded(column: str) -> str:
        return rf"{SQLITE_FOLD}({column}) LIKE %s ESCAPE '\'"

    body, subject = folded("p.body"), folded("p.subject")
    title = f"p.parent_id IS NULL AND {folded('t.title')}"
    where = [f"t.category_id IN ({', '.join(['%s'] * len(scope))})"]
    params: list = [category.pk for category in scope]
    for term in include:
        where.append(f"({body} OR {subject} OR ({title}))")
        params += [like(term)] * 3
    for term in exclude:
        where.append(f"NOT {body} AND NOT {subject}")
        params += [like(term)] * 2
    rank = f"CASE WHEN {title} THEN 3 WHEN {subject} THEN 2 ELSE 1 END"
    return " AND ".join(where), params, rank, [like(include[0])] * 2


def _filtered(where: str, params: list, filters: Filters, db) -> tuple[str, list]:
    """The match narrowed to published, visible posts and the filters."""
    # Literal, so that the partial index of visible posts newest first applies.
    published = Post.Status.PUBLISHED.value
    conditions = [f"p.status = '{published}'", "NOT p.is_hidden", where]
    params = list(params)
    if filters.author:
        conditions.append(
            f"p.author_id = (SELECT id FROM {User._meta.db_table} WHERE username = %s)"
        )
        params.append(filters.author)
    start = filters.date_from and _day_start(filters.date_from)
    if start:
        conditions.append("p.created_at >= %s")
        params.append(db.ops.adapt_datetimefield_value(start))
    end = filters.date_to and _day_start(filters.date_to, days_after=1)
    if end:
        conditions.append("p.created_at < %s")
        params.append(db.ops.adapt_datetimefield_value(end))
    if filters.topics_only:
        conditions.append("p.parent_id IS NULL")
    return " AND ".join(conditions), params


def _day_start(day: date, *, days_after: int = 0) -> datetime | None:
    """The first moment of a day (or of the day days_after it) in the reader's
    time zone; None past the ends of the calendar, where no post is."""
    try:
        moment = timezone.make_aware(
            datetime.combine(day + timedelta(days=days_after), time.min)
        )
        moment.astimezone(UTC)
    except OverflowError:
        return None
    return moment


def _aware(value, db) -> datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, db.timezone)
    return value


def annotate(results: list[Result], q: str) -> None:
    """Give each result its links, and its title and snippet highlighted."""
    mark = Highlighter(q)
    for result in results:
        result.url = id_url("forum:post", result.pk)
        result.topic_url = id_url("forum:topic", result.topic_id)
        result.snippet = mark(result.body)
        title = (
            result.topic_title
            if result.parent_id is None
            else result.subject or first_words(result.body)
        )
        result.title_html = mark(title, width=200)


# The SQL function, registered on each SQLite connection (forum.receivers), that
# compares texts as _fold does; PostgreSQL's configurations use unaccent instead.
SQLITE_FOLD = "search_fold"


def fold_or_none(text: str | None) -> str | None:
    return None if text is None else _fold(text)


def _fold(text: str) -> str:
    """Lower case without accents, same length as far as possible."""
    if text.isascii():  # the common case, and the same result, much faster
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


# The combining marks (accents) of the Basic Multilingual Plane, as one regular
# expression: SQLite calls _fold on every text a search reads, and removing
# them in C is about four times faster than testing each character in Python.
_MARKS = "".join(
    re.escape(chr(point))
    for point in range(0x300, 0x10000)
    if unicodedata.combining(chr(point))
)
_COMBINING = re.compile(f"[{_MARKS}]+")


_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=50_000)
def _fold_word(word: str) -> str:
    """_fold for the words of texts with accents: most of them recur."""
    return _fold(word)


class Highlighter:
    """Escaped snippets of texts around the first word matching a query, with
    the matched words (same stem, accents and case ignored) wrapped in <mark>."""

    def __init__(self, q: str):
        include, _ = _plain_terms(q)
        stems = {
            _fold(word)[: max(4, len(word) - 2)]
            for term in include
            for word in _WORD.findall(term)
        }
        self.prefixes = tuple(stems)
        # For plain ASCII text (most posts), one scan of the lowered text finds
        # the same words as folding each word would.
        ascii_stems = sorted(stem for stem in stems if stem.isascii())
        self.ascii_words = (
            re.compile(
                rf"(?<!\w)(?:{'|'.join(map(re.escape, ascii_stems))})\w*", re.ASCII
            )
            if ascii_stems
            else None
        )

    def __call__(self, text: str, *, width: int = 220) -> str:
        unquoted = _QUOTE_MARKS.sub("", text)
        plain = " ".join(_MARKUP.sub(" ", unquoted).split())
        hits = self._hits(plain)
        first = next(hits, None)
        start = max(0, first.start() - width // 3) if first else 0
        end = min(len(plain), start + width)
        out, cursor = [], start
        for m in chain([first], hits) if first else ():
            if m.start() < start:
                continue
            if m.end() > end:
                break
            out.append(escape(plain[cursor : m.start()]))
            out.append(f"<mark>{escape(plain[m.start() : m.end()])}</mark>")
            cursor = m.end()
        out.append(escape(plain[cursor:end]))
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(plain) else ""
        return prefix + "".join(out) + suffix

    def _hits(self, plain: str):
        """The matched words of the text, in order."""
        if not self.prefixes:
            return iter(())
        if plain.isascii():  # no accent to fold: lower case is enough
            if self.ascii_words is None:
                return iter(())
            return self.ascii_words.finditer(plain.lower())
        return (
            m
            for m in _WORD.finditer(plain)
            if _fold_word(m[0]).startswith(self.prefixes)
        )


_QUOTE_MARKS = re.compile(r"(?m)^\s*(?:>\s*)+")
_MARKUP = re.compile(r"[*_`#\[\]]+")


def highlight(text: str, q: str, *, width: int = 220) -> str:
    """An escaped snippet of text around the first matched word, with matched
    words (same stem, accents and case ignored) wrapped in <mark>."""
    return Highlighter(q)(text, width=width)
