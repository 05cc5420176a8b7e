// The formatting toolbar of markdown textareas, and "Quoting NAME" in place of
// the quote's markdown. Without this file the textarea and its help still work.
(function () {
  "use strict";

  document.documentElement.classList.add("composer-on");

  // Replace the textarea's selection, keeping the browser's undo history.
  function put(field, start, end, text, selectFrom, selectTo) {
    field.focus();
    field.setSelectionRange(start, end);
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      field.setRangeText(text, start, end, "end");
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
    field.setSelectionRange(start + selectFrom, start + selectTo);
  }

  // **bold**, *italic*: spaces the selection took in stay outside the marks.
  function wrap(field, mark, placeholder) {
    var start = field.selectionStart, end = field.selectionEnd;
    var chosen = field.value.slice(start, end);
    var inner = chosen.trim() || placeholder;
    var before = chosen.match(/^\s*/)[0], after = chosen.trim() ? chosen.match(/\s*$/)[0] : "";
    var text = before + mark + inner + mark + after;
    var from = before.length + mark.length;
    put(field, start, end, text, from, from + inner.length);
  }

  function link(field, placeholder) {
    var start = field.selectionStart, end = field.selectionEnd;
    var chosen = field.value.slice(start, end).trim();
    if (/^https?:\/\/\S+$/.test(chosen)) {
      put(field, start, end, "[" + placeholder + "](" + chosen + ")", 1, 1 + placeholder.length);
    } else {
      var label = chosen || placeholder, url = "https://";
      var from = label.length + 3;
      put(field, start, end, "[" + label + "](" + url + ")", from, from + url.length);
    }
  }

  // Quote and lists apply to whole lines, set apart from the text around them
  // by an empty line so that the block is not read as part of a paragraph.
  function lines(field, prefix, placeholder) {
    var value = field.value;
    var start = value.lastIndexOf("\n", field.selectionStart - 1) + 1;
    var end = field.selectionEnd;
    if (end > start && value.charAt(end - 1) === "\n") end -= 1;
    var next = value.indexOf("\n", end);
    end = next < 0 ? value.length : next;
    var chosen = value.slice(start, end);
    var rows = chosen.trim() ? chosen.split("\n") : [placeholder];
    var n = 0;
    var text = rows.map(function (row) {
      if (!row.trim()) return prefix === "> " ? ">" : "";
      n += 1;
      return (prefix === "1. " ? n + ". " : prefix) + row;
    }).join("\n");
    var lead = start > 1 && value.charAt(start - 2) !== "\n" ? "\n" : "";
    var tail = end < value.length && value.charAt(end + 1) !== "\n" ? "\n" : "";
    var from = lead.length + (chosen.trim() ? 0 : text.length - placeholder.length);
    put(field, start, end, lead + text + tail, from, lead.length + text.length);
  }

  function apply(bar, field, format) {
    var words = bar.dataset;
    if (format === "bold") wrap(field, "**", words.bold);
    else if (format === "italic") wrap(field, "*", words.italic);
    else if (format === "link") link(field, words.link);
    else if (format === "quote") lines(field, "> ", words.quote);
    else if (format === "bullets") lines(field, "- ", words.list);
    else if (format === "numbers") lines(field, "1. ", words.list);
  }

  function parts(el) {
    var box = el.closest(".composer");
    return box && { bar: box.querySelector(".composer-bar"), field: box.querySelector("textarea") };
  }

  // A quote the form starts with is shown as "Quoting NAME" with its text; its
  // markdown moves to the "quotation" field, which the server puts back in
  // front of the message.
  function showQuote(card) {
    var form = card.closest("form");
    var field = form && form.elements.body, kept = form && form.elements.quotation;
    var quote = card.dataset.quote.replace(/\r\n?/g, "\n");
    if (!field || !kept) return;
    // A page the browser brought back may have kept both fields as they were.
    if (kept.value !== quote) {
      if (field.value.indexOf(quote) !== 0) return;
      // Moved as the page opens: the form's starting state, not an edit.
      field.defaultValue = field.value = field.value.slice(quote.length);
      kept.value = quote;
    }
    card.hidden = false;
    // The card shows the quoted words: the answered post above folds away.
    var above = document.querySelector("details.replying-to");
    if (above) above.open = false;
  }

  function quoteAction(button) {
    var card = button.closest(".quoting"), form = card.closest("form");
    var field = form.elements.body, kept = form.elements.quotation;
    if (button.dataset.quoteAction === "edit") field.value = kept.value + field.value;
    else if (form.elements.quoting) form.elements.quoting.value = "";
    kept.value = "";
    card.hidden = true;
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.querySelectorAll(".quoting[data-quote]").forEach(showQuote);

  document.addEventListener("click", function (event) {
    var action = event.target.closest && event.target.closest("[data-quote-action]");
    if (action) return quoteAction(action);
    var button = event.target.closest && event.target.closest(".composer-bar button");
    var found = button && parts(button);
    if (found && found.field) apply(found.bar, found.field, button.dataset.format);
  });

  // Attachments: a file dropped on the form, an image pasted into the text or
  // a file chosen is sent alone and its markdown put at the cursor; an image
  // waits for its description. Without this the Attach button sends the form.
  function attachParts(el) {
    var form = el.closest && el.closest("form");
    var box = form && form.querySelector("fieldset.attach");
    return box && {
      form: form, box: box, field: form.elements.body,
      input: box.querySelector("input[type=file]"),
      about: box.querySelector("[name=description]"),
      button: box.querySelector("[name=attach]"),
      status: box.querySelector(".attach-status"),
      error: box.querySelector(".attach-error")
    };
  }

  function tell(p, status, error) {
    p.status.textContent = status || "";
    p.error.textContent = error || "";
    if (error) p.input.setAttribute("aria-invalid", "true");
    else p.input.removeAttribute("aria-invalid");
  }

  function pending(p) {
    return p.box.file || (p.input.files && p.input.files[0]);
  }

  function forget(p) {
    p.box.file = null;
    p.input.value = "";
  }

  function isImage(file) { return /^image\//.test(file.type); }

  function choose(p, file, now) {
    forget(p);
    if (file.size > +p.box.dataset.maxFileBytes) return tell(p, "", p.box.dataset.tooBig);
    // In the file input too, so that the form's own buttons send it as well.
    try {
      var moved = new DataTransfer();
      moved.items.add(file);
      p.input.files = moved.files;
    } catch (error) {
      p.box.file = file;
    }
    if (isImage(file)) {
      tell(p, p.box.dataset.describe);
      p.about.focus();
    } else if (now) send(p);
    else tell(p);
  }

  function send(p) {
    var file = pending(p), words = p.box.dataset;
    if (p.button.disabled) return;
    if (file && isImage(file) && !p.about.value.trim()) {
      tell(p, words.describe);
      return p.about.focus();
    }
    // Without a file, the answer says to choose one.
    var data = new FormData(p.form);
    if (file) data.set("attachment", file, file.name);
    p.button.disabled = true;
    tell(p, words.uploading);
    fetch(words.uploadUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") }
    }).then(function (response) {
      return response.json().then(function (answer) {
        p.button.disabled = false;
        // A file chosen meanwhile waits for its own turn.
        var next = pending(p) !== file;
        if (!next) forget(p);
        if (response.ok) return attached(p, answer.markdown, next);
        tell(p, "", answer.error);
        p.input.focus();
      });
    }).catch(function () {
      p.button.disabled = false;
      tell(p, "", words.failed);
    });
  }

  // On a line of its own, where the cursor was in the text (at its end if
  // the writer has not been in it yet).
  function attached(p, markdown, next) {
    var field = p.field, value = field.value;
    var start = field.visited ? field.selectionStart : value.length;
    var end = field.visited ? field.selectionEnd : start;
    var before = value.slice(0, start), after = value.slice(end);
    var lead = !before || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    var tail = /^\n\n/.test(after) ? "" : !after || /^\n/.test(after) ? "\n" : "\n\n";
    var text = lead + markdown + tail;
    if (!next) p.about.value = "";
    put(field, start, end, text, text.length, text.length);
    tell(p, p.box.dataset.attached);
  }

  function dragged(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return types && Array.prototype.indexOf.call(types, "Files") >= 0 && attachParts(event.target);
  }

  document.addEventListener("dragover", function (event) {
    var p = dragged(event);
    if (!p) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    p.form.classList.add("dropping");
  });
  ["dragleave", "drop"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var p = dragged(event);
      if (!p) return;
      p.form.classList.remove("dropping");
      var file = type === "drop" && event.dataTransfer.files[0];
      if (!file) return;
      event.preventDefault();
      choose(p, file, true);
    });
  });

  // A screenshot has no name of its own worth keeping.
  document.addEventListener("paste", function (event) {
    var p = attachParts(event.target), data = event.clipboardData;
    var file = p && event.target === p.field && data && data.files[0];
    if (!file || !isImage(file) || data.getData("text/plain")) return;
    event.preventDefault();
    var type = file.type.split("/")[1].replace("jpeg", "jpg");
    choose(p, new File([file], "pasted-image." + type, { type: file.type }), true);
  });

  document.addEventListener("change", function (event) {
    var p = event.target.type === "file" && attachParts(event.target);
    var file = p && event.target.files[0];
    if (file) choose(p, file, false);
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.name === "body") event.target.visited = true;
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("fieldset.attach [name=attach]");
    var p = button && window.fetch && attachParts(button);
    if (!p) return;
    event.preventDefault();
    send(p);
  });

  var SHORTCUTS = { b: "bold", i: "italic", k: "link" };
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    // Enter after the description attaches the image (the form's first,
    // hidden button would preview).
    if (event.key === "Enter" && !event.isComposing && target.name === "description" &&
        attachParts(target)) {
      event.preventDefault();
      return send(attachParts(target));
    }
    if (target.matches && target.matches(".composer textarea")) {
      var format = SHORTCUTS[event.key.toLowerCase()];
      if (!format || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      event.preventDefault();
      apply(parts(target).bar, target, format);
      return;
    }
    // One tab stop for the toolbar; the arrows move along it.
    var bar = target.closest && target.closest(".composer-bar");
    if (!bar) return;
    var buttons = Array.prototype.slice.call(bar.querySelectorAll("button"));
    var at = buttons.indexOf(target);
    var to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    to = (to + buttons.length) % buttons.length;
    buttons.forEach(function (b, i) { b.tabIndex = i === to ? 0 : -1; });
    buttons[to].focus();
  });
})();
