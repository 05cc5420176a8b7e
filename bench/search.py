"""Search latency, end to end: the search page served by gunicorn over HTTP.

    .venv/bin/python bench/search.py        (make bench runs it after seed_bench)

Starts gunicorn (2 sync workers, production settings) on a free local port, signs
in as the account seed_bench made (anonymous searches are rate limited), then for
each query of the list below sends sequential requests and then requests from
concurrent threads, and prints a table of latencies. Beside the HTTP numbers it
runs forum.queries.search_page in this process to count its SQL statements (one:
the count and the page together) and time it, and prints EXPLAIN ANALYZE of that
statement for a common word (by relevance and by date), a quoted phrase and a
rare word.

Environment: DATABASE_URL (the seeded database), DJANGO_SECRET_KEY (one is made
up when unset), BENCH_SEQUENTIAL (requests per query, default 50),
BENCH_CONCURRENT (default 200), BENCH_THREADS (default 8), BENCH_PHASE_SECONDS
(time budget of each series, default 20: fewer requests are sent when it runs
out), BENCH_TARGET_MS (default 100), BENCH_STRICT=1 (exit 1 when the target is
missed).
"""

import http.client
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
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.management.commands import seed_bench  # noqa: E402
from forum import queries  # noqa: E402
from forum.models import Category, Post  # noqa: E402
from forum.search import Filters  # noqa: E402

SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", "50"))
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", "200"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
TARGET_MS = float(os.environ.get("BENCH_TARGET_MS", "100"))
# Each phase stops early (after at least MIN_SAMPLES requests) past this budget,
# so a slow machine still finishes in minutes.
PHASE_SECONDS = float(os.environ.get("BENCH_PHASE_SECONDS", "20"))
MIN_SAMPLES = 20
# The indexes search uses (forum migrations 0004 and 0007).
SEARCH_INDEXES = ("post_search_idx", "post_opening_search_idx", "post_visible_date_idx")
WORKERS = 2
HOST = "127.0.0.1"


def category_id(slug: str) -> int | None:
    return Category.objects.filter(slug=slug).values_list("pk", flat=True).first()


def query_list() -> list[tuple[str, dict]]:
    """(label, search form parameters), from common to very selective."""
    french = category_id("bench-francais")
    general = category_id("bench-general")
    rare = seed_bench.RARE_BODY_WORDS[0]
    rarest = seed_bench.RARE_TITLE_WORDS[0]
    return [
        ("common word", {"q": "community"}),
        ("common word, newest first", {"q": "community", "order": "date"}),
        ("two words", {"q": "garden budget"}),
        ('"quoted phrase"', {"q": '"shared understanding"'}),
        ("word -exclusion", {"q": "meeting -agenda"}),
        ("either word (or)", {"q": "mediator or volunteers"}),
        ("common word, category", {"q": "listening", "category": general}),
        ("French word, fr category", {"q": "réunion", "category": french}),
        ("topics only", {"q": "proposal", "topics_only": "on"}),
        (f"rare word ({rare})", {"q": rare}),
        (f"title-only word ({rarest})", {"q": rarest}),
    ]


# --- HTTP -----------------------------------------------------------------------


class Client:
    """Plain http.client requests as a browser behind a TLS proxy would send them."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.origin = f"https://{HOST}:{port}"

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        all_headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "forum-bench",
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(
                f"{k}={v}" for k, v in self.cookies.items()
            )
        all_headers.update(headers or {})
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - start
        finally:
            conn.close()
        return response, data.decode("utf-8", "replace"), elapsed

    def keep_cookies(self, response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value

    def sign_in(self, username: str, password: str) -> None:
        response, page, _ = self.request("GET", "/accounts/login/")
        if response.status != 200:
            raise SystemExit(f"GET /accounts/login/ answered {response.status}")
        self.keep_cookies(response)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not token or "csrftoken" not in self.cookies:
            raise SystemExit("the login page has no CSRF token")
        form = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "login": username,
                "password": password,
            }
        )
        response, page, _ = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": f"{self.origin}/accounts/login/",
            },
        )
        self.keep_cookies(response)
        if response.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(
                f"signing in as {username!r} failed (status {response.status}); "
                "was the database seeded with seed_bench?"
            )
        response, page, _ = self.request("GET", "/")
        if f'href="/u/{username}/"' not in page:
            raise SystemExit("signed in, but the pages do not show the account")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("DJANGO_DEBUG", None)
    log = open(log_path, "w")  # noqa: SIM115 (kept open for the server's life)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--bind",
            f"{HOST}:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = Client(port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            response, _, _ = client.request("GET", "/robots.txt")
            if response.status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    print(log_path.read_text()[-3000:], file=sys.stderr)
    raise SystemExit("gunicorn did not start")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- measuring ------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in ms."""
    if len(samples) == 1:
        return (samples[0] * 1000,) * 3
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


RESULT_COUNT = re.compile(r"<h2>([\d,]+\+?) results? for")


