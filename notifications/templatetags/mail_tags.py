import re

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..emails import absolute

register = template.Library()

# The stored HTML of a post (forum.markdown writes it: double-quoted attributes,
# alt before width): an attached image, and an address on this site.
_IMAGE = re.compile(r'<img src="[^"]*" alt="([^"]*)"[^>]*>')
_SITE_LINK = re.compile(r'href="(/[^"/][^"]*|/)"')


@register.filter
def for_mail(body_html: str) -> str:
    """A post's HTML for an email: an attached image becomes its description
    in brackets, still linking to it (a mail reader has no session to fetch
    it with, and loading it would tell the server when the mail was read), and
    the site's own links get its full address."""
    html = _IMAGE.sub(
        lambda m: "[" + _("Image: %(description)s") % {"description": m[1]} + "]",
        body_html,
    )
    return mark_safe(_SITE_LINK.sub(lambda m: f'href="{absolute(m[1])}"', html))
