"""Page throughput and latency, end to end: the forum served as in production.

    .venv/bin/python bench/pages.py        (make bench runs it after seed_bench)

Starts gunicorn (BENCH_WORKERS sync workers, default 2; production settings,
DEBUG off) on a free local port and drives it with wrk (1 thread, 8 connections,
BENCH_SECONDS each, default 10): the index, a category page (first and a deep
page of the big category), the demo's 22-post dialogue, the first, middle and
last page of the long topic, and a search; signed out (pages kept by their ETag),
signed in (the same reader again and again: rendered each time, from cached
fragments), and "fresh" (each request its own URL, ?fresh=N, so no kept page
answers: the cost after any change on the site). Then a repeat visit with the
page's ETag (304), the signed-out topic again while a reply is posted every
second in another category, and, with every cached page and fragment outdated
(a new site version), each page of a sample of distinct deep pages fetched once
(cold latencies); last, replies posted one after another by several accounts
(posting latency). Each figure is printed next to its target. SQL statements
per request are counted in this process (Django's test client on the same
database and settings, a warm second request); bytes per page are those the
server sent.

The signed-out 22-post topic is also read through nginx in front of the same
gunicorn, configured as deployed (deploy/nginx: its one-second cache of signed-out
pages, revalidated with the app); then signed in through it (never answered from
its cache, marked private, the reader's own page; and its requests/s); last, how
soon a change to the topic (an edit of its last post: the dialogue is locked)
shows there signed out, from its commit, three times (the page kept by nginx each
time). Skipped, and said so, without nginx.

In the same run a bare Django view returning as many bytes as the 22-post topic
page is served by the same gunicorn setup (bench/ceiling.py): the ceiling, and
our ratio to it. Last, the demo dialogue's page weight: compressed HTML, CSS and
JavaScript on a first visit and on a repeat visit (static files cached).

Environment: DATABASE_URL (the seeded database, PostgreSQL), REDIS_URL (optional:
the shared cache; without it the database cache), BENCH_SECONDS, BENCH_WORKERS,
BENCH_CONNECTIONS (default 8), BENCH_POSTS (replies posted, default 60).
"""

import gzip
import http.client
import math
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ["DJANGO_LOCAL_HTTP"] = "1"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
)
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.management.commands import seed_bench  # noqa: E402
from forum import services, versions  # noqa: E402
from forum.models import Category, Post, Topic  # noqa: E402

HOST = "127.0.0.1"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
POSTS = int(os.environ.get("BENCH_POSTS", "60"))
COLD_SAMPLES = 30
DEMO_TITLE = "How do neighbourhood mediators and local councils build trust?"


@dataclass
class Row:
    name: str
    path: str
    signed_in: bool
    # Each request with its own query string (?fresh=N): never a page kept by
    # its ETag, as after any change on the site.
    fresh: bool = False
    rps: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    queries: int = 0
    size: int = 0
    errors: int = 0
    notes: list[str] = field(default_factory=list)


# --- servers ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, port: int, log: Path, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", app, "--workers", str(WORKERS)),
            *("--worker-class", "sync", "--bind", f"{HOST}:{port}"),
            *("--log-level", "warning", "--timeout", "120"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            status, _, _ = fetch(port, "/robots.txt" if "wsgi" in app else "/")
            if status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"{app} did not start:\n{log.read_text()[-3000:]}")


def start_nginx(upstream: int, workdir: Path) -> tuple[subprocess.Popen, int]:
    """nginx as deployed (deploy/nginx/local.py, plain HTTP) in front of the
    app on port upstream; the process and its port."""
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, str(ROOT / "deploy/nginx/local.py")),
            *(str(workdir / "nginx"), "--port", str(port)),
            *("--upstream", f"{HOST}:{upstream}"),
            *("--static-root", str(settings.STATIC_ROOT)),
        ]
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and server.poll() is None:
        try:
            fetch(port, "/robots.txt")
            return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    log = workdir / "nginx" / "error.log"
    raise SystemExit(f"nginx did not start:\n{log.read_text()[-3000:]}")


