"""Full-text search over titles, subjects and post text.

On PostgreSQL each post stores a weighted tsvector (title A, subject B, text C) in
its category's language with accents ignored, kept current by index_posts; queries
use web-search syntax ("phrases", -exclusions, or) and are ranked. On SQLite, the
embedded default, a plain case-insensitive match of every word (quoted phrases kept
together, -words excluded) with a simpler ranking: title, then subject, then text.
Either way at most RESULT_CAP matches are counted and ranked, so that a common word
costs about as much as a rare one.
"""

import re
import shlex
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape

from .models import Post

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

_NEWEST = ("-created_at", "-pk")

# Relevance: the candidates (the newest matches and the newest matching topics,
# each part bounded, ranked as they are read), then one page of their ids.
_RANKED_IDS = """
SELECT c.pk FROM (SELECT * FROM ({recent}) AS recent
                  UNION SELECT * FROM ({openings}) AS openings) AS c
ORDER BY c.rank DESC, c.created_at DESC, c.pk DESC LIMIT {limit} OFFSET {offset}
"""


def search_posts(*, filters: Filters, visible: Q):
    """The posts a reader may see that match, unordered: published, not hidden,
    in categories matching `visible` (see forum.permissions.visible_categories)."""
    matches = Post.objects.filter(
        visible, status=Post.Status.PUBLISHED, is_hidden=False
    )
    if filters.category_id:
        matches = matches.filter(topic__category_id=filters.category_id)
    if filters.author:
        matches = matches.filter(author__username=filters.author)
    if filters.date_from:
        matches = matches.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        matches = matches.filter(created_at__date__lte=filters.date_to)
    if filters.topics_only:
        matches = matches.filter(parent__isnull=True)
    return matches.filter(_match(filters.q)[0])


def results_page(matches, *, filters: Filters, start: int, stop: int):
    """Results start to stop of the matches in the order asked for, with their
    topic and category. By date: newest first. By relevance: the RESULT_CAP newest
    matches and the RESULT_CAP newest matching topic-opening posts (where titles
    are) ranked; every match when there are fewer."""
    if stop <= start:  # nothing matched: no query at all
        return Post.objects.none()
    newest = matches.order_by(*_NEWEST)
    if filters.order == "date":
        return newest.select_related("topic", "topic__category")[start:stop]
    rank = _match(filters.q)[1]
    ranked = newest.annotate(rank=rank).values("pk", "created_at", "rank")
    recent, recent_params = ranked[:RESULT_CAP].query.sql_with_params()
    openings, openings_params = ranked.filter(parent__isnull=True)[
        :RESULT_CAP
    ].query.sql_with_params()
    ids = RawSQL(
        _RANKED_IDS.format(
            recent=recent, openings=openings, limit=int(stop - start), offset=int(start)
        ),
        (*recent_params, *openings_params),
    )
    return (
        Post.objects.filter(pk__in=ids)
        .select_related("topic", "topic__category")
        .annotate(rank=rank)
        .order_by("-rank", *_NEWEST)
    )


def _match(q: str):
    """(match, rank) for the database in use."""
    return _postgres_match(q) if postgres() else _plain_match(q)


def _postgres_match(q: str):
    """The match (the post's vector against the query in its category's
    language) and the rank (ts_rank on the stored, weighted vector)."""
    match = Q()
    rank = []
    for language, config in CONFIGS.items():
        query = SearchQuery(q, config=config, search_type="websearch")
        match |= Q(topic__category__language=language, search_vector=query)
        rank.append(
            When(
                topic__category__language=language,
                then=SearchRank(F("search_vector"), query),
            )
        )
    return match, Case(*rank, default=Value(0.0), output_field=FloatField())


def _plain_match(q: str):
    """The match (every word or phrase, none of the -words, case ignored) and
    the rank: the first word in a title, then in a subject, then elsewhere."""
    include, exclude = _plain_terms(q)
    if not include:
        return Q(pk__in=[]), Value(0, output_field=IntegerField())
    match = Q()
    for term in include:
        match &= (
            Q(body__icontains=term)
            | Q(subject__icontains=term)
            | Q(parent__isnull=True, topic__title__icontains=term)
        )
    for term in exclude:
        match &= ~Q(body__icontains=term) & ~Q(subject__icontains=term)
    first = include[0]
    rank = Case(
        When(parent__isnull=True, topic__title__icontains=first, then=Value(3)),
        When(subject__icontains=first, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return match, rank


def _fold(text: str) -> str:
    """Lower case without accents, same length as far as possible."""
    if text.isascii():  # the common case, and the same result, much faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_WORD = re.compile(r"\w+", re.UNICODE)


def highlight(text: str, q: str, *, width: int = 220) -> str:
    """An escaped snippet of text around the first matched word, with matched
    words (same stem, accents and case ignored) wrapped in <mark>."""
    include, _ = _plain_terms(q)
    stems = {
        _fold(word)[: max(4, len(word) - 2)]
        for term in include
        for word in _WORD.findall(term)
    }
    unquoted = re.sub(r"(?m)^\s*(?:>\s*)+", "", text)
    plain = " ".join(re.sub(r"[*_`#\[\]]+", " ", unquoted).split())
    words = list(_WORD.finditer(plain))
    prefixes = tuple(stems)
    hits = [m for m in words if _fold(m.group()).startswith(prefixes)]
    start = max(0, hits[0].start() - width // 3) if hits else 0
    end = min(len(plain), start + width)
    out, cursor = [], start
    for m in hits:
        if m.start() < start or m.end() > end:
            continue
        out.append(escape(plain[cursor : m.start()]))
        out.append(f"<mark>{escape(m.group())}</mark>")
        cursor = m.end()
    out.append(escape(plain[cursor:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(plain) else ""
    return prefix + "".join(out) + suffix
