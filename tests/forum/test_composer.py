"""The composer: formatting toolbar and help over every markdown textarea, the
answered post shown whole, and "Quoting NAME" that posts what the plain form
posts. Its behaviour in a browser is in tests/browser/test_composer.py."""

import gzip
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from facilitation.forms import SummaryForm
from forum.forms import EditPostForm, ReplyForm, TopicForm
from forum.quoting import leading_quote, quote_markdown
from tests.factories import ReplyFactory, make_facilitator
from tests.helpers import html

STATIC = Path(settings.BASE_DIR) / "static"
BUDGET = 10 * 1024


def test_composer_adds_under_ten_kilobytes_compressed():
    """The composer's script and stylesheet, gzipped, stay under 10 KB."""
    sizes = [
        len(gzip.compress((STATIC / name).read_bytes(), compresslevel=9))
        for name in ("js/composer.js", "css/composer.css")
    ]
    assert 0 < sum(sizes) < BUDGET


def test_composer_script_reads_its_words_from_the_page():
    """No English in the script: the placeholders come from data- attributes."""
    source = (STATIC / "js" / "composer.js").read_text()
    strings = re.findall(r'"([^"\\]*)"', source)
    words = [s for s in strings if re.fullmatch(r"[A-Za-z]+( [a-z]+)+", s)]
    assert words == ["use strict"]


@pytest.mark.parametrize("form", [ReplyForm(), TopicForm(), EditPostForm()])
def test_post_forms_get_the_toolbar_and_the_help(form):
    page = render_to_string("forum/_form_fields.html", {"form": form})
    assert page.count('class="composer-bar" role="toolbar"') == 1
    assert page.count('<button type="button" data-format=') == 6
    assert '<details class="format-help">' in page
    assert "<summary>Formatting help</summary>" in page


def test_summary_editor_gets_the_toolbar():
    page = render_to_string("forum/_form_fields.html", {"form": SummaryForm()})
    assert 'class="composer-bar"' in page


def test_other_textareas_get_no_toolbar():
    class Plain(forms.Form):
        note = forms.CharField(widget=forms.Textarea)

    page = render_to_string("forum/_form_fields.html", {"form": Plain()})
    assert "composer-bar" not in page and "format-help" not in page


def test_toolbar_names_are_translated():
    with translation.override("fr"):
        page = render_to_string("forum/_form_fields.html", {"form": ReplyForm()})
    for word in ("Gras", "Italique", "Lien", "Liste à puces", "Liste numérotée"):
        assert word in page, word
    assert 'data-bold="texte en gras"' in page
    assert "Aide à la mise en forme" in page


def test_pages_load_the_composer_without_inline_script_or_style(member_client, topic):
    page = html(member_client.get(f"/t/{topic.pk}/reply/"))
    assert re.search(r'<script src="[^"]*composer[^"]*\.js" defer>', page)
    assert re.search(r'<link rel="stylesheet" href="[^"]*composer[^"]*\.css">', page)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert " style=" not in page


def test_the_answered_post_is_shown_whole_and_can_be_folded(member_client, topic):
    long_body = "\n\n".join(f"Paragraph {n} of a long answer." for n in range(40))
    answered = ReplyFactory(topic=topic, body=long_body)
    page = html(member_client.get(f"/t/{topic.pk}/reply/?parent={answered.pk}"))
    assert '<details class="replying-to" open>' in page
    assert "Paragraph 39 of a long answer." in page
    css = (STATIC / "css" / "forum.css").read_text()
    assert not re.search(r"\.replying-to\{[^}]*max-height", css)


def test_leading_quote_reads_back_what_quote_markdown_wrote(topic):
    post = ReplyFactory(topic=topic, body="Trust *grows*.\n\n> An older quote.")
    quote = quote_markdown(post)
    body = quote + "I agree."
    assert leading_quote(body, post) == (quote, "Trust *grows*.\n\n> An older quote.")
    # As a browser sends it back: line breaks as CR LF.
    sent = body.replace("\n", "\r\n")
    assert leading_quote(sent, post) == (quote.replace("\n", "\r\n"), post.body)
    assert leading_quote("I agree.\n\n" + quote, post) == ("", "")
    other = ReplyFactory(topic=topic, body="Other.")
    assert leading_quote(body, other) == ("", "")