def through_nginx(
    upstream: int, workdir: Path, topic: Topic, reader: User, direct_in: float
) -> list[tuple[str, str, str, bool]]:
    """The target rows of nginx in front of the app (as deployed): requests/s of
    the signed-out topic, how soon a change to it shows signed out, and whether
    a signed-in page goes past the cache; "not measured" rows without nginx.
    Edits `topic` three times: it comes after the topic's other figures."""
    rows = [
        ("22-post topic, out, via nginx", ">= 5,000 req/s"),
        ("change seen signed out via nginx", "<= 2 s, worst of 3"),
        ("signed-in via nginx passes through", "yes"),
    ]
    if not shutil.which("nginx"):
        why = "not measured: nginx not found (apt-get install nginx)"
        return [(label, why, target, False) for label, target in rows]
    server, port = start_nginx(upstream, workdir)
    path = topic.get_absolute_url()
    try:
        status, _, _ = fetch(port, path)
        if status != 200:
            raise SystemExit(f"GET {path} through nginx answered {status}")
        rps, _, _, errors = wrk(port, path)
        if errors:
            raise SystemExit(f"GET {path} through nginx: {errors} non-2xx answers")
        passes, headers = passes_through(port, path, reader)
        in_rps, _, _, _ = wrk(port, path, session_cookie(reader))
        seen = [change_seen_after(port, topic) for _ in range(3)]
    finally:
        stop(server)
    figures = [
        (f"{rps:,.0f} req/s", rps >= 5000),
        (
            f"{max(seen):.2f} s ({', '.join(f'{s:.2f}' for s in seen)})"
            if max(seen) < math.inf
            else "not seen within 10 s",
            max(seen) <= 2,
        ),
        (
            f"{'yes' if passes else 'no'}: {headers}; {in_rps:,.0f} req/s "
            f"(direct {direct_in:,.0f})",
            passes,
        ),
    ]
    return [
        (label, figure, target, ok)
        for (label, target), (figure, ok) in zip(rows, figures, strict=True)
    ]


def change_seen_after(port: int, topic: Topic) -> float:
    """Seconds from a change's commit to the first signed-out answer through nginx
    that shows it, polled every 50 ms: how long nginx's kept copy hides a change
    from signed-out readers (infinite if not within 10 s). The page is kept (a
    HIT) when the change is made. The demo dialogue is locked, so the change is
    an edit of its last post, as its facilitators and the admin pages may."""
    path = topic.get_absolute_url()
    for _ in range(20):
        _, headers, _ = fetch(port, path)
        if headers.get("X-Cache-Status") == "HIT":
            break
        time.sleep(0.05)
    else:
        raise SystemExit(f"GET {path} through nginx: never answered from its cache")
    post = Post.objects.select_related("author").get(pk=topic.last_post_id)
    mark = f"Seen through nginx {secrets.token_hex(6)}."
    committed = []
    with transaction.atomic():
        # Registered before the service's own hooks, so it runs first, as soon
        # as the edit is committed.
        transaction.on_commit(lambda: committed.append(time.perf_counter()))
        services.edit_post(
            post=post, editor=post.author, body=f"{post.body}\n\n{mark}", force=True
        )
    while time.perf_counter() - committed[0] < 10:
        _, _, page = fetch(port, path)
        if mark.encode() in page:
            return time.perf_counter() - committed[0]
        time.sleep(0.05)
    return math.inf


def passes_through(port: int, path: str, reader: User) -> tuple[bool, str]:
    """Whether a signed-in page goes past nginx's cache untouched: neither of two
    requests in a row answered from it, the page marked private, and the page
    the reader's own (their name in it, not a copy kept for someone else); and
    the headers seen."""
    cookie = session_cookie(reader)
    seen, private, own = [], True, True
    for _ in range(2):
        status, headers, page = fetch(port, path, cookie=cookie)
        seen.append(headers.get("X-Cache-Status", "no X-Cache-Status"))
        control = headers.get("Cache-Control", "")
        private = private and "private" in control
        own = own and status == 200 and reader.name.encode() in page
    passes = "HIT" not in seen and private and own
    named = "" if own else "; not the reader's own page"
    return passes, f"{', '.join(seen)}; {control}{named}"


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def fetch(port, path, *, cookie="", method="GET", body=None, gzip_ok=False):
    """(status, headers, body bytes) of one request."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Host": f"{HOST}:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    if gzip_ok:
        headers["Accept-Encoding"] = "gzip"
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = f"http://{HOST}:{port}"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.headers, data


# --- measuring --------------------------------------------------------------------

WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


FRESH_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "%sfresh=" .. counter)
end
"""


