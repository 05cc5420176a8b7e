"""Links to pages named by an id, for the templates ({% id_url %}) and for
search results."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

# A number no real id reaches, standing for the id while a URL is reversed once.
_STAND_IN = 987654321987


@lru_cache(maxsize=512)
def id_url_parts(viewname: str, prefix: str, urlconf) -> tuple[str, str] | None:
    url = reverse(viewname, args=[_STAND_IN], urlconf=urlconf)
    if url.count(str(_STAND_IN)) != 1:
        return None
    before, after = url.split(str(_STAND_IN))
    return before, after


@lru_cache(maxsize=256)
def _fixed_url(viewname: str, prefix: str, urlconf) -> str:
    return reverse(viewname, urlconf=urlconf)


def id_url(viewname: str, pk=None) -> str:
    """{% url viewname %} or {% url viewname pk %} for a URL without arguments or
    whose one argument is an integer id, reversed once per view name: a page names
    a dozen such URLs around its posts and a dozen more per post."""
    if pk is None:
        return _fixed_url(viewname, get_script_prefix(), get_urlconf())
    if isinstance(pk, bool) or not isinstance(pk, int):
        return reverse(viewname, args=[pk])
    parts = id_url_parts(viewname, get_script_prefix(), get_urlconf())
    if parts is None:
        return reverse(viewname, args=[pk])
    return f"{parts[0]}{pk}{parts[1]}"


@receiver(setting_changed)
def _forget_lookups(**kwargs) -> None:
    """Settings change only in tests (override_settings): the URLconf."""
    for lookup in (_fixed_url, id_url_parts):
        lookup.cache_clear()
