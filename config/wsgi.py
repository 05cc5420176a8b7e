"""The WSGI application gunicorn serves (make serve, bench/pages.py)."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

application = get_wsgi_application()

# Refuse to start rather than answer every request with a 500: Django reads the
# key only when a request first needs it (a session, a CSRF token).
if not settings.SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set: the forum will not start without it."
    )
