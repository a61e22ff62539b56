// The exercise workspace (templates/exercises/item.html): the editor, drafts saved as the student
// types, submitting without leaving the page (the JSON API, with the session's CSRF token), the
// result and the attempts list brought in live, progress while grading, free example runs.
// Without this script the form posts to the page and the result opens on its own page.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) return;
  var textarea = document.getElementById("id_text");
  var draftStatus = document.getElementById("draft-status");
  var resultBox = document.getElementById("result");
  var progressBox = document.getElementById("ws-progress");
  var announceBox = document.getElementById("ws-announce");
  var examplesBox = document.getElementById("examples-result");
  var strings = document.getElementById("ws-strings").dataset;
  var editor = null;
  if (form.dataset.kind === "code" && textarea && window.QuizEditor) {
    editor = window.QuizEditor.create(textarea);
    window.quizEditor = editor;
  }

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k] === undefined ? "" : String(values[k]); });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function csrf() { return form.querySelector("input[name=csrfmiddlewaretoken]").value; }
  function value() {
    if (editor) return editor.getValue();
    if (form.dataset.kind === "choice") {
      var checked = form.querySelector("input[name=text]:checked");
      return checked ? checked.value : "";
    }
    return textarea ? textarea.value : "";
  }
  function announce(text) {
    // Cleared first so that the same words said twice are announced twice.
    announceBox.textContent = "";
    setTimeout(function () { announceBox.textContent = text; }, 50);
  }
  function timeNow(date) {
    return date.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  // --- drafts, with the time of the last save ------------------------------------------------
  // What is typed is also kept in the browser (localStorage) until the server has it, so text
  // typed while the network is down is sent when it is back, and survives a reload or a crash.
  function setValue(text) {
    if (editor) editor.setValue(text);
    else if (textarea) textarea.value = text;
  }
  var storeKey = "quiz-draft:" + (form.dataset.storeKey || form.dataset.draftUrl);
  function stored() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  }
  // ``base`` is the server's text the edit started from: unsent text is put back only over that
  // same text, never over a newer draft saved elsewhere (then the student chooses).
  function keep(text) {
    try { window.localStorage.setItem(storeKey, JSON.stringify({ text: text, t: Date.now(), base: lastSaved })); } catch (e) { /* full or blocked */ }
  }
  function forget(text) {
    var s = stored();
    if (s && s.text === text) { try { window.localStorage.removeItem(storeKey); } catch (e) { /* blocked */ } }
  }
  function show(state, text) { draftStatus.dataset.state = state; draftStatus.textContent = text; }
  function showSaved(date) { show("saved", fmt(draftStatus.dataset.savedAt, { time: timeNow(date) })); }
  // What the server rendered is what is saved; text typed before this script ran (a slow page)
  // differs from it and is saved at once below.
  var timer = null, retry = null, lastSaved = editor ? value() : (textarea ? textarea.defaultValue : value());
  var saving = false, closed = false;
  if (draftStatus.dataset.initial) showSaved(new Date(draftStatus.dataset.initial));
  function save() {
    var text = value();
    clearTimeout(retry);
    if (closed || saving) return;
    if (text === lastSaved) { forget(text); return; }
    saving = true;
    fetch(form.dataset.draftUrl, {
      method: "POST", body: new URLSearchParams({ text: text }), credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" }
    }).then(function (r) { return r.json(); }).then(function (data) {
      saving = false;
      if (data.saved) {
        lastSaved = text; forget(text);
        showSaved(new Date(data.updated_at));
        if (value() !== text) schedule();
      } else { show("error", data.error || "!"); }
    }).catch(function () {
      // Offline (or the server unreachable): the text stays in the browser; try again.
      saving = false;
      show("offline", form.dataset.offline || "…");
      retry = setTimeout(save, 3000);
    });
  }
  function schedule() {
    var text = value();
    if (text !== lastSaved) keep(text);
    clearTimeout(timer); timer = setTimeout(save, 800); draftStatus.dataset.state = "dirty";
  }
  var earlier = stored();
  if (earlier && typeof earlier.text === "string" && earlier.text !== value() && form.dataset.kind !== "choice") {
    if (earlier.base === undefined || earlier.base === lastSaved) {
      setValue(earlier.text);  // unsent text from an earlier visit (offline, crash, reload)
      show("restored", form.dataset.restored || "↺");
    } else {
      // The server has a newer draft (typed on another computer): offer the browser's text.
      var restoreButton = document.createElement("button");
      restoreButton.type = "button"; restoreButton.dataset.testid = "restore-local";
      restoreButton.textContent = form.dataset.restoreLocal || "↺";
      restoreButton.addEventListener("click", function () { setValue(earlier.text); restoreButton.remove(); schedule(); });
      draftStatus.parentNode.insertBefore(restoreButton, draftStatus);
    }
  }
  if (editor) editor.on("change", schedule);
  else { form.addEventListener("input", schedule); form.addEventListener("change", schedule); }
  window.addEventListener("online", save);
  if (value() !== lastSaved) schedule();
  // For the exam countdown (exam.js): the text, and a way to stop editing at the deadline.
  window.quizAnswer = {
    value: value,
    form: form,
    keep: keep,
    forget: forget,
    close: function () {
      closed = true; clearTimeout(timer); clearTimeout(retry);
      if (editor) editor.setReadOnly(true);
      form.querySelectorAll("textarea, input, button").forEach(function (el) { el.readOnly = true; if (el.type === "submit" || el.type === "radio" || el.type === "button") el.disabled = true; });
    }
  };

  // --- word count (theory answers) -------------------------------------------------------------
  var words = document.getElementById("word-count");
  function countWords() {
    var n = (textarea.value.match(/\S+/g) || []).length;
    words.textContent = n === 1 ? words.dataset.one : fmt(words.dataset.many, { n: n });
  }
  if (words && textarea) { textarea.addEventListener("input", countWords); countWords(); }

  // --- pointing at lines -------------------------------------------------------------------------
  function markFromResult() {
    if (!editor) return;
    var lines = [];
    var body = resultBox.querySelector(".result-body");
    if (body && body.dataset.errorLine) lines.push(parseInt(body.dataset.errorLine, 10));
    resultBox.querySelectorAll("tr.fail .goto-line").forEach(function (a) { lines.push(parseInt(a.dataset.line, 10)); });
    editor.markLines(lines);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.goto-line, button.goto-line") : null;
    if (!link || !editor) return;
    event.preventDefault();
    editor.gotoLine(parseInt(link.dataset.line, 10));
  });

  // --- progress while grading ---------------------------------------------------------------------
  function renderProgress(data) {
    var p = data.progress || {};
    progressBox.hidden = false;
    progressBox.replaceChildren();
    var line = el("p", { "class": "statusline" });
    var status = el("span", { id: "progress-status", "class": "status status-" + data.status, "data-status": data.status }, data.status_display);
    line.appendChild(document.createTextNode(""));
    line.appendChild(status);
    if (data.status === "queued" && p.queue_position) line.appendChild(el("span", {}, " · " + fmt(strings.position, { n: p.queue_position })));
    if (typeof p.elapsed === "number") line.appendChild(el("span", { "class": "muted", "data-testid": "elapsed" }, " · " + fmt(strings.elapsed, { s: p.elapsed.toFixed(1) })));
    progressBox.appendChild(line);
    if (p.structure && p.structure.length) {
      progressBox.appendChild(el("h3", {}, strings.structure));
      var ul = el("ul", { "class": "early-checks", "data-testid": "early-checks" });
      p.structure.forEach(function (c) {
        var li = el("li", { "class": c.passed ? "pass" : "fail" }, (c.passed ? "✔ " : "✘ ") + c.message);
        ul.appendChild(li);
      });
      progressBox.appendChild(ul);
    }
    if (p.epochs && p.epochs.length) {
      progressBox.appendChild(el("h3", {}, strings.training));
      var ol = el("ol", { "class": "epochs", "data-testid": "epochs" });
      p.epochs.forEach(function (e) {
        ol.appendChild(el("li", {}, fmt(strings.epoch, {
          e: e.epoch, loss: e.loss == null ? "–" : Number(e.loss).toFixed(4), val: e.val_loss == null ? "–" : Number(e.val_loss).toFixed(4)
        })));
      });
      progressBox.appendChild(ol);
    }
  }

  var polling = null;
  function showFinished(pageUrl) {
    return fetch(pageUrl, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("result");
      // Not the finished result (an error page, a login page): the caller tries again.
      if (!fresh) throw new Error("no result on " + pageUrl);
      var attempts = doc.getElementById("attempts");
      var heading = doc.querySelector("h1");
      resultBox.replaceChildren();
      var p = el("p", { "class": "result-heading" });
      p.appendChild(el("a", { href: pageUrl }, heading ? heading.textContent : pageUrl));
      resultBox.appendChild(p);
      Array.from(fresh.childNodes).forEach(function (n) { resultBox.appendChild(document.adoptNode(n)); });
      resultBox.dataset.pending = "0";
      if (attempts) document.getElementById("attempts").replaceChildren.apply(document.getElementById("attempts"), Array.from(attempts.childNodes).map(function (n) { return document.adoptNode(n); }));
      progressBox.hidden = true;
      markFromResult();
      var body = resultBox.querySelector(".result-body");
      if (body) {
        var said = fmt(strings.announce, { n: body.dataset.attempt, status: body.dataset.statusDisplay });
        if (body.dataset.score) said += ", " + fmt(strings.points, { score: body.dataset.score });
        announce(said);
      }
    });
  }
  // Until the submission is finished AND its result is on the page: a failed answer (the network,
  // a 5xx, a 429, a page without the result) is tried again, never taken for "finished".
  function poll(api, pageUrl) {
    clearTimeout(polling);
    var delay = 300, failures = 0;
    function again() {
      failures += 1;
      polling = setTimeout(tick, Math.min(1000 * failures, 5000));
    }
    function tick() {
      fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(function (data) {
          if (data.pending) {
            failures = 0;
            renderProgress(data);
            delay = Math.min(delay * 1.15, 1000);
            polling = setTimeout(tick, delay);
            return null;
          }
          return showFinished(pageUrl);
        })
        .catch(again);
    }
    tick();
  }
  if (resultBox.dataset.pending === "1") poll(resultBox.dataset.api, resultBox.dataset.page);
  markFromResult();

  // --- submitting without leaving the page --------------------------------------------------------
  form.addEventListener("submit", function (event) {
    if (!window.fetch) return;
    event.preventDefault();
    clearTimeout(timer);
    if (editor) editor.save();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var body = {};
    body[form.dataset.field] = value();
    announce(strings.sending);
    fetch(form.dataset.api, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() }
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      button.disabled = false;
      if (!res.ok) {
        var detail = res.data.detail || Object.keys(res.data).map(function (k) { return [].concat(res.data[k]).join(" "); }).join(" ");
        progressBox.hidden = false;
        progressBox.replaceChildren(el("p", { "class": "flash error", role: "alert", "data-testid": "submit-error" }, strings.failed + ": " + detail));
        return;
      }
      lastSaved = body[form.dataset.field];
      forget(lastSaved);
      var api = form.dataset.api.replace(/items\/[^/]+\/submissions$/, "submissions/" + res.data.id);
      var page = "/submissions/" + res.data.id + "/";
      resultBox.dataset.pending = "1";
      if (editor) editor.markLines([]);
      renderProgress({ status: res.data.status, status_display: strings.queued, progress: {} });
      poll(api, page);
    }).catch(function () {
      button.disabled = false;
      progressBox.hidden = false;
      progressBox.replaceChildren(el("p", { "class": "flash error", role: "alert" }, strings.failed));
    });
  });

  // --- free example runs (not graded) -------------------------------------------------------------
  var runButton = document.getElementById("run-examples");
  if (runButton && form.dataset.examplesUrl) {
    runButton.hidden = false;
    runButton.addEventListener("click", function () {
      runButton.disabled = true;
      examplesBox.hidden = false;
      examplesBox.replaceChildren(el("h3", {}, strings.examplesTitle), el("p", { "class": "muted", "data-state": "running" }, strings.examplesRunning));
      fetch(form.dataset.examplesUrl, {
        method: "POST", credentials: "same-origin", body: new URLSearchParams({ text: value() }),
        headers: { "X-CSRFToken": csrf(), Accept: "application/json" }
      }).then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
        .then(function (res) {
          if (!res.ok) { runButton.disabled = false; showExamples({ state: "refused", message: res.data.error }); return; }
          var delay = 300;
          (function tick() {
            fetch(res.data.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
              .then(function (r) { return r.json(); })
              .then(function (run) {
                if (run.state === "running" || run.state === "queued") { delay = Math.min(delay * 1.2, 1000); setTimeout(tick, delay); return; }
                runButton.disabled = false;
                showExamples(run);
              }).catch(function () { setTimeout(tick, 2000); });
          })();
        }).catch(function () { runButton.disabled = false; });
    });
  }
  function showExamples(run) {
    examplesBox.replaceChildren(el("h3", {}, strings.examplesTitle));
    var ok = run.state === "passed";
    var text = run.state === "refused" ? run.message
      : ok ? (run.has_examples ? strings.examplesOk : strings.examplesNone)
      : run.example_line ? fmt(strings.examplesFailExample, { line: run.example_line, message: run.message })
      : run.line && run.in_code ? fmt(strings.examplesFail, { line: run.line, message: run.message })
      : fmt(strings.examplesFailNoline, { message: run.message });
    var p = el("p", { "class": ok ? "pass" : "fail", "data-testid": "examples-verdict", "data-state": run.state }, (ok ? "✔ " : "✘ ") + text);
    if (run.line && run.in_code) {
      var a = el("button", { type: "button", "class": "goto-line linklike", "data-line": run.line }, fmt(strings.goto, { n: run.line }));
      p.appendChild(document.createTextNode(" "));
      p.appendChild(a);
      if (editor) editor.markLines([run.line]);
    }
    examplesBox.appendChild(p);
    (run.models || []).forEach(function (model) {
      examplesBox.appendChild(el("h4", {}, strings.examplesModel + " – " + model.call));
      var wrap = el("div", { "class": "table-scroll" });
      var table = el("table", { "class": "model-table" });
      var head = el("tr");
      ["#", strings.layer, strings.shape, strings.params].forEach(function (h) { head.appendChild(el("th", { scope: "col" }, h)); });
      table.appendChild(el("thead")).appendChild(head);
      var tbody = el("tbody");
      (model.layers || []).forEach(function (layer, i) {
        var tr = el("tr");
        [i + 1, layer.label, layer.output_shape, layer.params].forEach(function (v) { tr.appendChild(el("td", {}, v == null ? "" : String(v))); });
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      wrap.appendChild(table);
      examplesBox.appendChild(wrap);
    });
    if (run.output) {
      examplesBox.appendChild(el("h4", {}, strings.output));
      examplesBox.appendChild(el("pre", { "class": "output" }, run.output));
    }
    announce(strings.examplesTitle + ": " + text);
  }
})();
