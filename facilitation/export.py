"""A locked dialogue as a document to keep, print or share: its prompting
questions, the thread with its quotes, the summary and the closing note.

People are named only with their consent (User.named_in_exports True); everyone
else, those who declined and those never asked, appears as "Participant N",
numbered in the order they first appear. Quote attributions inside the posts
("[NAME wrote:](/p/ID/)") are rewritten from the quoted post's id, so the name
they carried is replaced too; links to posts of the dialogue become links
within the document. Names typed into the text itself cannot be recognised and
stay as written: the document says so.

Images and files come with the posts that show them, whoever posted them:
consent is about names, and the post's author chose to show the image. Only the
files of the posts in the document (published, not hidden) are included.
"""

import logging
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import PurePosixPath

from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt

from accounts.services import FORMER_PARTICIPANT, REMOVED_REASON
from attachments import queries as attachment_queries
from attachments.models import Attachment
from attachments.storage import attachment_storage
from forum.markdown import render_markdown, render_post, strip_bidi_controls
from forum.models import Post, Topic
from forum.permissions import facilitator_ids

HIDDEN_PLACEHOLDER = _("[This post was hidden by a facilitator.]")
REMOVED_PLACEHOLDER = _("[This post was removed at its author's request.]")
UNKNOWN_AUTHOR = _("A participant")
FACILITATOR = _("Facilitator")
NOTE = _(
    "People who did not agree to be named appear as “Participant 1, 2, …”, "
    "numbered in the order they first speak; quote attributions follow the same "
    "labels. Names that people wrote in the text of their posts, subjects, the "
    "summary or the closing note cannot be recognised and appear as written."
)

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# "[NAME wrote:](/p/ID/)" as forum.quoting writes it; NAME has its punctuation
# backslash-escaped, so "\]" may occur in it but a bare "]" may not.
_ATTRIBUTION = re.compile(r"\[((?:\\.|[^\\\]\n])*?) wrote:\]\(/p/(\d+)/?\)")
_POST_LINK = re.compile(r"\]\(/p/(\d+)/?\)")
# An image or a link to an attached file, as the composer writes them:
# "![description](/a/ID/)", "[name.pdf](/a/ID/)".
_ATTACHED = re.compile(r"(!?)\[((?:\\.|[^\\\[\]\n])*)\]\(/a/([1-9][0-9]{0,18})/\)")

logger = logging.getLogger(__name__)


# How a typical Markdown viewer reads the exported file: CommonMark with raw
# HTML on (the site's own renderer has it off), and GitHub's tables.
_viewer = MarkdownIt("commonmark", {"html": True}).enable("table")
# Where raw HTML can start: a tag, a closing tag, a comment, a declaration or a
# processing instruction.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_SAFE_AUTOLINK = re.compile(r"<(?:https?|mailto):[^<>\s]*>", re.IGNORECASE)
_CODE_SPAN_MARKS = re.compile(r"\\.|`+|<", re.DOTALL)
_BACKTICKS = re.compile(r"`+")


def _has_raw_html(text: str) -> bool:
    """Whether a Markdown viewer would pass some of text through as HTML."""
    for token in _viewer.parse(text):
        if token.type == "html_block":
            return True
        if any(child.type == "html_inline" for child in token.children or []):
            return True
    return False


def _escape_tags_in_text(chunk: str) -> str:
    """chunk (lines of paragraphs, headings, lists, quotes) with each "<" that
    could start HTML written "&lt;", except in code spans, where it shows as
    typed anyway, and in http, https and mailto autolinks."""
    out, last = [], 0
    pos = 0
    while found := _CODE_SPAN_MARKS.search(chunk, pos):
        at, mark = found.start(), found.group()
        pos = found.end()
        if mark.startswith("`"):
            closing = next(
                (
                    run
                    for run in _BACKTICKS.finditer(chunk, pos)
                    if len(run.group()) == len(mark)
                ),
                None,
            )
            if closing is not None:
                pos = closing.end()
        elif mark == "<":
            autolink = _SAFE_AUTOLINK.match(chunk, at)
            if autolink:
                pos = autolink.end()
            elif _TAG_START.match(chunk, at):
                out += [chunk[last:at], "&lt;"]
                last = at + 1
    out.append(chunk[last:])
    return "".join(out)


