from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@register.filter
def cut_final_stop(value: str) -> str:
    """A reason without its final full stop, for a sentence that adds its own."""
    return str(value).rstrip().rstrip(".")


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


@register.simple_tag
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


@register.simple_tag
def cached_static(path: str) -> str:
    """{% static path %}, looked up once per path (the manifest does not change
    while the server runs)."""
    return _static_url(path, get_script_prefix())


@lru_cache(maxsize=64)
def _static_url(path: str, prefix: str) -> str:
    return static(path)


@receiver(setting_changed)
def _forget_lookups(**kwargs) -> None:
    """Settings change only in tests (override_settings): storage, URLconf."""
    for lookup in (_static_url, _fixed_url, id_url_parts):
        lookup.cache_clear()


class FragmentNode(template.Node):
    """A block of a page kept in the fragment cache (see forum.fragments).

    {% fragment v1 v2 … %}…{% endfragment %}: keyed by the values given, which must
    be every value the block shows (with the language and time zone, added here).
    {% shared_fragment v1 v2 … %}…{% endshared_fragment %}: keyed also by the
    page-cache generation, like the shared reads: for blocks showing rows every
    reader shares (a topic's summary, prompts, lock), with the values given being
    whatever differs between readers; rendered afresh whenever shared reads are off.
    CSRF tokens inside are written as a placeholder and replaced on the way out.
    """

    def __init__(self, nodelist, values, where: str, shared: bool):
        self.nodelist = nodelist
        self.values = values
        self.where = where
        self.shared = shared

    def render(self, context):
        from forum import fragments, pagecache

        values = [value.resolve(context) for value in self.values]
        if self.shared:
            number = pagecache.shared_generation()
            if number is None:
                return fragments.fill_from(context, self.nodelist.render(context))
            values.append(number)
        return fragments.cached_block(context, self.nodelist, (self.where, *values))


def _fragment_tag(shared: bool):
    def compile_tag(parser, token):
        bits = token.split_contents()
        nodelist = parser.parse((f"end{bits[0]}",))
        parser.delete_first_token()
        where = f"{getattr(parser.origin, 'name', '')}:{token.lineno}"
        values = [parser.compile_filter(bit) for bit in bits[1:]]
        return FragmentNode(nodelist, values, where, shared)

    return compile_tag


register.tag("fragment", _fragment_tag(shared=False))
register.tag("shared_fragment", _fragment_tag(shared=True))


@register.simple_tag
def pagination(page, label: str = "") -> str:
    """{% include "forum/_pagination.html" with page=page label=label %}, written
    by forum.renderers (the template stays the reference; tests compare them)."""
    from django.utils.safestring import mark_safe

    from forum.renderers import render_pagination

    return mark_safe(render_pagination(page, label))
