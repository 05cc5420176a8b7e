"""The ceiling for bench/pages.py: a bare Django view returning a fixed page of
BENCH_CEILING_BYTES bytes, no middleware, no database, served by the same
gunicorn setup as the forum."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

PAGE = b"x" * int(os.environ.get("BENCH_CEILING_BYTES", "55000"))


def page(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


settings.configure(
    DEBUG=False,
    SECRET_KEY="ceiling",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
urlpatterns = [path("", page)]
application = get_wsgi_application()
