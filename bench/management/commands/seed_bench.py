"""Fill the database with a large generated forum for benchmarks (`make bench`).

    manage.py seed_bench [--topics 1000] [--posts-per-topic 100] [--users 200]
                         [--long-topic-posts 0] [--big-category-topics 0]
                         [--seed 1] [--force]

--long-topic-posts adds one topic of that many posts (in "Dialogues", titled
LONG_TOPIC_TITLE); --big-category-topics adds a category (BIG_CATEGORY_SLUG) of
that many topics of two posts each: the page benchmark's deep pages.

Topics, posts and read marks are written in bulk (PostgreSQL COPY, or batched
INSERTs elsewhere) with their ids chosen here, so every denormalised field is
computed in Python and written once: positions 1..M per topic, thread paths and
depths placed exactly as forum.services places replies, topic and category
counters and last posts, author name snapshots. Post bodies come from a pool of
pre-rendered texts (English with some French sentences, and French ones for the
French category); a few rare words make selective searches possible. Search
vectors are then filled by forum.search.index_all() and the tables analysed.

The database must hold no posts, unless --force, which first deletes every
forum and moderation row (and the accounts a previous run created).
"""

import random
import time
import unicodedata
from bisect import bisect
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from accounts.models import User
from accounts.names import skeleton
from forum import search
from forum.markdown import render_markdown
from forum.models import Category, Post, Topic, TopicRead
from forum.services import thread_place

# The account bench/search.py signs in with (a plain participant).
BENCH_USERNAME = "bench"
BENCH_PASSWORD = "bench-search-pass-2718"
# The page benchmark (bench/pages.py) finds its long topic and big category by these.
LONG_TOPIC_TITLE = "The long conversation: a year of neighbourhood meetings"
BIG_CATEGORY_SLUG = "bench-archive"
BIG_CATEGORY_POSTS_PER_TOPIC = 2
# Every account this command creates has an address here; --force deletes them.
EMAIL_DOMAIN = "bench.example.org"

# Words that appear in exactly one body of the pool: about 1 post in 200 of the
# English categories contains each.
RARE_BODY_WORDS = ["palimpsest", "serendipity", "archipelago", "marzipan"]
# Words found only in a few topic titles (one English topic in 200 gets one).
RARE_TITLE_WORDS = ["lighthouse", "harmonica", "origami"]

POOL_SIZE = 200
FRENCH_POOL_SIZE = 40
BODY_LENGTH = 600

CATEGORIES = [
    # name, slug, language, visibility, share of the topics
    ("General discussion", "bench-general", "en", "public", 0.30),
    ("Dialogues", "bench-dialogues", "en", "public", 0.25),
    ("Community projects", "bench-projects", "en", "public", 0.20),
    ("Members' lounge", "bench-lounge", "en", "signed_in", 0.10),
    ("Discussions en français", "bench-francais", "fr", "public", 0.15),
]

# --- English text --------------------------------------------------------------