def test_quote_page_offers_the_quoting_card(member_client, topic):
    """The card holds the quote's exact markdown and its text rendered; the
    textarea still holds the markdown, for readers without JavaScript."""
    quoted = ReplyFactory(topic=topic, body="Trust *grows* slowly.")
    url = f"/t/{topic.pk}/reply/?parent={quoted.pk}&quote={quoted.pk}"
    page = html(member_client.get(url))
    card = re.search(r'<section class="quoting"[^>]*data-quote="([^"]*)" hidden>', page)
    assert card, "no quoting card"
    assert card.group(1).replace("&gt;", ">") == quote_markdown(quoted)
    assert f"Quoting {quoted.author_name}" in page
    assert "Trust <em>grows</em> slowly." in page.split('class="quoting"')[1]
    assert f"&gt; [{quoted.author_name} wrote:]" in page.split("<textarea")[1]
    assert 'name="quotation"' in page


def test_a_reply_without_a_quote_has_no_card(member_client, topic):
    page = html(member_client.get(f"/t/{topic.pk}/reply/"))
    assert 'class="quoting"' not in page


def test_quotation_field_posts_the_same_text_as_the_textarea(member_client, topic):
    """What the page posts with the quote in the "quotation" field (JavaScript)
    is what it posts with the quote in the textarea (none)."""
    quoted = ReplyFactory(topic=topic, body="Trust grows slowly.")
    quote = quote_markdown(quoted)
    url = f"/t/{topic.pk}/reply/"
    common = {"parent": quoted.pk, "quoting": quoted.pk, "post": "1"}
    member_client.post(url, {**common, "body": quote + "Plain.", "submission_key": "a"})
    member_client.post(
        url,
        {**common, "quotation": quote, "body": "Again.", "submission_key": "b"},
    )
    plain, enhanced = topic.posts.order_by("-pk")[:2][::-1]
    assert plain.body == quote + "Plain."
    assert enhanced.body == quote + "Again."
    assert enhanced.quoting_id == quoted.pk


def test_preview_and_errors_keep_the_quote(member_client, topic):
    quoted = ReplyFactory(topic=topic, body="Trust grows slowly.")
    quote = quote_markdown(quoted)
    url = f"/t/{topic.pk}/reply/"
    data = {"parent": quoted.pk, "quoting": quoted.pk, "quotation": quote}
    page = html(member_client.post(url, {**data, "body": "Mine.", "preview": "1"}))
    preview = page.split('class="preview"')[1].split("</section>")[0]
    assert "Trust grows slowly." in preview and "Mine." in preview
    # The quote is back in the textarea, and the card offered again.
    assert "wrote:](/p/" in page.split("<textarea")[1]
    assert 'class="quoting"' in page
    too_long = {**data, "body": "x" * 50_000, "post": "1"}
    page = html(member_client.post(url, too_long))
    assert "at most 50" in page
    assert topic.posts.filter(body__endswith="x" * 100).count() == 0


def test_summary_page_has_the_toolbar(client, topic):
    facilitator = make_facilitator(topic.category)
    client.force_login(facilitator)
    response = client.get(reverse("facilitation:summary", args=[topic.pk]))
    assert 'class="composer-bar"' in html(response)


def test_closing_summary_in_the_topic_tools_gets_the_toolbar(client, topic):
    client.force_login(make_facilitator(topic.category))
    page = html(client.get(topic.get_absolute_url()))
    tools = page.split('<details class="mod-tools">')[1]
    bar = '<div class="composer"><div class="composer-bar"'
    assert re.search(f'{bar}.*?<textarea id="closing-summary"', tools, re.S)
