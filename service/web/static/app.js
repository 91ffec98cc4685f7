/* stackvet pages: autosave, conditional questions and copy buttons. No dependencies.
 *
 * The rules live on the server. After each save the server answers with the questions that
 * are visible, a message per refused answer and the new revision; this script only shows them.
 * Without JavaScript every form still works with its Save button.
 */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function setStatus(el, text, tone) {
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("save-status--ok", tone === "ok");
    el.classList.toggle("save-status--bad", tone === "bad");
  }

  function clock() {
    var now = new Date();
    return now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  /* Apply the server's view: visibility, messages, progress. */
  function applyState(form, state) {
    var visible = {};
    (state.visible || []).forEach(function (id) { visible[id] = true; });
    $all("[data-question]", form).forEach(function (block) {
      block.hidden = !visible[block.getAttribute("data-question")];
    });
    var errors = state.errors || {};
    $all("[data-error-for]", form).forEach(function (el) {
      var id = el.getAttribute("data-error-for");
      var block = el.closest("[data-question]");
      var message = errors[id];
      el.hidden = !message;
      el.textContent = message || "";
      if (block) {
        block.classList.toggle("question--invalid", Boolean(message));
        $all("input:not([type=radio]):not([type=checkbox]), select, textarea", block).forEach(function (input) {
          if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
        });
      }
    });
    var progress = state.progress;
    if (progress) {
      $all("[data-progress-bar]").forEach(function (bar) { bar.value = progress.percent; bar.textContent = progress.percent + "%"; });
      $all("[data-progress-percent]").forEach(function (el) { el.textContent = progress.percent + "%"; });
      $all("[data-progress-text]").forEach(function (el) {
        el.textContent = progress.answered + " of " + progress.visible + " questions answered";
      });
      $all("[data-progress-required]").forEach(function (el) {
        el.textContent = progress.required_missing
          ? progress.required_missing + " required still to answer"
          : "All required questions answered";
      });
    }
    var sections = state.sections || {};
    $all("[data-section-count]").forEach(function (el) {
      var counts = sections[el.getAttribute("data-section-count")];
      if (counts) { el.textContent = counts.answered + "/" + counts.visible; }
    });
  }

  /* Answers others saved meanwhile (merged by the server) replace what this page showed. */
  function setValues(form, values) {
    Object.keys(values || {}).forEach(function (id) {
      var wanted = values[id];
      $all("[name]", form).forEach(function (input) {
        if (input.name !== id) { return; }
        if (input.type === "radio" || input.type === "checkbox") {
          input.checked = wanted.indexOf(input.value) !== -1;
        } else if (input.tagName === "SELECT") {
          input.value = wanted.length ? wanted[0] : "";
        } else {
          input.value = wanted.length && wanted[0] !== "unknown" ? wanted[0] : "";
        }
      });
    });
  }

  /* "Don't know" excludes the other answers of the same question, and the reverse. */
  function exclusiveUnknown(form) {
    form.addEventListener("change", function (event) {
      var input = event.target;
      var block = input.closest && input.closest("[data-question]");
      if (!block || !input.checked && input.type === "checkbox") { return; }
      if (input.hasAttribute("data-unknown") && input.type === "checkbox") {
        $all("input[type=checkbox]:not([data-unknown])", block).forEach(function (box) { box.checked = false; });
        $all("input[type=text], textarea", block).forEach(function (field) { field.value = ""; });
      } else if (input.type === "checkbox") {
        $all("input[data-unknown]", block).forEach(function (box) { box.checked = false; });
      }
    });
    form.addEventListener("input", function (event) {
      var input = event.target;
      var block = input.closest && input.closest("[data-question]");
      if (block && (input.type === "text" || input.tagName === "TEXTAREA") && input.value) {
        $all("input[data-unknown]", block).forEach(function (box) { box.checked = false; });
      }
    });
  }

  function post(url, form, csrf) {
    return fetch(url, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    });
  }

  /* Autosave: debounced, one request at a time, guarded by the revision the page loaded. */
  function autosave(form) {
    var url = form.getAttribute("data-autosave");
    var csrf = $("input[name=_csrf]", form).value;
    var revision = $("[data-revision]", form);
    var base = $("[data-base]", form);
    var status = $("[data-save-status]", form);
    var conflict = $("[data-conflict]", form);
    var timer = null;
    var inFlight = null;
    var dirty = false;
    var stopped = false;
    var leaving = false;

    setStatus(status, "All changes saved", "ok");
    var remember = keepRefused(form, function (delay) { schedule(delay); });

    function schedule(delay) {
      if (stopped || leaving) { return; }
      dirty = true;
      setStatus(status, "Unsaved changes…");
      window.clearTimeout(timer);
      timer = window.setTimeout(save, delay);
    }

    function stop(message, choose) {
      stopped = true;
      window.clearTimeout(timer);
      setStatus(status, "Not saved", "bad");
      conflict.hidden = false;
      conflict.textContent = "";
      var p = document.createElement("p");
      p.textContent = message;
      conflict.appendChild(p);
      var reload = document.createElement("a");
      reload.href = window.location.pathname;
      reload.className = "btn btn--secondary btn--small";
      reload.textContent = "Reload the page";
      if (choose) {
        /* Saving the page the ordinary way shows theirs and yours side by side, per question. */
        var compare = document.createElement("button");
        compare.type = "button";
        compare.className = "btn btn--primary btn--small";
        compare.textContent = "Compare and choose";
        compare.addEventListener("click", function () { leaving = true; form.submit(); });
        conflict.appendChild(compare);
      } else {
        conflict.appendChild(reload);
      }
      conflict.scrollIntoView({ block: "center" });
    }

    function handle(response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          if (revision) { revision.value = body.revision; }
          if (base && body.base) { base.value = body.base; }
          setValues(form, body.values);
          applyState(form, body);
          remember(body.errors);
          if (body.message) { setStatus(status, body.message, "bad"); }
          else if (body.merged) { setStatus(status, body.merged, "ok"); }
          else if (!dirty) { setStatus(status, "All changes saved at " + clock(), "ok"); }
          return;
        }
        if (response.status === 412 || response.status === 409 || response.status === 410 || response.status === 404) {
          stop(body.message || body.detail || "This questionnaire can no longer be saved.", body.status === "conflict");
        } else if (response.status === 401) {
          dirty = true;
          setStatus(status, "Your session has ended: sign in again in another tab, then save. Your answers are still here.", "bad");
        } else {
          dirty = true;
          setStatus(status, (body.message || body.detail || "Could not save.") + " Retrying shortly…", "bad");
          timer = window.setTimeout(save, 5000);
        }
      });
    }

    function save() {
      if (inFlight) { return inFlight.then(save); }
      if (!dirty || stopped) { return Promise.resolve(); }
      dirty = false;
      setStatus(status, "Saving…");
      inFlight = post(url, form, csrf).then(handle, function () {
        dirty = true;
        setStatus(status, "Could not reach the server; your answers are still here. Retrying…", "bad");
        timer = window.setTimeout(save, 5000);
      }).then(function () { inFlight = null; });
      return inFlight;
    }

    form.addEventListener("change", function () { schedule(250); });
    form.addEventListener("input", function (event) {
      var t = event.target.type;
      if (t === "text" || t === "email" || event.target.tagName === "TEXTAREA") { schedule(900); }
    });

    /* Save and Submit post the whole form; wait for a save in flight so the revision is current. */
    form.addEventListener("submit", function (event) {
      window.clearTimeout(timer);
      if (inFlight) {
        event.preventDefault();
        var submitter = event.submitter;
        inFlight.then(function () {
          if (!stopped) { leaving = true; form.requestSubmit(submitter); }
        });
        return;
      }
      leaving = true;
    });

    /* Leaving while a change is unsaved (waiting, in flight, refused or in conflict): ask first. */
    window.addEventListener("beforeunload", function (event) {
      if (leaving || !(dirty || inFlight || stopped)) { return; }
      event.preventDefault();
      event.returnValue = "";
    });

    /* Leaving with changes not yet sent: send them (the CSRF token travels in the form body). */
    window.addEventListener("pagehide", function () {
      if (dirty && !stopped && !leaving && navigator.sendBeacon) {
        navigator.sendBeacon(url, new URLSearchParams(new FormData(form)));
      }
    });
  }

  /* A form that saves only on demand, but asks the server which questions to show. */
  function preview(form) {
    var url = form.getAttribute("data-preview");
    var csrf = $("input[name=_csrf]", form).value;
    var timer = null;
    function refresh() {
      post(url, form, csrf).then(function (response) {
        if (response.ok) { return response.json().then(function (body) { applyState(form, body); }); }
        return null;
      }).catch(function () { return null; });
    }
    form.addEventListener("change", function () { window.clearTimeout(timer); timer = window.setTimeout(refresh, 200); });
  }

  /* The sticky bar never hides the focused field (WCAG 2.2 SC 2.4.11). The stylesheet pads the
   * page's scrolling by the bar's height; this keeps that height measured at every width, and
   * scrolls a focused element clear of the bar when scrolling alone left it underneath. */
  function keepFocusClear(bar) {
    var root = document.documentElement;
    function measure() { root.style.setProperty("--formbar-height", bar.offsetHeight + "px"); }
    measure();
    window.addEventListener("resize", measure);
    if (window.ResizeObserver) { new window.ResizeObserver(measure).observe(bar); }
    document.addEventListener("focusin", function (event) {
      var el = event.target;
      if (!el.getBoundingClientRect || bar.contains(el)) { return; }
      var box = el.getBoundingClientRect();
      var barBox = bar.getBoundingClientRect();
      /* Only an element the bar covers: one below a bar that is not stuck (the sections
       * after the form) is in plain sight, and scrolling on its mousedown would lose the click. */
      if (box.bottom > barBox.top - 8 && box.top < barBox.bottom) {
        window.scrollBy(0, box.bottom - barBox.top + 16);
      }
    });
  }

  /* Summary links move focus to the field itself, so its label is read out, not just scroll. */
  function focusLinks() {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[data-focus-link]");
      if (!link) { return; }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      var block = target.closest("[data-question]") || target.closest(".field") || target;
      block.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
      if (history.replaceState) { history.replaceState(null, "", "#" + target.id); }
    });
    /* A page that comes back with errors starts at their summary (after the browser's own
     * scroll to the URL's fragment, which would otherwise take focus back to the page). */
    var summary = $("[data-error-summary]");
    if (summary && !window.location.hash.match(/^#q-/)) {
      window.addEventListener("load", function () {
        if (document.activeElement === document.body) { summary.focus({ preventScroll: !window.location.hash }); }
      });
    }
  }

  /* Numbers are checked as they are typed, with the sentence the server uses for them. */
  function numberChecks(form) {
    function check(input) {
      var block = input.closest("[data-question]");
      var error = block && $("[data-error-for]", block);
      if (!error) { return; }
      var text = input.value.trim();
      var value = Number(text);
      var min = input.getAttribute("data-min");
      var max = input.getAttribute("data-max");
      var bad = text !== "" && (!/^-?(\d+\.?\d*|\.\d+)$/.test(text)
        || (input.hasAttribute("data-integer") && !Number.isInteger(value))
        || (min !== null && value < Number(min)) || (max !== null && value > Number(max)));
      if (bad) {
        error.textContent = input.getAttribute("data-expect");
        error.hidden = false;
        input.setAttribute("aria-invalid", "true");
        block.classList.add("question--invalid");
      }
    }
    form.addEventListener("change", function (event) {
      if (event.target.hasAttribute && event.target.hasAttribute("data-number")) { check(event.target); }
    });
  }

  /* A refused value stays in its field after a reload, with its message: the server never
   * stored it, so the page keeps it in this tab and sends it again. */
  function keepRefused(form, schedule) {
    var key = "stackvet:refused:" + form.getAttribute("data-autosave");
    var kept = {};
    try { kept = JSON.parse(window.sessionStorage.getItem(key) || "{}"); } catch (e) { kept = {}; }
    var restored = false;
    Object.keys(kept).forEach(function (id) {
      var block = $('[data-question="' + id.replace(/"/g, "") + '"]', form);
      var input = block && $("input[type=text], textarea", block);
      if (input && !block.hidden) { input.value = kept[id]; restored = true; }
    });
    if (restored) { schedule(0); }
    return function remember(errors) {
      var next = {};
      Object.keys(errors || {}).forEach(function (id) {
        var block = $('[data-question="' + id.replace(/"/g, "") + '"]', form);
        var input = block && $("input[type=text], textarea", block);
        if (input && input.value.trim()) { next[id] = input.value; }
      });
      try { window.sessionStorage.setItem(key, JSON.stringify(next)); } catch (e) { return; }
    };
  }

  function copyButtons() {
    $all("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        var status = $("[data-copy-status]");
        source.select();
        var done = function () { if (status) { status.textContent = "Link copied."; } };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  /* A table wider than the screen scrolls sideways in its frame: the frame then takes keyboard
   * focus (arrow keys scroll it) and is named for screen readers, and only then. */
  function scrollableTables() {
    function mark() {
      $all(".table-wrap").forEach(function (wrap) {
        var table = $("table", wrap);
        var caption = table && (table.getAttribute("aria-label") || (table.caption && table.caption.textContent));
        if (wrap.scrollWidth > wrap.clientWidth + 1) {
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", (caption || "Table") + " (scrolls sideways)");
        } else {
          wrap.removeAttribute("tabindex");
          wrap.removeAttribute("role");
          wrap.removeAttribute("aria-label");
        }
      });
    }
    mark();
    window.addEventListener("resize", mark);
  }

  /* "Next unanswered": focus moves to the first visible question after the focused one that has
   * no answer yet (from the top, after the last), so a keyboard user skips what is done. */
  function answered(block) {
    return $all("input, select, textarea", block).some(function (input) {
      if (input.type === "radio" || input.type === "checkbox") { return input.checked; }
      return input.value.trim() !== "";
    });
  }

  function nextUnanswered(form) {
    var button = $("[data-next-unanswered]", form);
    var status = $("[data-save-status]", form);
    if (!button) { return; }
    button.hidden = false;
    var last = null;
    button.addEventListener("click", function () {
      var blocks = $all("[data-question]", form).filter(function (b) { return !b.hidden; });
      var from = last ? blocks.indexOf(last) : -1;
      var open = blocks.filter(function (b) { return !answered(b); });
      if (!open.length) { setStatus(status, "Every question on the page has an answer.", "ok"); return; }
      var next = open.filter(function (b) { return blocks.indexOf(b) > from; })[0] || open[0];
      var field = $("input, select, textarea", next);
      last = next;
      next.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
    form.addEventListener("focusin", function (event) {
      var block = event.target.closest && event.target.closest("[data-question]");
      if (block) { last = block; }
    });
  }

  /* On phones the navigation and the account fold behind a Menu button (see the stylesheet). */
  function menu() {
    var button = $("[data-menu-toggle]");
    var panel = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!panel) { return; }
    document.documentElement.classList.add("has-menu");
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      panel.classList.toggle("is-open", open);
    }
    button.addEventListener("click", function () { set(button.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") { set(false); button.focus(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    menu();
    scrollableTables();
    $all("form[data-autosave]").forEach(function (form) { exclusiveUnknown(form); numberChecks(form); autosave(form); nextUnanswered(form); });
    $all("form[data-preview]").forEach(function (form) { exclusiveUnknown(form); numberChecks(form); preview(form); });
    $all(".formbar").forEach(keepFocusClear);
    focusLinks();
    copyButtons();
  });

  // Printing shows collapsed sections opened, then closes again the ones it opened.
  window.addEventListener("beforeprint", function () {
    $all("details:not([open])").forEach(function (d) { d.open = true; d.dataset.printOpened = "1"; });
  });
  window.addEventListener("afterprint", function () {
    $all("details[data-print-opened]").forEach(function (d) { d.open = false; delete d.dataset.printOpened; });
  });
}());
