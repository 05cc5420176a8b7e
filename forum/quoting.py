import re

from django.urls import reverse

from .models import Post

MAX_SELECTION = 10_000
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def quote_markdown(post: Post, selection: str = "") -> str:
    """The markdown blockquote that "Quote" puts in the reply form.

    The attribution links to the quoted post; quoting a post that itself quotes
    nests its blockquote one level deeper. A selection (from the browser) replaces
    the whole body.
    """
    text = (
        selection.strip()[:MAX_SELECTION] if selection.strip() else post.body
    ).strip()
    url = reverse("forum:post", args=[post.pk])
    # Every ASCII punctuation mark escaped: a display name cannot become markup
    # (an autolink, emphasis, a bracket) that would replace the attribution link.
    name = _PUNCTUATION.sub(r"\\\1", post.author_name)
    lines = [f"[{name} wrote:]({url})", "", *text.splitlines()]
    return "\n".join(f"> {line}" if line else ">" for line in lines) + "\n\n"
