// Progressive enhancement only: every action works without this file.
(function () {
  "use strict";

  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  function fetchPage(url, options) {
    return fetch(url, Object.assign({ credentials: "same-origin" }, options)).then(
      function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text().then(parse);
      }
    );
  }

  // Ids inside a form taken from another page get a prefix, so that labels,
  // descriptions and error lists stay tied to their own fields.
  function prefixIds(root, prefix) {
    root.querySelectorAll("[id]").forEach(function (el) { el.id = prefix + el.id; });
    root.querySelectorAll("label[for]").forEach(function (el) {
      el.htmlFor = prefix + el.htmlFor;
    });
    ["aria-describedby", "aria-labelledby"].forEach(function (name) {
      root.querySelectorAll("[" + name + "]").forEach(function (el) {
        var ids = el.getAttribute(name).split(/\s+/).map(function (id) { return prefix + id; });
        el.setAttribute(name, ids.join(" "));
      });
    });
  }

  function plainClick(event) {
    return !(event.button || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey);
  }

  // "Quote" with text selected inside a post quotes just that selection.
  function quoteSelection(event, link) {
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
  }

  // "Reply" opens the reply form right under the post; pressing it again closes it.
  var inlineCount = 0;
  function replyInPlace(event, link) {
    var post = link.closest("article.post");
    if (!post) return;
    event.preventDefault();
    var open = document.querySelector(".inline-reply");
    if (open) {
      open.remove();
      if (open.getAttribute("data-for") === post.id) {
        link.setAttribute("aria-expanded", "false");
        return;
      }
    }
    fetchPage(link.href).then(function (doc) {
      var form = doc.querySelector("form.post-form");
      if (!form) throw new Error("no form");
      inlineCount += 1;
      var box = document.createElement("section");
      box.className = "inline-reply reply-box";
      box.setAttribute("data-for", post.id);
      box.setAttribute("aria-label", link.textContent.trim());
      var imported = document.importNode(form, true);
      prefixIds(imported, "r" + inlineCount + "-");
      box.appendChild(imported);
      post.insertAdjacentElement("afterend", box);
      link.setAttribute("aria-expanded", "true");
      var field = box.querySelector("textarea");
      if (field) field.focus();
    }).catch(function () { window.location.assign(link.href); });
  }

  // "Preview" shows the preview above the form without leaving the page.
  function previewInPlace(event, button) {
    var form = button.form;
    if (!form || !window.FormData) return;
    event.preventDefault();
    var data = new FormData(form);
    data.append(button.name, button.value);
    // A file chosen waits for its Attach button; the preview is of the text.
    data.delete("attachment");
    fetchPage(form.action, { method: "POST", body: data }).then(function (doc) {
      var fresh = doc.querySelector("section.preview");
      if (!fresh) throw new Error("no preview");
      var section = document.importNode(fresh, true);
      // Named by its own heading, in the page's language.
      var heading = section.querySelector("h2");
      section.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
      section.removeAttribute("aria-labelledby");
      section.setAttribute("aria-label", heading ? heading.textContent.trim() : "");
      section.tabIndex = -1;
      var previous = form.previousElementSibling;
      if (previous && previous.matches("section.preview")) previous.remove();
      form.insertAdjacentElement("beforebegin", section);
      section.focus();
    }).catch(function () {
      // Let the server show the preview (or the form's errors) the usual way.
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = button.name;
      flag.value = button.value;
      form.appendChild(flag);
      form.submit();
    });
  }

  // Sign-up: the zone asked for starts at the browser's (without JavaScript
  // the person chooses it).
  document.querySelectorAll('select[name="browser_time_zone"]').forEach(function (field) {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {}
    if (zone && field.querySelector('option[value="' + zone + '"]')) field.value = zone;
  });

  // Drafts: the text of a form is kept on the server a moment after each
  // change, so leaving the page loses nothing; leaving while a change is not
  // yet kept asks first.
  var DRAFT_DELAY = 1000;
  function draftState(form) {
    if (!form.draftState) form.draftState = { changes: 0, kept: 0, timer: null };
    return form.draftState;
  }

  function saveDraft(form, leaving) {
    var state = draftState(form);
    clearTimeout(state.timer);
    if (state.kept === state.changes || !window.FormData) return;
    var data = new FormData(form);
    data.set("kind", form.getAttribute("data-draft-kind"));
    data.set("target", form.getAttribute("data-draft-target"));
    var sent = state.changes;
    fetch(form.getAttribute("data-draft-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      keepalive: !!leaving
    }).then(function (response) {
      if (response.ok) state.kept = Math.max(state.kept, sent);
    }).catch(function () {});
  }

  function unsavedForms() {
    return Array.prototype.filter.call(
      document.querySelectorAll("form[data-draft-url]"),
      function (form) {
        var state = form.draftState;
        return state && state.kept !== state.changes && !state.submitting;
      }
    );
  }

  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (!form || !form.hasAttribute("data-draft-url")) return;
    var state = draftState(form);
    state.changes += 1;
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { saveDraft(form); }, DRAFT_DELAY);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-draft-url")) {
      draftState(form).submitting = true;
    }
  });

  window.addEventListener("beforeunload", function (event) {
    var forms = unsavedForms();
    if (!forms.length) return;
    forms.forEach(function (form) { saveDraft(form, true); });
    event.preventDefault();
    event.returnValue = "";
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !plainClick(event)) return;
    var quote = event.target.closest("a.quote-link");
    if (quote) return quoteSelection(event, quote);
    var reply = event.target.closest("a.reply-link");
    if (reply) return replyInPlace(event, reply);
    var preview = event.target.closest('form.post-form button[name="preview"]');
    if (preview) return previewInPlace(event, preview);
  });
})();
