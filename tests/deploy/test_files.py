"""The shipped deployment files are valid for the programs that read them:
nginx -t on the site as Debian's nginx would load it, systemd-analyze verify on
the units, with their placeholders filled by paths of this machine. Each check is
skipped when its program is missing, except in CI (CI=true), where it fails."""

import re
import subprocess

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.urls import reverse

from tests.reliability.servers import ROOT, require

pytestmark = pytest.mark.no_database


DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
TIMERS = sorted(SYSTEMD.glob("*.timer"))


def filled(text: str, replacements: dict[str, str]) -> str:
    """text with each placeholder replaced, every one of them found."""
    for placeholder, value in replacements.items():
        assert placeholder in text, placeholder
        text = text.replace(placeholder, value)
    return text


def test_the_nginx_site_passes_nginx_t(tmp_path):
    """The site and its shared server block load in nginx, TLS certificate
    included."""
    require("nginx", "openssl")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"),
            *("-subj", "/CN=forum.example.org", "-days", "1"),
            *("-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")),
        ],
        check=True,
        capture_output=True,
    )
    (tmp_path / "logs").mkdir()
    site = filled(
        (DEPLOY / "nginx" / "forum.conf").read_text(),
        {
            "/etc/letsencrypt/live/forum.example.org/fullchain.pem": str(
                tmp_path / "cert.pem"
            ),
            "/etc/letsencrypt/live/forum.example.org/privkey.pem": str(
                tmp_path / "key.pem"
            ),
            "/var/cache/nginx/forum": str(tmp_path / "cache"),
            "/var/log/nginx/": f"{tmp_path}/logs/",
            "/srv/forum/static/": f"{tmp_path}/static/",
            "/srv/forum/app/": f"{ROOT}/",
            "snippets/forum-locations.conf": str(
                DEPLOY / "nginx" / "forum-locations.conf"
            ),
        },
    )
    (tmp_path / "site.conf").write_text(site)
    # Debian's nginx.conf, reduced to what the site relies on.
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        "events {}\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        f"    include {tmp_path}/site.conf;\n"
        "}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(main)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """Every unit, and each timer's command as its service instance, passes
    systemd-analyze verify with nothing to say about it."""
    require("systemd-analyze")
    for unit in SYSTEMD.iterdir():
        (tmp_path / unit.name).write_text(
            unit.read_text().replace("/srv/forum/app", str(ROOT))
        )
    instances = [
        re.search(r"^Unit=(\S+)$", timer.read_text(), re.M).group(1) for timer in TIMERS
    ]
    units = ["forum.service", "forum-worker.service", *(t.name for t in TIMERS)]
    result = subprocess.run(
        [
            *("systemd-analyze", "verify", "--man=no"),
            *(f"{tmp_path}/{name}" for name in [*units, *instances]),
        ],
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "forum" not in output, output


def test_the_timers_run_the_scheduled_commands():
    """Digests every 15 minutes, closing every minute, sessions and unattached
    uploads daily, each a management command that exists."""
    schedule = {
        re.search(r"^Unit=forum-manage@(\w+)\.service$", text, re.M).group(1): (
            re.search(r"^OnCalendar=(\S+)$", text, re.M).group(1)
        )
        for text in (timer.read_text() for timer in TIMERS)
    }
    assert schedule == {
        "send_digests": "*:0/15",
        "close_dialogues": "minutely",
        "clearsessions": "daily",
        "delete_unattached_uploads": "daily",
    }
    assert set(schedule) <= set(get_commands())


def test_the_environment_template_names_every_variable_the_readme_lists():
    """Nothing the README's configuration table names is missing from
    deploy/forum.env.example."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    variables = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    example = (DEPLOY / "forum.env.example").read_text()
    assert variables
    assert {
        name for name in variables if not re.search(rf"^{name}=", example, re.M)
    } == set()


def test_nginx_lets_a_whole_file_through_only_where_a_form_carries_one():
    """The forms that may carry a file (and only they) take a body of a file at
    the app's limit with a whole post's text; the 413 page names that limit."""
    locations = (DEPLOY / "nginx" / "forum-locations.conf").read_text()
    default = re.search(r"^client_max_body_size (\d+)k;$", locations, re.M)
    assert int(default.group(1)) * 1024 == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    uploads = re.search(
        r"^location ~ (\S+) \{\n    client_max_body_size (\d+)m;$", locations, re.M
    )
    pattern, megabytes = re.compile(uploads.group(1)), int(uploads.group(2))
    mb = 1024 * 1024
    assert (megabytes - settings.ATTACHMENTS_MAX_FILE_MB) * mb > (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )
    with_files = [
        reverse("forum:upload"),
        reverse("forum:reply", args=[12]),
        reverse("forum:new_topic", args=["open-dialogues_2"]),
        reverse("forum:edit_post", args=[34]),
    ]
    assert all(pattern.fullmatch(url) for url in with_files)
    others = ["/", "/t/12/", "/drafts/", "/a/5/", "/accounts/login/", "/c/x/new/y/"]
    assert not any(pattern.fullmatch(url) for url in others)
    page = (DEPLOY / "nginx" / "errors" / "413.html").read_text()
    assert f"at most {settings.ATTACHMENTS_MAX_FILE_MB} MB" in page
    assert f"au plus {settings.ATTACHMENTS_MAX_FILE_MB}\N{NO-BREAK SPACE}Mo" in page
