"""Mail that cannot be broken by what users typed, and that outlives a mail
server that is down for a while."""

import re
import unicodedata

from django.core.mail import EmailMultiAlternatives

from .names import REFUSED_CATEGORIES

_SPACES = re.compile(" {2,}")


def header_text(value: str) -> str:
    """Text safe in a mail header (a subject, a sender's name): control and
    invisible characters become spaces, so a name stored before they were
    refused ("Ana\\r\\nBcc: ...") can neither add a header nor make Django
    refuse the whole message. No-break spaces (French punctuation) stay."""
    spaced = "".join(
        " " if unicodedata.category(char) in REFUSED_CATEGORIES else char
        for char in value
    )
    return _SPACES.sub(" ", spaced).strip(" ")


def message_data(message: EmailMultiAlternatives) -> dict:
    """A rendered message as JSON-ready data, for a task to send later."""
    html = [
        content
        for content, mimetype in getattr(message, "alternatives", [])
        if mimetype == "text/html"
    ]
    return {
        "subject": message.subject,
        "body": message.body,
        "content_subtype": message.content_subtype,
        "html": html[0] if html else None,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
    }


def message_from_data(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        headers=data["headers"],
    )
    message.content_subtype = data["content_subtype"]
    if data["html"] is not None:
        message.attach_alternative(data["html"], "text/html")
    return message