def fresh_path(path: str, n: int | str) -> str:
    return f"{path}{'&' if '?' in path else '?'}fresh={n}"


def wrk(
    port: int, path: str, cookie: str = "", *, fresh: bool = False, headers=()
) -> tuple[float, float, float, int]:
    """requests/s, p50 ms, p99 ms and non-2xx answers, from wrk; with `fresh`,
    each request asks for its own query string."""
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    for header in headers:
        command += ["-H", header]
    if fresh:
        script = Path(tempfile.mkdtemp(prefix="bench-wrk-")) / "fresh.lua"
        script.write_text(FRESH_SCRIPT % ("&" if "?" in path else "?"))
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, f"http://{HOST}:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    latency = {p: float(v) * UNIT[u] for p, v, u in WRK_LATENCY.findall(out)}
    errors = WRK_ERRORS.search(out)
    return (
        float(WRK_RPS.search(out).group(1)),
        latency["50"],
        latency["99"],
        int(errors.group(1)) if errors else 0,
    )


def count_queries(path: str, user: User | None, *, fresh: bool = False) -> int:
    """SQL statements of a warm request, counted in this process; with `fresh`,
    of a page not served again (its own query string)."""
    client = Client(HTTP_HOST=HOST)
    if user is not None:
        client.force_login(user)
    client.get(fresh_path(path, "warm") if fresh else path)
    if fresh:
        path = fresh_path(path, "counted")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code} in process")
    return len(captured)


def percentile(samples: list[float], pct: int) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1]


def session_cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


# --- the pages --------------------------------------------------------------------


def pages() -> list[tuple[str, str]]:
    demo = Topic.objects.filter(title=DEMO_TITLE).first()
    if demo is None:
        raise SystemExit("the demo dialogue is missing: run manage.py seed_demo")
    long_topic = Topic.objects.get(title=seed_bench.LONG_TOPIC_TITLE)
    per_page = settings.FORUM_POSTS_PER_PAGE
    last = (long_topic.post_count + per_page - 1) // per_page
    big = Category.objects.get(slug=seed_bench.BIG_CATEGORY_SLUG)
    deep = (big.topic_count + settings.FORUM_TOPICS_PER_PAGE - 1) // (
        settings.FORUM_TOPICS_PER_PAGE
    )
    return [
        ("index", "/"),
        ("category, page 1", big.get_absolute_url()),
        (f"category, page {deep - 1:,}", f"{big.get_absolute_url()}?page={deep - 1}"),
        (f"topic, {demo.post_count} posts", demo.get_absolute_url()),
        ("long topic, first page", long_topic.get_absolute_url()),
        (
            f"long topic, page {last // 2}",
            f"{long_topic.get_absolute_url()}?page={last // 2}",
        ),
        (f"long topic, page {last}", f"{long_topic.get_absolute_url()}?page={last}"),
    ]


def who(row: Row) -> str:
    if not row.signed_in:
        return "out, fresh" if row.fresh else "signed out"
    return "in, fresh" if row.fresh else "signed in"


SIGNED_IN_ONLY = [
    # Anonymous searching is rate limited (20 a minute): signed in only.
    ("search", "/search/?" + urlencode({"q": "garden"})),
]


