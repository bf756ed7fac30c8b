/* Small enhancements of the server-rendered pages; every page works without them.
 *
 * - enterprise autocomplete (ARIA combobox) fed by the fuzzy matcher;
 * - live classification preview while the facts are typed;
 * - progress of long jobs, polled from their JSON status;
 * - confirmation before destructive buttons (forms with data-confirm).
 * No inline script and no on* attributes: the pages can run under a strict CSP.
 * Texts come from data-* attributes rendered in the reader's language.
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  /* Enterprise autocomplete --------------------------------------------- */
  function setupSuggest(box) {
    var input = box.querySelector('input[role="combobox"]');
    var list = box.querySelector('[role="listbox"]');
    if (!input || !list) { return; }
    var url = box.getAttribute("data-suggest-url");
    var active = -1;
    var items = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll('[role="option"]');
      options.forEach(function (opt, i) {
        opt.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      if (index < 0 || index >= items.length) { return; }
      input.value = items[index].legal_name;
      close();
      input.focus();
    }

    function render(found) {
      items = found;
      list.textContent = "";
      if (!found.length) {
        var none = el("li", "muted", box.getAttribute("data-empty"));
        none.setAttribute("aria-disabled", "true");
        list.appendChild(none);
      }
      found.forEach(function (item, i) {
        var opt = el("li", null, item.legal_name);
        opt.id = "enterprise-option-" + i;
        opt.setAttribute("role", "option");
        opt.setAttribute("aria-selected", "false");
        if (item.matched && item.matched !== item.legal_name) {
          opt.appendChild(el("span", "muted", item.matched));
        }
        opt.addEventListener("mousedown", function (event) {
          event.preventDefault(); /* keep focus in the input */
          choose(i);
        });
        list.appendChild(opt);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    var lookup = debounce(function (q) {
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) { if (input.value.trim() === q) { render(found); } })
        .catch(close);
    }, 200);

    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 1) { close(); return; }
      lookup(q);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        if (event.key === "ArrowDown" && input.value.trim()) { lookup(input.value.trim()); }
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  /* Classification preview ---------------------------------------------- */
  function setupPreview(panel) {
    var form = panel.closest("form");
    if (!form) { return; }
    var facts = form.querySelector("[data-preview]");
    var request = form.querySelector('[name="request_text"]');
    var body = panel.querySelector(".preview-body");
    if (!facts || !body) { return; }

    function show(data) {
      body.textContent = "";
      if (data.error) {
        body.appendChild(el("p", "field-error", data.error));
        return;
      }
      if (!data.categories || !data.categories.length) {
        body.appendChild(el("p", "muted", panel.getAttribute("data-none")));
      } else {
        var ul = el("ul", "explain");
        data.categories.forEach(function (cat) {
          var li = el("li");
          li.appendChild(el("strong", null, cat.name));
          var words = el("div", null, panel.getAttribute("data-triggered") + " ");
          cat.words.forEach(function (w) { words.appendChild(el("mark", "chip", w)); });
          li.appendChild(words);
          ul.appendChild(li);
        });
        body.appendChild(ul);
      }
      if (data.nature) {
        var name = document.documentElement.lang === "en" ? data.nature.name_en : data.nature.name_zh;
        body.appendChild(el("p", "small", panel.getAttribute("data-nature") + " " + name));
      }
    }

    var update = debounce(function () {
      var params = new URLSearchParams();
      params.set("facts", facts.value);
      params.set("request_text", request ? request.value : "");
      fetch(panel.getAttribute("data-preview-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
        body: params
      })
        .then(function (r) { return r.json(); })
        .then(show)
        .catch(function () { /* the preview button still works */ });
    }, 500);

    facts.addEventListener("input", update);
    if (request) { request.addEventListener("input", update); }
  }

  /* Job progress --------------------------------------------------------- */
  function setupJob(box) {
    var url = box.getAttribute("data-poll-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-job-text]");
    function poll() {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (bar && job.total) { bar.value = job.percent; bar.textContent = job.percent + "%"; }
          if (text && job.total) {
            text.textContent = (text.getAttribute("data-template") || "{done} / {total}")
              .replace("{done}", job.done).replace("{total}", job.total);
          }
          if (job.state !== "running") {
            window.location.reload();
          } else {
            setTimeout(poll, 700);
          }
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    setTimeout(poll, 500);
  }

  /* Confirmation --------------------------------------------------------- */
  function setupConfirm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".suggest[data-suggest-url]").forEach(setupSuggest);
    document.querySelectorAll("[data-preview-url]").forEach(setupPreview);
    document.querySelectorAll("[data-poll-url]").forEach(setupJob);
    document.querySelectorAll("form[data-confirm]").forEach(setupConfirm);
  });
})();