def search_once(client: Client, params: dict) -> tuple[float, str]:
    path = "/search/?" + urlencode({k: v for k, v in params.items() if v is not None})
    response, page, elapsed = client.request("GET", path)
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")
    found = RESULT_COUNT.search(page)
    if not found:
        raise SystemExit(f"GET {path}: no result count on the page")
    return elapsed, found.group(1)


def baseline(client, count: int = 30) -> tuple[float, float, float]:
    """The search page without a query (the form only): the fixed cost of a
    signed-in request, for comparison."""
    samples = []
    for _ in range(count):
        response, _, elapsed = client.request("GET", "/search/")
        if response.status != 200:
            raise SystemExit(f"GET /search/ answered {response.status}")
        samples.append(elapsed)
    return percentiles(samples)


def run_sequential(client, params, count):
    """Up to count requests one after another, within the time budget."""
    samples, results = [], ""
    deadline = time.perf_counter() + PHASE_SECONDS
    while len(samples) < count and (
        len(samples) < MIN_SAMPLES or time.perf_counter() < deadline
    ):
        elapsed, results = search_once(client, params)
        samples.append(elapsed)
    return samples, results


def run_concurrent(client, params, count, threads):
    """Up to count requests from threads at once, within the time budget; the
    latencies and the requests per second."""
    lock = threading.Lock()
    samples: list[float] = []
    start = time.perf_counter()
    deadline = start + PHASE_SECONDS

    def worker():
        while True:
            with lock:
                if len(samples) >= count or (
                    len(samples) >= MIN_SAMPLES and time.perf_counter() > deadline
                ):
                    return
                samples.append(0.0)
                slot = len(samples) - 1
            samples[slot] = search_once(client, params)[0]

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()
    return samples, len(samples) / (time.perf_counter() - start)


def filters_for(params: dict) -> Filters:
    """The Filters the search view builds from these parameters."""
    return Filters(
        q=params["q"].strip(),
        category_id=params.get("category"),
        topics_only=bool(params.get("topics_only")),
        order=params.get("order") or "relevance",
    )


def in_process(viewer, params: dict, runs: int = 3):
    """search_page in this process, given the viewer's categories as the view
    gives them: (SQL statements, median ms, the statements)."""
    filters = filters_for(params)
    categories = queries.search_categories(viewer)
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            queries.search_page(
                filters=filters, viewer=viewer, page=None, categories=categories
            )
            times.append(time.perf_counter() - start)
    return len(captured), statistics.median(times) * 1000, captured.captured_queries


def view_statements(viewer, params: dict) -> int:
    """SQL statements of a whole signed-in search request (middleware, session,
    the view and its template), run in this process with the test client."""
    from django.test import Client as TestClient

    client = TestClient()
    client.force_login(viewer)
    query = {k: v for k, v in params.items() if v is not None}
    client.get("/search/", query, secure=True, HTTP_HOST=HOST)  # warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/search/", query, secure=True, HTTP_HOST=HOST)
    if response.status_code != 200:
        raise SystemExit(f"in-process search answered {response.status_code}")
    return len(captured)


def explain(label: str, statements) -> None:
    """EXPLAIN ANALYZE each SQL statement search_page ran."""
    for statement in statements:
        sql = statement["sql"]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        total = next((line for line in plan if line.startswith("Execution Time")), "")
        used = [name for name in SEARCH_INDEXES if any(name in line for line in plan)]
        jit = any(line.startswith("JIT:") for line in plan)
        print(
            f"\n-- {label}: search query, {total.lower()}; indexes used: "
            f"{', '.join(used) or 'NONE'}{'; JIT compiled' if jit else ''}"
        )
        # Where the time goes: the buffers read in all, each scan with its
        # timing, and the planning time.
        shown = [
            next((line.strip() for line in plan if "Buffers:" in line), ""),
            *(line for line in plan if "Scan" in line and "CTE Scan" not in line),
            *(line for line in plan if line.startswith("Planning Time")),
        ]
        for line in shown[:24]:
            print("   " + line[:150])
        if len(shown) > 24:
            print(f"   ... ({len(shown) - 24} more lines)")


