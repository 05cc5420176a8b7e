from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix

from attachments import services as attachment_services
from attachments.processing import describe_accepted

from .. import permissions
from ..links import id_url

register = template.Library()


@register.filter
def cut_final_stop(value: str) -> str:
    """A reason without its final full stop, for a sentence that adds its own."""
    return str(value).rstrip().rstrip(".")


register.simple_tag(id_url)
# The links to the tools follow the rules of the tools themselves.
register.filter("may_use_power", permissions.may_use_power)
register.filter("is_admin", permissions.is_admin)


@register.filter
def lacks_second_factor(user) -> bool:
    """permissions.lacks_second_factor, for the prompt on every page."""
    if not getattr(user, "is_authenticated", False):
        return False
    return permissions.lacks_second_factor(user)


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
    """Settings change only in tests (override_settings): storage."""
    _static_url.cache_clear()


@register.inclusion_tag("forum/_pagination.html")
def pagination(page, label: str = "") -> dict:
    """The links to a list's pages (forum/_pagination.html)."""
    return {"page": page, "label": label}


@register.inclusion_tag("forum/_attach.html")
def attach_fields(kind: str, target) -> dict:
    """The composer's "Add a photo or a file" fields (forum/_attach.html), with
    the limits set for this site."""
    return {
        "kind": kind,
        "target": target,
        "max_file_mb": settings.ATTACHMENTS_MAX_FILE_MB,
        "max_post_mb": settings.ATTACHMENTS_MAX_POST_MB,
        "max_file_bytes": attachment_services.max_file_bytes(),
        "accepted": describe_accepted(),
    }