SUBJECTS = [
    "The facilitator", "Our group", "Every participant", "The community", "A neighbour",
    "The committee", "My colleague", "The youth council", "Each speaker",
    "The mediator", "Local residents", "The working group", "Newcomers",
    "The library volunteers", "Our circle", "The parents", "A shopkeeper",
    "The organisers",
]  # fmt: skip
VERBS = [
    "suggested", "questioned", "described", "welcomed", "challenged", "summarised",
    "proposed", "listened to", "returned to", "reflected on", "disagreed with",
    "built on", "clarified", "revisited", "documented", "explained",
]  # fmt: skip
OBJECTS = [
    "the idea of shared understanding", "a shared understanding of the problem",
    "the agenda for next week", "the meeting notes", "the question of trust",
    "our ground rules", "the budget for the garden project",
    "the housing survey results", "the role of listening", "a different point of view",
    "the timeline for the proposal", "the concerns raised by parents",
    "the feedback from the workshop", "the history of the neighbourhood",
    "the balance between speaking and listening", "the plan for the river clean-up",
    "the rules about parking on market days", "the schedule of the community kitchen",
    "the survey about public transport", "what respect means in practice",
]  # fmt: skip
TAILS = [
    "before we moved on", "with real patience", "after a long silence",
    "during the second session", "in a way that felt respectful",
    "without taking sides", "and asked for concrete examples",
    "so that everyone could follow", "while the room stayed calm",
    "at the end of the evening", "more than once", "with a few careful questions", "",
    "",
]  # fmt: skip
STANDALONE = [
    "Thanks for sharing this with the group.",
    "I agree with much of what was said, but not all of it.",
    "Could we come back to this at the next meeting?",
    "Honestly, I am not sure this works for everyone.",
    "What would it take for the newer members to feel heard?",
    "I wrote down three questions while listening.",
    "It helps to remember why we started these conversations.",
    "Maybe we can try a round where nobody replies straight away.",
    "The volunteers did a remarkable job with very little time.",
    "I changed my mind after hearing the story about the bus stop.",
    "Let us not forget the people who could not attend.",
    "This is a small point, but it matters to me.",
]  # fmt: skip
LIST_ITEMS = [
    "start on time", "one voice at a time", "no interrupting", "speak from experience",
    "keep the notes short", "share the minutes by Friday", "ask before quoting someone",
    "check in with quiet members", "bring snacks for the break",
    "leave ten minutes for feedback",
]  # fmt: skip
LINK_TEXTS = ["the shared notes", "last month's summary", "the survey", "the map"]
FILE_NAMES = ["agenda.pdf", "notes-v2.txt", "ground-rules.md", "budget.xlsx"]

# --- French text ---------------------------------------------------------------

FRENCH = [
    "Nous avons parlé de la confiance entre voisins pendant la réunion.",
    "La médiatrice a proposé une nouvelle règle pour nos échanges.",
    "Je pense que l'écoute est plus importante que la réponse.",
    "Les habitants du quartier ont partagé leurs inquiétudes sur le logement.",
    "Merci pour ce résumé très clair de la dernière séance.",
    "Pourrions-nous reprendre cette question la semaine prochaine ?",
    "Le comité a présenté le budget du jardin partagé.",
    "Chaque personne a pu s'exprimer sans être interrompue.",
    "Il faudrait inviter les jeunes à la prochaine rencontre.",
    "La bibliothèque accueille le groupe tous les jeudis soir.",
    "J'ai changé d'avis après avoir entendu les témoignages des parents.",
    "Le compte rendu sera envoyé à tous les participants vendredi.",
    "Nous cherchons encore une salle pour l'atelier du mois de mai.",
    "Les bénévoles ont fait un travail remarquable avec peu de moyens.",
    "Il reste des désaccords, mais le dialogue continue.",
    "Une voisine a rappelé l'histoire du marché couvert.",
    "La question du stationnement revient à chaque réunion.",
    "Je propose un tour de parole où personne ne répond tout de suite.",
    "Le café associatif offre le goûter pour la pause.",
    "Nous avons noté trois propositions concrètes pour la rentrée.",
    "La confiance se construit lentement, réunion après réunion.",
    "Les règles de respect mutuel sont affichées à l'entrée.",
    "Un élève a posé une question très juste sur l'école.",
    "Le projet de nettoyage de la rivière avance bien.",
]  # fmt: skip

# --- titles and subjects -------------------------------------------------------

