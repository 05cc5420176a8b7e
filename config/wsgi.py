"""The WSGI application gunicorn serves (make serve, bench/pages.py).

Objects that live as long as the worker (modules, classes, URL patterns, compiled
templates, translation catalogs, settings) are moved out of the garbage
collector's sight with gc.freeze(): collecting them is wasted work, and a full
collection walking them took 25-100 ms in the middle of whichever request
triggered it, the slowest page of a benchmark run. Once at start, when the
application and every view are loaded; then, since templates and catalogs load
on first use, after the 10th, 100th, 1,000th and 10,000th request, each time
after a collection (so no garbage is frozen) and once the response has been sent.

Signed-out pages the page cache serves are given again before Django, as they
were sent, while they stay right (forum/pagelane.py).
"""

import gc
import os

from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

FREEZE_AFTER = frozenset({10, 100, 1_000, 10_000})
_served = 0


def _freeze_what_lasts(**kwargs) -> None:
    global _served
    _served += 1
    if _served in FREEZE_AFTER:
        gc.collect()
        gc.freeze()


django_application = get_wsgi_application()
get_resolver().check()  # imports the URLconf and every view it names

from forum.pagelane import PageLane  # noqa: E402 (needs the apps loaded)

application = PageLane(django_application)
gc.freeze()
request_finished.connect(_freeze_what_lasts, dispatch_uid="config.wsgi.freeze")
