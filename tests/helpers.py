"""What many test modules ask of a response or a client: its HTML, its text as a
reader sees it, the SQL it took, a client signed in as someone."""

import html as html_lib
import io
import json
import re
import zipfile

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forum.models import Category


def html(response) -> str:
    return response.content.decode()


def data_archive(response) -> zipfile.ZipFile:
    """The zip a "Download your data" response holds."""
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def downloaded_data(response) -> dict:
    """The data.json of a "Download your data" response."""
    return json.loads(data_archive(response).read("data.json"))


def text(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces
    collapsed."""
    plain = re.sub(r"<[^>]+>", " ", html(response))
    return " ".join(html_lib.unescape(plain).split())


def count_queries(client, url: str, *, reads_at_most: int | None = None) -> int:
    """The number of SQL statements one successful GET of url runs; with
    reads_at_most, also assert how many of them are SELECTs."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    if reads_at_most is not None:
        reads = [q for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
        assert len(reads) <= reads_at_most, [q["sql"][:80] for q in reads]
    return len(ctx.captured_queries)


def signed_in(user, **kwargs) -> Client:
    """A new client (built with kwargs) signed in as user."""
    client = Client(**kwargs)
    client.force_login(user)
    return client


def sign_in(client, user):
    """client, signed in as user; left signed out when user is None."""
    if user is not None:
        client.force_login(user)
    return client


def fresh(obj):
    """The row of obj as stored now, as a new instance."""
    return type(obj).objects.get(pk=obj.pk)


def configure(category: Category, **fields) -> Category:
    """Settings admins make in the Django admin, as a row update; returns the
    category as stored now."""
    Category.objects.filter(pk=category.pk).update(**fields)
    return fresh(category)