ISSUES = [
    "the community garden", "parking on market days", "the housing survey",
    "noise after ten", "the library hours", "youth programmes", "the budget review",
    "shared meals", "the new bike lanes", "school transport", "the river clean-up",
    "the neighbourhood festival", "street lighting", "the recycling rota",
]  # fmt: skip
EVENTS = ["circle", "listening session", "workshop", "town meeting", "retreat"]
ORDINALS = ["first", "second", "third", "spring", "summer", "autumn", "winter"]
MONTHS = ["January", "March", "May", "June", "September", "October", "December"]
TITLES = [
    "Notes from the {ordinal} {event}", "How should we handle {issue}?",
    "Proposal: rethinking {issue}", "Ground rules for the next {event}",
    "Feedback on {issue}", "What we heard about {issue}",
    "Planning the {event} in {month}", "Questions about {issue}",
]  # fmt: skip
RARE_TITLES = ["Anyone interested in a {word} evening?", "The {word} question"]
SUBJECT_LINES = [
    "A thought on {issue}", "Agreeing with the last point", "Question about {issue}",
    "Small correction", "Following up on {issue}", "Another angle",
]  # fmt: skip
FRENCH_ISSUES = [
    "le jardin partagé", "le stationnement", "la bibliothèque",
    "les horaires du marché", "la fête du quartier", "le logement",
]  # fmt: skip
FRENCH_TITLES = [
    "Compte rendu de la réunion de {mois}", "Comment améliorer {sujet} ?",
    "Proposition : {sujet}", "Questions sur {sujet}",
]  # fmt: skip
FRENCH_MONTHS = ["janvier", "mars", "mai", "juin", "septembre", "décembre"]
FRENCH_SUBJECTS = ["Une remarque sur {sujet}", "Question sur {sujet}", "D'accord"]

FIRST_NAMES = [
    "Amara", "Bastien", "Chiara", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Idris",
    "Jonas", "Keiko", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa",
    "Samir", "Tove", "Uma", "Viktor", "Wanjiru", "Yusuf", "Zoé", "Inès", "Mei", "Tomás",
]  # fmt: skip
LAST_NAMES = [
    "Okafor", "Lindqvist", "Moreau", "Haddad", "Novak", "Ibrahim", "Costa", "Tanaka",
    "Mensah", "Varga", "Fischer", "Nguyen", "Silva", "Kowalski", "Dubois", "Rahman",
    "Ilunga", "Petrov", "Garcia", "Osei",
]  # fmt: skip


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii()).lower()


# --- the text pools --------------------------------------------------------------


def _english_sentence(rng: random.Random) -> str:
    if rng.random() < 0.25:
        return rng.choice(STANDALONE)
    tail = rng.choice(TAILS)
    words = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)]
    if tail:
        words.append(tail)
    return " ".join(words) + "."