def escape_raw_html(text: str) -> str:
    """Markdown that any viewer shows as text where text held raw HTML
    ("<script>" shows as typed, it does not run); code blocks and code spans
    are kept as they are. Should the careful pass leave any HTML (text shaped
    to make the block structure change once escaped), every "<" that could
    start HTML is escaped, in code too."""
    lines = text.split("\n")
    code = set()
    for token in _viewer.parse(text):
        if token.type in {"fence", "code_block"} and token.map:
            code.update(range(*token.map))
    chunks, current = [], []
    for number, line in enumerate(lines):
        if number in code or not line.strip():
            if current:
                chunks.append(_escape_tags_in_text("\n".join(current)))
                current = []
            chunks.append(line)
        else:
            current.append(line)
    if current:
        chunks.append(_escape_tags_in_text("\n".join(current)))
    escaped = "\n".join(chunks)
    if _has_raw_html(escaped):
        escaped = _TAG_START.sub("&lt;", text)
    return escaped


def escape_markdown(text: str) -> str:
    """Text that markdown shows as typed: every ASCII punctuation mark escaped."""
    return _PUNCTUATION.sub(r"\\\1", text)


def anchor_of(post_id: int) -> str:
    return f"post-{post_id}"


@dataclass
class ExportPrompt:
    number: int
    text: str

    @property
    def anchor(self) -> str:
        return f"prompt-{self.number}"


@dataclass
class ExportPost:
    pk: int
    number: int | None
    depth: int
    subject: str
    author: str
    role: str
    created_at: datetime
    edited_at: datetime | None
    # The label of the author of the post this one answers ("" for the opening
    # post), and that post's id.
    reply_to: str
    reply_to_id: int | None
    prompts: list[ExportPrompt]
    follow_up_to: str
    # Markdown with the attributions and post links rewritten; "" when hidden.
    body: str
    placeholder: str = ""
    # The (width, height) of the thumbnails of the images attached to the post,
    # by attachment id: those its HTML shows as images, as the site does.
    images: dict[int, tuple] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return anchor_of(self.pk)

    @property
    def reply_to_anchor(self) -> str:
        return anchor_of(self.reply_to_id) if self.reply_to_id else ""

    @cached_property
    def body_html(self) -> str:
        if not self.body:
            return ""
        # No mention is linked: a profile link would name who was mentioned.
        return render_post(self.body, mention_lookup=None, image_sizes=self.images)[0]


@dataclass
class Export:
    topic_id: int
    title: str
    category: str
    started_at: datetime
    opens_at: datetime | None
    closes_at: datetime | None
    locked_at: datetime | None
    prompts: list[ExportPrompt]
    summary: str
    closing_note: str
    posts: list[ExportPost]
    exported_at: datetime
    note: str = NOTE
    # Labels in order of first appearance, with their roles.
    people: list[tuple[str, str]] = field(default_factory=list)
    # The files of the posts in the document, in the order they were uploaded.
    attachments: list[Attachment] = field(default_factory=list)

    @cached_property
    def summary_html(self) -> str:
        return render_markdown(self.summary) if self.summary else ""

    @cached_property
    def closing_note_html(self) -> str:
        return render_markdown(self.closing_note) if self.closing_note else ""


class _Labels:
    """One label per person: their name if they agreed to be named, else
    "Participant N" in order of first appearance."""

    def __init__(self, facilitators: set[int]):
        self.facilitators = facilitators
        self.by_user: dict[int, str] = {}
        self.people: list[tuple[str, str]] = []
        self.numbered = 0

    def role(self, user) -> str:
        if user is None:
            return ""
        if user.is_staff or user.pk in self.facilitators:
            return FACILITATOR
        return ""

    def of(self, user) -> str:
        if user is None:
            return FORMER_PARTICIPANT
        if user.pk not in self.by_user:
            if user.named_in_exports:
                label = user.name
            else:
                self.numbered += 1
                label = gettext("Participant %(number)s") % {"number": self.numbered}
            self.by_user[user.pk] = label
            self.people.append((label, self.role(user)))
        return self.by_user[user.pk]


def _rewrite(text: str, *, authors: dict[int, object], shown: set[int], labels) -> str:
    """Markdown with each quote attribution naming the quoted post's author by
    their export label, and links to posts of the document made in-document."""

    def attribution(match: re.Match) -> str:
        post_id = int(match.group(2))
        if post_id not in authors:
            # Not a post of this dialogue: whose words they are is unknown here.
            return f"{UNKNOWN_AUTHOR} wrote:"
        name = escape_markdown(labels.of(authors[post_id]))
        if post_id not in shown:
            return f"{name} wrote:"
        return f"[{name} wrote:](#{anchor_of(post_id)})"

    def link(match: re.Match) -> str:
        post_id = int(match.group(1))
        if post_id not in shown:
            return match.group(0)
        return f"](#{anchor_of(post_id)})"

    return _POST_LINK.sub(link, _ATTRIBUTION.sub(attribution, text))


