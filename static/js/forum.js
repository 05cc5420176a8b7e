// Progressive enhancement only: every action works without this file.
// "Quote" with text selected inside a post quotes just that selection.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.quote-link");
  if (!link) return;
  var post = link.closest("article.post");
  var body = post && post.querySelector(".post-body");
  var selection = window.getSelection ? window.getSelection() : null;
  if (!body || !selection || selection.isCollapsed) return;
  var range = selection.getRangeAt(0);
  if (!body.contains(range.commonAncestorContainer)) return;
  var text = selection.toString().trim();
  if (!text) return;
  event.preventDefault();
  var url = new URL(link.href, window.location.href);
  url.searchParams.set("selection", text.slice(0, 10000));
  window.location.assign(url.toString());
});