def _english_body(rng: random.Random, *, rare: str | None) -> str:
    sentences = []
    if rare:
        sentences.append(f"Someone brought up the word {rare} and it stayed with us.")
    if rng.random() < 0.12:
        sentences.append(rng.choice(FRENCH))
    while sum(len(s) + 1 for s in sentences) < BODY_LENGTH - 120:
        sentences.append(_english_sentence(rng))
    rng.shuffle(sentences)
    if rng.random() < 0.25:
        i = rng.randrange(len(sentences))
        sentences[i] = "**" + sentences[i].rstrip(".") + "**."
    if rng.random() < 0.15:
        sentences[-1] += (
            f" See [{rng.choice(LINK_TEXTS)}](https://example.org/notes/"
            f"{rng.randrange(1000)})."
        )
    if rng.random() < 0.05:
        sentences[0] += f" The file is `{rng.choice(FILE_NAMES)}`."
    cut = max(1, len(sentences) // 2)
    paragraphs = [" ".join(sentences[:cut]), " ".join(sentences[cut:])]
    if rng.random() < 0.12:
        paragraphs[0] = "> " + paragraphs[0]
    if rng.random() < 0.18:
        items = rng.sample(LIST_ITEMS, 3)
        paragraphs.insert(1, "\n".join(f"- {item}" for item in items))
    return "\n\n".join(p for p in paragraphs if p)


def _french_body(rng: random.Random) -> str:
    sentences = []
    while sum(len(s) + 1 for s in sentences) < BODY_LENGTH - 60:
        sentences.append(rng.choice(FRENCH))
    cut = max(1, len(sentences) // 2)
    return " ".join(sentences[:cut]) + "\n\n" + " ".join(sentences[cut:])


def _pool(rng: random.Random) -> tuple[list, list]:
    """(body, body_html) pairs, English then French, rendered once each."""
    english = [
        _english_body(
            rng, rare=RARE_BODY_WORDS[i] if i < len(RARE_BODY_WORDS) else None
        )
        for i in range(POOL_SIZE)
    ]
    french = [_french_body(rng) for _ in range(FRENCH_POOL_SIZE)]
    return (
        [(body, render_markdown(body)) for body in english],
        [(body, render_markdown(body)) for body in french],
    )


def _title(rng: random.Random, index: int, language: str) -> str:
    if language == "fr":
        return rng.choice(FRENCH_TITLES).format(
            mois=rng.choice(FRENCH_MONTHS), sujet=rng.choice(FRENCH_ISSUES)
        )
    if index % 200 == 100:
        word = RARE_TITLE_WORDS[(index // 200) % len(RARE_TITLE_WORDS)]
        return rng.choice(RARE_TITLES).format(word=word)
    return rng.choice(TITLES).format(
        ordinal=rng.choice(ORDINALS),
        event=rng.choice(EVENTS),
        issue=rng.choice(ISSUES),
        month=rng.choice(MONTHS),
    )


def _subject(rng: random.Random, language: str) -> str:
    if language == "fr":
        return rng.choice(FRENCH_SUBJECTS).format(sujet=rng.choice(FRENCH_ISSUES))
    return rng.choice(SUBJECT_LINES).format(issue=rng.choice(ISSUES))


class _Placed:
    """What forum.services.thread_place reads of a parent post."""

    __slots__ = ("depth", "path")

    def __init__(self, path: str, depth: int):
        self.path = path
        self.depth = depth


# --- writing rows -----------------------------------------------------------------


def _insert_rows(model, attnames: list[str], rows, *, batch_size: int = 5000) -> int:
    """Insert tuples of the given fields; every other column gets its field's
    default. PostgreSQL: one COPY; elsewhere: batched INSERTs."""
    concrete = model._meta.concrete_fields
    by_name = {f.attname: f for f in concrete}
    given = [by_name[name] for name in attnames]
    # Other columns get their defaults; an id not given is left to the database.
    rest = [f for f in concrete if f.attname not in attnames and not f.primary_key]
    defaults = tuple(f.get_default() for f in rest)
    fields = given + rest
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + defaults)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        prepared = []
        for row in rows:
            values = row + defaults
            prepared.append(
                [
                    f.get_db_prep_save(v, connection)
                    for f, v in zip(fields, values, strict=True)
                ]
            )
            if len(prepared) >= batch_size:
                cursor.executemany(sql, prepared)
                count += len(prepared)
                prepared = []
        if prepared:
            cursor.executemany(sql, prepared)
            count += len(prepared)
    return count


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


# Tables emptied by --force: everything the forum and moderation apps store.
def _forum_models():
    from django.apps import apps

    return [
        m
        for label in ("forum", "moderation")
        for m in apps.get_app_config(label).get_models()
    ]


class Command(BaseCommand):
    help = (
        "Generate a large forum for benchmarks (default 1,000 topics x 100 posts, "
        "200 users) with bulk writes, then index it for search."
    )

    def add_arguments(self, parser):
        parser.add_argument("--topics", type=int, default=1000)
        parser.add_argument("--posts-per-topic", type=int, default=100)
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--long-topic-posts", type=int, default=0)
        parser.add_argument("--big-category-topics", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete every forum and moderation row first (and earlier bench "
            "accounts) instead of refusing to run on a database with posts.",
        )

    def handle(self, *args, **options):
        topics, per_topic, users = (
            options["topics"],
            options["posts_per_topic"],
            options["users"],
        )
        if topics < 1 or per_topic < 1 or users < 1:
            raise CommandError("--topics, --posts-per-topic and --users must be >= 1.")
        self.long_posts = options["long_topic_posts"]
        self.big_topics = options["big_category_topics"]
        if self.long_posts < 0 or self.big_topics < 0:
            raise CommandError("--long-topic-posts and --big-category-topics: >= 0.")
        self.rng = random.Random(options["seed"])
        self.started = time.perf_counter()
        self.stdout.write(
            f"seed_bench: {topics:,} topics x {per_topic:,} posts = "
            f"{topics * per_topic:,} posts, {users:,} users, seed {options['seed']}, "
            f"on {connection.vendor}"
            + (f"; one topic of {self.long_posts:,} posts" if self.long_posts else "")
            + (f"; a category of {self.big_topics:,} topics" if self.big_topics else "")
        )

        existing = Post.objects.count()
        if existing and not options["force"]:
            raise CommandError(
                f"The database already has {existing:,} posts; seed_bench only fills "
                "an empty forum. Use --force to delete all forum data first."
            )
        if options["force"]:
            self._step("delete forum data", self._delete)

        self._step("render text pool", self._render_pool)
        # One transaction: a failure leaves the database as it was. On PostgreSQL
        # the big tables' secondary indexes and foreign keys are set aside while
        # rows go in, then rebuilt and checked once (as pg_restore does).
        with transaction.atomic():
            self._step("users", lambda: self._create_users(users))
            self._step("categories", self._create_categories)
            self._step("plan topics and posts", lambda: self._plan(topics, per_topic))
            self._step("set aside indexes and keys", self._set_aside)
            self._step("insert topics", self._insert_topics)
            self._step("insert posts", self._insert_posts)
            self._step("insert read marks", self._insert_reads)
            self._step("category counters", self._update_categories)
            self._step("search vectors (index_all)", self._index)
            self._step("rebuild indexes and keys", self._restore)
            self._step("reset id sequences", self._reset_sequences)
            committing = time.perf_counter()
        self._report("commit", time.perf_counter() - committing)
        self._step("analyze", self._analyze)
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_bench: done in {time.perf_counter() - self.started:.1f} s "
                f"({Post.objects.count():,} posts)."
            )
        )

    def _step(self, name: str, func) -> None:
        start = time.perf_counter()
        detail = func()
        self._report(name, time.perf_counter() - start, detail)

    def _report(self, name: str, seconds: float, detail: str | None = None) -> None:
        self.stdout.write(f"  {name:<30} {seconds:8.2f} s  {detail or ''}".rstrip())

    # --- steps ---------------------------------------------------------------------

    def _delete(self) -> str:
        from allauth.account.models import EmailAddress

        models = _forum_models()
        qn = connection.ops.quote_name
        with transaction.atomic():
            if connection.vendor == "postgresql":
                tables = ", ".join(qn(m._meta.db_table) for m in models)
                with connection.cursor() as cursor:
                    cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY")
            else:
                with connection.cursor() as cursor:
                    for m in models:  # foreign keys are checked at commit
                        cursor.execute(f"DELETE FROM {qn(m._meta.db_table)}")
            ours = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
            accounts = ours.count()
            EmailAddress.objects.filter(user__in=ours).delete()
            ours.delete()
        return f"{len(models)} tables emptied, {accounts:,} bench accounts deleted"

    def _render_pool(self) -> str:
        self.english, self.french = _pool(self.rng)
        sizes = [len(b) for b, _ in self.english + self.french]
        return (
            f"{len(self.english)} English + {len(self.french)} French bodies, "
            f"{min(sizes)}-{max(sizes)} characters"
        )

    def _create_users(self, count: int) -> str:
        from allauth.account.models import EmailAddress

        stale = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
        EmailAddress.objects.filter(user__in=stale).delete()
        stale.delete()
        password = make_password(BENCH_PASSWORD)  # hashed once, shared
        joined = datetime.now(UTC) - timedelta(days=400)
        people = []
        for i in range(count):
            first = FIRST_NAMES[i % len(FIRST_NAMES)]
            last = LAST_NAMES[(i // len(FIRST_NAMES) + i) % len(LAST_NAMES)]
            username = f"{_ascii(first)}.{_ascii(last)}{i}"
            # bulk_create skips User.save(), which fills the skeletons.
            people.append(
                User(
                    username=username,
                    username_skeleton=skeleton(username),
                    email=f"{username}@{EMAIL_DOMAIN}",
                    password=password,
                    display_name=f"{first} {last}",
                    display_name_skeleton=skeleton(f"{first} {last}"),
                    date_joined=joined + timedelta(minutes=i),
                )
            )
        people.append(
            User(
                username=BENCH_USERNAME,
                username_skeleton=skeleton(BENCH_USERNAME),
                email=f"{BENCH_USERNAME}@{EMAIL_DOMAIN}",
                password=password,
                display_name="Bench Reader",
                display_name_skeleton=skeleton("Bench Reader"),
                date_joined=joined,
            )
        )
        people = User.objects.bulk_create(people, batch_size=1000)
        if any(u.pk is None for u in people):  # a backend without RETURNING
            ids = dict(
                User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").values_list(
                    "username", "pk"
                )
            )
            for u in people:
                u.pk = ids[u.username]
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user_id=u.pk, email=u.email, primary=True, verified=True)
                for u in people
            ],
            batch_size=1000,
        )
        self.authors = [(u.pk, u.name) for u in people[:-1]]
        # A few people write most posts.
        self.author_weights = list(
            accumulate(1 / (rank + 1) ** 0.8 for rank in range(count))
        )
        return f"{len(people):,} accounts (incl. '{BENCH_USERNAME}'), verified emails"

    def _create_categories(self) -> str:
        start = Category.objects.aggregate(m=Max("position"))["m"] or 0
        self.categories = Category.objects.bulk_create(
            [
                Category(
                    name=name,
                    slug=slug,
                    description=f"Generated for benchmarks ({language}).",
                    position=start + i + 1,
                    language=language,
                    visibility=visibility,
                )
                for i, (name, slug, language, visibility, _) in enumerate(CATEGORIES)
            ]
        )
        if any(c.pk is None for c in self.categories):
            slugs = [c.slug for c in self.categories]
            by_slug = {c.slug: c for c in Category.objects.filter(slug__in=slugs)}
            self.categories = [by_slug[slug] for slug in slugs]
        self.category_weights = list(accumulate(share for *_, share in CATEGORIES))
        self.big_category = None
        if self.big_topics:
            self.big_category = Category.objects.create(
                name="Archive of past dialogues",
                slug=BIG_CATEGORY_SLUG,
                description="Generated for benchmarks: a category of many topics.",
                position=start + len(CATEGORIES) + 1,
                language="en",
            )
        self.all_categories = [
            *self.categories,
            *([self.big_category] if self.big_category else []),
        ]
        return ", ".join(f"{c.name} ({c.language})" for c in self.all_categories)

    def _pick_author(self) -> tuple[int, str]:
        rng = self.rng
        total = self.author_weights[-1]
        return self.authors[bisect(self.author_weights, rng.random() * total)]

    def _plan(self, topic_count: int, per_topic: int) -> str:
        """Decide every topic and post, then give posts ids in time order."""
        rng = self.rng
        now = datetime.now(UTC).timestamp()
        year = 365 * 86400
        # (category or None for a weighted pick, posts, title or None)
        specs = [(None, per_topic, None)] * topic_count
        if self.long_posts:
            dialogues = next(c for c in self.categories if c.slug == "bench-dialogues")
            specs.append((dialogues, self.long_posts, LONG_TOPIC_TITLE))
        if self.big_topics:
            specs += [
                (self.big_category, BIG_CATEGORY_POSTS_PER_TOPIC, None)
            ] * self.big_topics
        starts = sorted(
            rng.uniform(now - year, now - 2 * 86400) for _ in range(len(specs))
        )
        rng.shuffle(specs)
        total = self.category_weights[-1]

        self.topic_rows = []  # per topic: dict of its fields
        self.topic_posts = []  # per topic: list of post plans, by position
        keys = []
        topic_id = _next_id(Topic)
        for t, (start, (chosen, per_topic, title)) in enumerate(
            zip(starts, specs, strict=True)
        ):
            category = (
                chosen
                or self.categories[bisect(self.category_weights, rng.random() * total)]
            )
            language = category.language
            # Activity lasts days to weeks; never beyond now.
            span = min(now - start - 60, rng.expovariate(1 / (20 * 86400)) + 3600)
            offsets = sorted(rng.uniform(0, span) for _ in range(per_topic - 1))
            times = [start, *(start + o for o in offsets)]
            pool = self.french if language == "fr" else self.english
            posts = []
            placed = []
            for position in range(1, per_topic + 1):
                if position == 1:
                    parent = None
                else:
                    roll = rng.random()
                    if roll < 0.6:
                        parent = 1  # under the opening post
                    elif roll < 0.8:
                        parent = position - 1  # a conversation going deeper
                    else:
                        parent = rng.randint(max(1, position - 12), position - 1)
                path, depth = thread_place(
                    parent=placed[parent - 1] if parent else None, position=position
                )
                placed.append(_Placed(path, depth))
                author_id, author_name = self._pick_author()
                posts.append(
                    [
                        None,  # id, given below in time order
                        parent,
                        path,
                        depth,
                        author_id,
                        author_name,
                        rng.randrange(len(pool)),
                        _subject(rng, language)
                        if position > 1 and rng.random() < 0.15
                        else "",
                        rng.random() < 0.002,  # hidden by a facilitator
                    ]
                )
                keys.append((times[position - 1], t, position))
            locked = rng.random() < 0.03
            self.topic_rows.append(
                {
                    "id": topic_id + t,
                    "category": category,
                    "title": title or _title(rng, t, language),
                    "author_id": posts[0][4],
                    "author_name": posts[0][5],
                    "created_at": times[0],
                    "last_post_at": times[-1],
                    "locked": locked,
                    "pool": pool,
                }
            )
            self.topic_posts.append(posts)
        keys.sort()
        self.post_order = keys
        post_id = _next_id(Post)
        for i, (_, t, position) in enumerate(keys):
            self.topic_posts[t][position - 1][0] = post_id + i
        # One pinned topic per category: its oldest.
        pinned = set()
        for row in self.topic_rows:
            if row["category"].pk not in pinned:
                pinned.add(row["category"].pk)
                row["pinned"] = True
        depths = [p[3] for posts in self.topic_posts for p in posts]
        return (
            f"{len(keys):,} posts planned, depth 0-{max(depths)} "
            f"(mean {sum(depths) / len(depths):.2f})"
        )

    def _insert_topics(self) -> str:
        now = datetime.now(UTC)

        def rows():
            for row, posts in zip(self.topic_rows, self.topic_posts, strict=True):
                last = datetime.fromtimestamp(row["last_post_at"], UTC)
                locked = row["locked"]
                yield (
                    row["id"],
                    row["category"].pk,
                    row["title"],
                    row["author_id"],
                    row["author_name"],
                    datetime.fromtimestamp(row["created_at"], UTC),
                    locked,
                    row.get("pinned", False),
                    "Forum Team" if locked else "",
                    min(last + timedelta(days=1), now) if locked else None,
                    len(posts),
                    posts[0][0],
                    posts[-1][0],
                    last,
                    posts[-1][5],
                    last,
                )

        count = _insert_rows(
            Topic,
            [
                "id",
                "category_id",
                "title",
                "author_id",
                "author_name",
                "created_at",
                "is_locked",
                "is_pinned",
                "locked_by_name",
                "locked_at",
                "post_count",
                "first_post_id",
                "last_post_id",
                "last_post_at",
                "last_post_author_name",
                "last_post_created_at",
            ],
            rows(),
        )
        return f"{count:,} topics"

    def _insert_posts(self) -> str:
        published = Post.Status.PUBLISHED
        now = datetime.now(UTC)

        def rows():
            topic_rows, topic_posts = self.topic_rows, self.topic_posts
            for ts, t, position in self.post_order:
                plan = topic_posts[t]
                (
                    post_id,
                    parent,
                    path,
                    depth,
                    author_id,
                    author_name,
                    body,
                    subject,
                    hidden,
                ) = plan[position - 1]
                text, html = topic_rows[t]["pool"][body]
                created = datetime.fromtimestamp(ts, UTC)
                yield (
                    post_id,
                    topic_rows[t]["id"],
                    author_id,
                    author_name,
                    plan[parent - 1][0] if parent else None,
                    position,
                    path,
                    depth,
                    subject,
                    text,
                    html,
                    created,
                    published,
                    hidden,
                    "Off topic" if hidden else "",
                    "Forum Team" if hidden else "",
                    min(created + timedelta(hours=2), now) if hidden else None,
                )

        start = time.perf_counter()
        count = _insert_rows(
            Post,
            [
                "id",
                "topic_id",
                "author_id",
                "author_name",
                "parent_id",
                "position",
                "path",
                "depth",
                "subject",
                "body",
                "body_html",
                "created_at",
                "status",
                "is_hidden",
                "hidden_reason",
                "hidden_by_name",
                "hidden_at",
            ],
            rows(),
        )
        rate = count / max(time.perf_counter() - start, 1e-9)
        return f"{count:,} posts ({rate:,.0f}/s)"

    def _insert_reads(self) -> str:
        """Everyone who posted in a topic has read it up to their last post."""

        def rows():
            for row, posts in zip(self.topic_rows, self.topic_posts, strict=True):
                marks = {}
                for position, plan in enumerate(posts, start=1):
                    marks[plan[4]] = position
                for user_id, mark in marks.items():
                    yield (user_id, row["id"], mark)

        count = _insert_rows(TopicRead, ["user_id", "topic_id", "read_up_to"], rows())
        return f"{count:,} read marks"

    def _update_categories(self) -> str:
        stats = {}
        for row, posts in zip(self.topic_rows, self.topic_posts, strict=True):
            s = stats.setdefault(row["category"].pk, [0, 0, None])
            s[0] += 1
            s[1] += len(posts)
            last = (row["last_post_at"], posts[-1][0])
            if s[2] is None or last > s[2]:
                s[2] = last
        for category in self.all_categories:
            topics, posts, last = stats.get(category.pk, [0, 0, None])
            Category.objects.filter(pk=category.pk).update(
                topic_count=topics,
                post_count=posts,
                last_post_id=last[1] if last else None,
                last_post_at=datetime.fromtimestamp(last[0], UTC) if last else None,
            )
        return f"{len(self.all_categories)} categories"

    def _reset_sequences(self) -> str:
        statements = connection.ops.sequence_reset_sql(
            no_style(), [Category, Topic, Post, TopicRead]
        )
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        return f"{len(statements)} statements"

    def _index(self) -> str:
        if connection.vendor != "postgresql":
            return "skipped (not PostgreSQL: search matches text directly)"
        search.index_all()
        return "one UPDATE"

    def _set_aside(self) -> str:
        """PostgreSQL: drop the secondary indexes and foreign keys of the tables
        filled in bulk (inside the load's transaction), remembering them."""
        self.aside = []
        if connection.vendor != "postgresql":
            return "nothing to do (not PostgreSQL)"
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in (Post, TopicRead):
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.aside.append(
                        f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} "
                        f"{definition}"
                    )
                    cursor.execute(
                        f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}"
                    )
                # Indexes that no constraint (primary key, unique) relies on.
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE i.indrelid = %s::regclass AND NOT EXISTS ("
                    "SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                    "ORDER BY c.relname",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.aside.insert(0, definition)
                    cursor.execute(f"DROP INDEX {qn(name)}")
        return f"{len(self.aside)} set aside"

    def _restore(self) -> str:
        if not self.aside:
            return ""
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for statement in self.aside:
                cursor.execute(statement)
        return f"{len(self.aside)} indexes and foreign keys"

    def _analyze(self) -> str:
        tables = [m._meta.db_table for m in (Category, Topic, Post, TopicRead, User)]
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Outside a transaction: also clears the dead rows index_all left.
                cursor.execute(f"VACUUM ANALYZE {', '.join(qn(t) for t in tables)}")
                return "VACUUM ANALYZE"
            cursor.execute("ANALYZE")
        return "ANALYZE"