def _placeholder(post: Post) -> str:
    if post.hidden_reason == REMOVED_REASON and post.author_id is None:
        return REMOVED_PLACEHOLDER
    return HIDDEN_PLACEHOLDER


def export_dialogue(*, topic: Topic) -> Export:
    """The document data of a dialogue (four queries, five with a cold cache):
    its prompts, its published posts in thread order with anonymised authors and
    attributions, hidden ones as placeholders, the files of the posts shown,
    and its summary."""
    rows = list(topic.prompts.order_by("position", "pk"))
    prompts = [ExportPrompt(number=n, text=p.text) for n, p in enumerate(rows, 1)]
    prompt_numbers = {p.pk: n for n, p in enumerate(rows, 1)}
    posts = list(
        Post.objects.filter(topic=topic)
        .select_related("author", "follow_up_for")
        .prefetch_related("prompts")
        .order_by("path", "pk")
    )
    labels = _Labels(facilitator_ids(category_id=topic.category_id))
    published = [p for p in posts if p.is_published]
    # Every post of the topic may be quoted (a quote outlives a hidden post);
    # only the published ones are in the document.
    authors = {p.pk: p.author for p in posts}
    by_id = {p.pk: p for p in posts}
    shown = {p.pk for p in published}
    # Numbered by first appearance as a speaker, then as a quoted author.
    for post in published:
        if not post.is_hidden:
            labels.of(post.author)
    files = attachment_queries.of_posts(
        [post.pk for post in published if not post.is_hidden]
    )
    items = []
    for post in published:
        parent = by_id.get(post.parent_id)
        reply_to = ""
        if parent is not None:
            reply_to = "a hidden post" if parent.is_hidden else labels.of(parent.author)
        common = {
            "pk": post.pk,
            "number": post.position,
            "depth": post.depth,
            "created_at": post.created_at,
            "reply_to": reply_to,
            "reply_to_id": parent.pk if parent is not None else None,
        }
        if post.is_hidden:
            items.append(
                ExportPost(
                    **common,
                    subject=gettext("Hidden post"),
                    author="",
                    role="",
                    edited_at=None,
                    prompts=[],
                    follow_up_to="",
                    body="",
                    placeholder=_placeholder(post),
                )
            )
            continue
        answered = sorted(
            prompt_numbers[p.pk] for p in post.prompts.all() if p.pk in prompt_numbers
        )
        items.append(
            ExportPost(
                **common,
                subject=topic.title if post.parent_id is None else post.display_subject,
                author=labels.of(post.author),
                role=labels.role(post.author),
                edited_at=post.edited_at,
                prompts=[prompts[n - 1] for n in answered],
                follow_up_to=(
                    labels.of(post.follow_up_for) if post.follow_up_for_id else ""
                ),
                body=_rewrite(post.body, authors=authors, shown=shown, labels=labels),
                images={
                    file.pk: (file.thumbnail_width, file.thumbnail_height)
                    for file in files.get(post.pk, [])
                    if file.is_image
                },
            )
        )
    rewrite = {"authors": authors, "shown": shown, "labels": labels}
    return Export(
        topic_id=topic.pk,
        title=topic.title,
        category=topic.category.name,
        started_at=topic.created_at,
        opens_at=topic.opens_at,
        closes_at=topic.closes_at,
        locked_at=topic.closed_at,
        prompts=prompts,
        summary=_rewrite(topic.summary, **rewrite),
        closing_note=_rewrite(topic.closing_note, **rewrite),
        posts=items,
        exported_at=timezone.now(),
        people=labels.people,
        attachments=sorted(
            (file for post_files in files.values() for file in post_files),
            key=lambda file: file.pk,
        ),
    )


def format_date(value: datetime | None) -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _plain(text: str) -> str:
    """One line of text for a heading or a list: the characters that would make
    markup are escaped, the rest (apostrophes, question marks) left readable."""
    return re.sub(r"([\\`*_\[\]<>#{}|!])", r"\\\1", " ".join(text.split()))


def _dates_line(export: Export) -> str:
    parts = [gettext("Started %(date)s") % {"date": format_date(export.started_at)}]
    if export.opens_at:
        parts.append(
            gettext("opened for replies %(date)s")
            % {"date": format_date(export.opens_at)}
        )
    if export.locked_at:
        parts.append(
            gettext("locked %(date)s") % {"date": format_date(export.locked_at)}
        )
    elif export.closes_at:
        parts.append(
            gettext("closed %(date)s") % {"date": format_date(export.closes_at)}
        )
    return "; ".join(parts) + "."


