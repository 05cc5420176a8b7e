"""The WSGI application gunicorn serves (make serve, bench/pages.py).

Once the application and every view module are loaded, the objects made so far
(modules, classes, URL patterns, settings: the bulk of what a worker ever holds)
are moved out of the garbage collector's sight with gc.freeze(). They live as
long as the process, so collecting them is wasted work; before this, a full
collection walking them took up to 100 ms in the middle of some request, the
slowest page of a benchmark run.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

application = get_wsgi_application()
get_resolver().check()  # imports the URLconf and every view it names
gc.freeze()