# --- report ---------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.1f} GB RAM"
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    lines = [f"machine: {cpus or os.cpu_count()} CPUs (nproc), {cpu}{memory}"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
            settings_shown = []
            for name in ("shared_buffers", "work_mem", "jit"):
                cursor.execute(f"SHOW {name}")
                settings_shown.append(f"{name}={cursor.fetchone()[0]}")
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('forum_post')), "
                "pg_size_pretty(pg_relation_size('post_search_idx'))"
            )
            table, index = cursor.fetchone()
        lines.append(f"database: {version} ({', '.join(settings_shown)})")
        lines.append(f"forum_post: {table} with indexes; post_search_idx {index}")
    else:
        lines.append(f"database: {connection.vendor} (no full-text index)")
    lines.append(
        f"server: gunicorn, {WORKERS} sync workers, settings "
        f"{os.environ['DJANGO_SETTINGS_MODULE']} (DEBUG={settings.DEBUG}); "
        f"client: {THREADS} threads on the same machine"
    )
    return lines


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)
    posts = Post.objects.count()
    if not posts:
        raise SystemExit("no posts: run manage.py seed_bench first")
    viewer = User.objects.filter(username=seed_bench.BENCH_USERNAME).first()
    if viewer is None:
        raise SystemExit(f"no {seed_bench.BENCH_USERNAME!r} account: run seed_bench")
    print("== Search benchmark ==")
    for line in machine():
        print(line)
    print(f"posts: {posts:,}; load average before: {os.getloadavg()[0]:.2f}")

    workdir = Path(tempfile.mkdtemp(prefix="forum-bench-"))
    port = free_port()
    server = start_gunicorn(port, workdir / "gunicorn.log")
    rows = []
    try:
        client = Client(port)
        client.sign_in(seed_bench.BENCH_USERNAME, seed_bench.BENCH_PASSWORD)
        searches = query_list()
        # Warm-up: both workers, every query (connections, caches, templates).
        with ThreadPoolExecutor(WORKERS * 2) as pool:
            list(pool.map(lambda s: search_once(client, s[1]), searches * 4))
        fixed = baseline(client)
        for label, params in searches:
            sequential, results = run_sequential(client, params, SEQUENTIAL)
            concurrent, throughput = run_concurrent(client, params, CONCURRENT, THREADS)
            sql_count, sql_ms, _ = in_process(viewer, params)
            request_sql = view_statements(viewer, params)
            rows.append(
                {
                    "label": label,
                    "results": results,
                    "seq": percentiles(sequential),
                    "seq_rps": len(sequential) / sum(sequential),
                    "conc": percentiles(concurrent),
                    "conc_rps": throughput,
                    "sql": sql_count,
                    "sql_ms": sql_ms,
                    "request_sql": request_sql,
                    "n": (len(sequential), len(concurrent)),
                }
            )
            print(
                f"  measured: {label} ({len(sequential)} + {len(concurrent)} requests)",
                file=sys.stderr,
            )
    except BaseException:
        stop(server)
        print(
            "gunicorn log (end):\n" + (workdir / "gunicorn.log").read_text()[-3000:],
            file=sys.stderr,
        )
        raise
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\nHTTP GET /search/ as a signed-in reader: {SEQUENTIAL} sequential requests, "
        f"then {CONCURRENT} from {THREADS} threads (ms; req/s).\n"
        "search_page: the page's query function run in-process "
        "(SQL statements, median ms);\nreq SQL: statements of a whole signed-in "
        "request (session, user, form, search).\n"
    )
    header = (
        f"{'query':<30} {'results':>8} | {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'req/s':>6} | {'p50':>6} {'p95':>6} {'p99':>6} {'req/s':>6} | "
        f"{'SQL':>3} {'ms':>6} | {'SQL':>3}"
    )
    print(f"{'':<30} {'':>8} | {'sequential':^27} | {f'{THREADS} threads':^27} |"
          f" {'search_page':^10} | req")  # fmt: skip
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['label'][:30]:<30} {row['results']:>8} | "
            + " ".join(f"{v:6.1f}" for v in row["seq"])
            + f" {row['seq_rps']:6.1f} | "
            + " ".join(f"{v:6.1f}" for v in row["conc"])
            + f" {row['conc_rps']:6.1f} | {row['sql']:>3} {row['sql_ms']:6.1f} | "
            f"{row['request_sql']:>3}"
        )
    print(
        f"{'(no query: the form only)':<30} {'':>8} | "
        + " ".join(f"{v:6.1f}" for v in fixed)
    )
    cut = [r for r in rows if r["n"] != (SEQUENTIAL, CONCURRENT)]
    for row in cut:
        print(
            f"  ({row['label']}: time budget of {PHASE_SECONDS:.0f} s per series "
            f"reached after {row['n'][0]} sequential and {row['n'][1]} concurrent "
            "requests)"
        )
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")

    if connection.vendor == "postgresql":
        common = searches[0]
        phrase = next(s for s in searches if s[0].startswith('"'))
        rare = next(s for s in searches if s[0].startswith("rare word"))
        for label, params in (common, searches[1], phrase, rare):
            _, _, statements = in_process(viewer, params, runs=1)
            explain(label, statements)

    worst = max(rows, key=lambda row: row["seq"][1])
    p95 = worst["seq"][1]
    verdict = "PASS" if p95 < TARGET_MS else "FAIL"
    print(f"\nworst: {worst['label']} (sequential p95)")
    print(
        f"search p95 over {posts:,} posts: {p95:.0f} ms "
        f"(target < {TARGET_MS:.0f} ms): {verdict}"
    )
    return 1 if verdict == "FAIL" and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