def _quote_block(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def file_path(attachment: Attachment, *, thumbnail: bool = False) -> str:
    """Where a file is in the zipped export: files/ID.EXT, an image's thumbnail
    files/ID-thumb.EXT (the extension the stored file has)."""
    if thumbnail:
        suffix = PurePosixPath(attachment.thumbnail.name).suffix
        return f"files/{attachment.pk}-thumb{suffix}"
    return f"files/{attachment.pk}{PurePosixPath(attachment.file.name).suffix}"


def _with_local_files(text: str, files: dict[int, Attachment]) -> str:
    """Markdown whose images and links to the files among files point into the
    zip: an image shows its thumbnail linking to the large version, as on the
    site; links to other files stay as written."""

    def local(match: re.Match) -> str:
        is_image_markup, label = match.group(1), match.group(2)
        attachment = files.get(int(match.group(3)))
        if attachment is None:
            return match.group(0)
        target = file_path(attachment)
        if is_image_markup and attachment.is_image and attachment.thumbnail.name:
            thumbnail = file_path(attachment, thumbnail=True)
            return f"[![{label}]({thumbnail})]({target})"
        return f"[{label}]({target})"

    return _ATTACHED.sub(local, text)


def to_markdown(export: Export, *, local_files: bool = False) -> str:
    """The export as one Markdown document; each post's heading carries its
    anchor ({#post-ID}), which the rewritten links point to. With local_files,
    the posts' images and files are linked where write_zip puts them."""
    files = {attachment.pk: attachment for attachment in export.attachments}
    out = [
        f"# {_plain(export.title)}",
        "",
        f"{_plain(export.category)}. {_dates_line(export)}",
        "",
    ]
    if export.prompts:
        out += ["## " + gettext("Questions in this dialogue"), ""]
        out += [f"{p.number}. {_plain(p.text)}" for p in export.prompts]
        out.append("")
    out += ["## " + gettext("Summary"), ""]
    summary = escape_raw_html(export.summary.strip())
    out += [summary or f"*{gettext('No summary was written.')}*", ""]
    out += ["## " + gettext("The dialogue"), ""]
    for post in export.posts:
        number = f"{post.number}. " if post.number else ""
        out += [f"### {number}{_plain(post.subject)} {{#{post.anchor}}}", ""]
        if post.placeholder:
            out += [f"*{post.placeholder}*", ""]
            continue
        meta = f"**{escape_markdown(post.author)}**"
        if post.role:
            meta += f" ({post.role})"
        meta += f", {format_date(post.created_at)}"
        if post.edited_at:
            meta += " " + gettext("(edited %(date)s)") % {
                "date": format_date(post.edited_at)
            }
        if post.reply_to:
            meta += ", " + gettext("in reply to %(name)s") % {
                "name": f"[{escape_markdown(post.reply_to)}](#{post.reply_to_anchor})"
            }
        out += [meta, ""]
        if post.prompts:
            answering = "; ".join(f"{p.number}. {_plain(p.text)}" for p in post.prompts)
            out += [gettext("Answering:") + f" {answering}", ""]
        if post.follow_up_to:
            out += [
                "*"
                + gettext("Follow-up question to %(name)s")
                % {"name": escape_markdown(post.follow_up_to)}
                + "*",
                "",
            ]
        body = _with_local_files(post.body, files) if local_files else post.body
        out += [escape_raw_html(body.strip()), ""]
    if export.closing_note.strip():
        closing = escape_raw_html(export.closing_note.strip())
        out += ["## " + gettext("Closing note"), "", closing, ""]
    out += [
        "---",
        "",
        _quote_block(export.note),
        "",
        gettext("Exported %(date)s.") % {"date": format_date(export.exported_at)},
        "",
    ]
    return strip_bidi_controls("\n".join(out))


def write_zip(export: Export, out) -> None:
    """The Markdown export with the files of its posts, as a zip written to the
    binary file out: dialogue.md, and under files/ each file and each image's
    thumbnail, read from the attachments storage. A file missing from the
    storage is left out (and logged): the rest of the document still goes."""
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "dialogue.md",
            to_markdown(export, local_files=True),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        for attachment in export.attachments:
            for thumbnail in (False, True):
                name = attachment.thumbnail.name if thumbnail else attachment.file.name
                if not name:
                    continue
                try:
                    source = attachment_storage.open(name, "rb")
                except FileNotFoundError:
                    logger.warning("Export: attachment file %s is missing", name)
                    continue
                # Stored, not compressed again: images and most documents are
                # compressed already.
                path = file_path(attachment, thumbnail=thumbnail)
                with source, archive.open(path, "w") as target:
                    shutil.copyfileobj(source, target)