def cold_paths() -> dict[str, list[str]]:
    """Distinct deep pages, each to be fetched once with the caches empty."""
    long_topic = Topic.objects.get(title=seed_bench.LONG_TOPIC_TITLE)
    big = Category.objects.get(slug=seed_bench.BIG_CATEGORY_SLUG)
    topic_pages = (long_topic.post_count - 1) // settings.FORUM_POSTS_PER_PAGE + 1
    category_pages = (big.topic_count - 1) // settings.FORUM_TOPICS_PER_PAGE + 1
    step_t = max(1, topic_pages // COLD_SAMPLES)
    step_c = max(1, category_pages // COLD_SAMPLES)
    return {
        "long topic": [
            f"{long_topic.get_absolute_url()}?page={n}"
            for n in range(1, topic_pages + 1, step_t)
        ],
        "big category": [
            f"{big.get_absolute_url()}?page={n}"
            for n in range(1, category_pages + 1, step_c)
        ],
    }


def settle(port: int) -> None:
    """Wait until the server has worked off what wrk left queued (requests still
    in its listen queue when wrk stopped, up to seconds of searches), so that a
    latency measured next is that of its own request: three quick answers in a
    row from a static file, or 15 s."""
    deadline = time.monotonic() + 15
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        start = time.perf_counter()
        fetch(port, "/robots.txt")
        quick = quick + 1 if time.perf_counter() - start < 0.005 else 0


def measure_cold(port: int, cookie: str) -> list[str]:
    lines = []
    for name, paths in cold_paths().items():
        for who, jar in (("signed out", ""), ("signed in", cookie)):
            # A new site version outdates every kept page and fragment at once.
            versions.bump_site()
            samples = []
            for path in paths:
                start = time.perf_counter()
                status, _, _ = fetch(port, path, cookie=jar)
                samples.append((time.perf_counter() - start) * 1000)
                if status != 200:
                    raise SystemExit(f"GET {path} answered {status}")
            lines.append(
                f"  {name:<14} {who:<11} {len(samples):>3} distinct pages: "
                f"p50 {percentile(samples, 50):6.1f} ms, "
                f"p99 {percentile(samples, 99):6.1f} ms, "
                f"max {max(samples):6.1f} ms"
            )
    return lines


def measure_revalidation(port: int, path: str) -> tuple[int, int, float]:
    """The status and size of a repeat visit sending the page's ETag, and the
    rate of such visits."""
    _, headers, _ = fetch(port, path)
    etag = headers.get("ETag", "")
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("GET", path, headers={"Host": f"{HOST}:{port}", "If-None-Match": etag})
    response = conn.getresponse()
    size = len(response.read())
    conn.close()
    rps, _, _, _ = wrk(port, path, headers=[f"If-None-Match: {etag}"])
    return response.status, size, rps


def measure_under_writes(port: int, path: str, topic: Topic) -> tuple[float, int]:
    """Requests/s of a signed-out page while a reply is posted every second to
    `topic` (in another category), and how many were posted."""
    authors = list(
        User.objects.filter(email__endswith=seed_bench.EMAIL_DOMAIN).order_by("pk")[:20]
    )
    done = threading.Event()
    posted = []

    def write():
        try:
            while not done.wait(1.0):
                n = len(posted)
                posted.append(
                    services.post_reply(
                        topic=topic,
                        author=authors[n % len(authors)],
                        body=f"Reply {n} during the read benchmark.",
                    )
                )
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        rps, _, _, _ = wrk(port, path)
    finally:
        done.set()
        writer.join()
    return rps, len(posted)


HIDDEN = re.compile(rb'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def measure_posting(port: int, topic: Topic) -> str:
    """Replies posted one after another by several accounts (each stays under
    the posting limit); latency of the POST alone."""
    authors = list(
        User.objects.filter(email__endswith=seed_bench.EMAIL_DOMAIN).order_by("pk")[
            : max(1, POSTS // 4)
        ]
    )
    samples = []
    for n in range(POSTS):
        cookie = session_cookie(authors[n % len(authors)])
        status, headers, page = fetch(port, topic.get_absolute_url(), cookie=cookie)
        form = page.split(b'class="reply-box"', 1)[-1]
        fields = {k.decode(): v.decode() for k, v in HIDDEN.findall(form)}
        csrf = SimpleCookie(headers.get("Set-Cookie", ""))
        if "csrftoken" in csrf:
            cookie += f"; csrftoken={csrf['csrftoken'].value}"
        body = urlencode(
            {**fields, "body": f"Bench reply number {n}, {secrets.token_hex(4)}."}
        )
        start = time.perf_counter()
        status, _, _ = fetch(
            port, f"/t/{topic.pk}/reply/", cookie=cookie, method="POST", body=body
        )
        samples.append((time.perf_counter() - start) * 1000)
        if status != 302:
            raise SystemExit(f"posting a reply answered {status}")
    return (
        f"  posting a reply: {len(samples)} replies by {len(authors)} accounts, "
        f"p50 {percentile(samples, 50):.1f} ms, p99 {percentile(samples, 99):.1f} ms"
    )


def page_weight(port: int, path: str) -> str:
    """Compressed bytes of a first and a repeat visit (HTML gzip-compressed as a
    proxy would; static files as whitenoise serves them)."""
    _, _, html = fetch(port, path)
    html_bytes = len(gzip.compress(html, 6))
    static = sorted(
        set(re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html))
    )
    static_bytes = 0
    for url in static:
        _, headers, data = fetch(port, url.decode(), gzip_ok=True)
        static_bytes += len(data)
        cache = headers.get("Cache-Control", "")
        if "immutable" not in cache and "max-age=315360000" not in cache:
            raise SystemExit(f"{url.decode()}: no far-future Cache-Control ({cache})")
    first = html_bytes + static_bytes
    return (
        f"  demo dialogue page weight: first visit {first / 1024:.1f} KB "
        f"(HTML {html_bytes / 1024:.1f} KB + {len(static)} static files "
        f"{static_bytes / 1024:.1f} KB, compressed); repeat visit "
        f"{html_bytes / 1024:.1f} KB (static files cached: immutable, 10 years)"
    )


def main() -> int:
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found (apt-get install wrk)")
    if connection.vendor != "postgresql":
        raise SystemExit("the page benchmark runs on PostgreSQL (DATABASE_URL)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    reader = User.objects.get(username=seed_bench.BENCH_USERNAME)
    cookie = session_cookie(reader)
    rows = [
        Row(name, path, signed_in)
        for name, path in pages()
        for signed_in in (False, True)
    ]
    # The signed-in rows again, and the signed-out topic, with each request its
    # own URL: a page rendered anew, the cost after any change.
    rows += [Row(row.name, row.path, True, fresh=True) for row in rows if row.signed_in]
    rows += [
        Row(row.name, row.path, False, fresh=True)
        for row in rows
        if row.name.startswith("topic,") and not row.signed_in
    ]
    rows += [Row(name, path, True) for name, path in SIGNED_IN_ONLY]
    shared = caches["default"].__class__.__name__
    print(
        f"== Pages: gunicorn {WORKERS} sync workers, production settings "
        f"(DEBUG={settings.DEBUG}), shared cache {shared}; wrk 1 thread, "
        f"{CONNECTIONS} connections, {SECONDS} s per row; {os.cpu_count()} CPUs =="
    )
    port = free_port()
    server = start_gunicorn("config.wsgi:application", port, workdir / "app.log", env)
    try:
        for row in rows:
            jar = cookie if row.signed_in else ""
            status, _, body = fetch(port, row.path, cookie=jar)
            if status != 200:
                raise SystemExit(f"GET {row.path} answered {status}")
            row.size = len(body)
            row.rps, row.p50, row.p99, row.errors = wrk(
                port, row.path, jar, fresh=row.fresh
            )
            row.queries = count_queries(
                row.path, reader if row.signed_in else None, fresh=row.fresh
            )
        demo = Topic.objects.get(title=DEMO_TITLE)
        settle(port)
        revalidated = measure_revalidation(port, demo.get_absolute_url())
        elsewhere = (
            Topic.objects.filter(category__slug="bench-general", is_locked=False)
            .exclude(category=demo.category)
            .order_by("-pk")
            .first()
        )
        settle(port)
        under_writes = measure_under_writes(port, demo.get_absolute_url(), elsewhere)
        settle(port)
        cold = measure_cold(port, cookie)
        weight = page_weight(port, demo.get_absolute_url())
        # Last of the demo topic's figures: it edits the topic.
        settle(port)
        signed_in_topic = next(
            r
            for r in rows
            if r.name.startswith("topic,") and r.signed_in and not r.fresh
        )
        nginx = through_nginx(port, workdir, demo, reader, signed_in_topic.rps)
        posting_topic = (
            Topic.objects.filter(category__slug="bench-general", is_locked=False)
            .order_by("pk")
            .first()
        )
        settle(port)
        posting = measure_posting(port, posting_topic)
    finally:
        stop(server)

    topic_row = next(r for r in rows if r.name.startswith("topic,") and not r.signed_in)
    ceiling_port = free_port()
    ceiling_env = {**env, "BENCH_CEILING_BYTES": str(topic_row.size)}
    ceiling = start_gunicorn(
        "bench.ceiling:application", ceiling_port, workdir / "ceiling.log", ceiling_env
    )
    try:
        ceiling_rps, ceiling_p50, ceiling_p99, _ = wrk(ceiling_port, "/")
    finally:
        stop(ceiling)

    print(
        f"{'page':<28} {'who':<11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'SQL':>4} {'bytes':>8}"
    )
    for row in rows:
        flag = f"  ({row.errors} non-2xx)" if row.errors else ""
        print(
            f"{row.name:<28} {who(row):<11} "
            f"{row.rps:8,.0f} {row.p50:8.1f} {row.p99:8.1f} {row.queries:4d} "
            f"{row.size:8,d}{flag}"
        )
    print(
        f"{'ceiling: bare Django view':<28} {'':<11} {ceiling_rps:8,.0f} "
        f"{ceiling_p50:8.1f} {ceiling_p99:8.1f} {0:4d} {topic_row.size:8,d}"
    )
    fresh_in = next(
        r for r in rows if r.name.startswith("topic,") and r.fresh and r.signed_in
    )
    fresh_out = next(
        r for r in rows if r.name.startswith("topic,") and r.fresh and not r.signed_in
    )
    status_304, size_304, rps_304 = revalidated
    writes_rps, replies = under_writes

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print("\n== Targets ==")
    for label, figure, target, ok in [
        (
            "22-post topic, signed out",
            f"{topic_row.rps:,.0f} req/s",
            ">= 1,000 req/s",
            topic_row.rps >= 1000,
        ),
        *nginx,
        (
            "repeat visit with its ETag",
            f"{status_304}, {size_304} bytes, {rps_304:,.0f} req/s",
            "304",
            status_304 == 304,
        ),
        (
            "never served, signed out",
            f"{fresh_out.rps:,.0f} req/s",
            ">= 290 req/s",
            fresh_out.rps >= 290,
        ),
        (
            "never served, signed in",
            f"{fresh_in.rps:,.0f} req/s",
            ">= 160 req/s",
            fresh_in.rps >= 160,
        ),
        (
            "same page again, signed in",
            f"{signed_in_topic.rps:,.0f} req/s",
            ">= 160 req/s",
            signed_in_topic.rps >= 160,
        ),
        (
            "signed out, 1 reply/s elsewhere",
            f"{writes_rps:,.0f} req/s = {100 * writes_rps / topic_row.rps:.0f} % "
            f"({replies} replies)",
            ">= 50 % of read-only",
            writes_rps >= topic_row.rps / 2,
        ),
    ]:
        print(f"  {label:<34} {figure:<34} target {target:<22} {verdict(ok)}")
    print("\n== Cold pages (kept pages and fragments outdated first; p99 < 50 ms) ==")
    print("\n".join(cold))
    print("\n== Posting (target p99 < 100 ms) ==")
    print(posting)
    print("\n== Page weight (targets: < 60 KB first visit, < 25 KB repeat) ==")
    print(weight)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
