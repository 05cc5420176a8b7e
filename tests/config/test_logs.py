"""The request id: taken from the proxy's X-Request-ID when sound, else made; on
the response and on every log record of the request."""

import json
import logging
import re

import pytest

from config import health
from config.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(caplog):
    caplog.handler.addFilter(RequestIdFilter())
    yield caplog
    caplog.handler.filters.clear()


def failing_cache():
    raise ConnectionError("cache down")


def test_the_proxys_request_id_is_kept_and_logged(client, records, monkeypatch):
    monkeypatch.setattr(health, "CHECKS", {"cache": failing_cache})
    response = client.get("/healthz", headers={"X-Request-ID": "7f3a-b2c9"})
    assert response["X-Request-ID"] == "7f3a-b2c9"
    [record] = [r for r in records.records if r.name == "config.health"]
    assert record.request_id == "7f3a-b2c9"


@pytest.mark.parametrize(
    "given", ["", "a b", "<script>", "x" * 65, "id\nInjected: line", "é-1"]
)
def test_an_unsound_request_id_is_replaced(client, records, monkeypatch, given):
    """An id that is empty, too long or not letters, digits and dashes is never
    echoed or logged: a fresh one is made."""
    monkeypatch.setattr(health, "CHECKS", {"cache": failing_cache})
    response = client.get("/healthz", headers={"X-Request-ID": given})
    made = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    [record] = [r for r in records.records if r.name == "config.health"]
    assert record.request_id == made


def test_ids_differ_between_requests_and_stop_with_them(client, records):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert first != second
    logging.getLogger("config.health").warning("after the request")
    assert records.records[-1].request_id == ""


def test_json_lines_carry_the_status_of_request_logs():
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Server Error: %s",
        ("/t/1/",),
        None,
    )
    record.status_code = 500
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "Server Error: /t/1/"
    assert entry["status"] == 500 and entry["level"] == "ERROR"
