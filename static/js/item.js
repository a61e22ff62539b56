// The answer form: a CodeMirror editor for code, and a draft saved as the student types.
// What is typed is also kept in the browser (localStorage) until the server has it, so text
// typed while the network is down is sent when it is back, and survives a reload or a crash.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) return;
  var textarea = document.getElementById("id_text");
  var status = document.getElementById("draft-status");
  var editor = null;
  if (form.dataset.kind === "code" && window.CodeMirror) {
    editor = CodeMirror.fromTextArea(textarea, {
      mode: "python", lineNumbers: true, indentUnit: 4, tabSize: 4, indentWithTabs: false,
      matchBrackets: true, viewportMargin: Infinity,
      extraKeys: { Tab: function (cm) { cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab"); } }
    });
    window.quizEditor = editor;
  }
  function value() {
    if (editor) return editor.getValue();
    if (textarea) return textarea.value;
    var checked = form.querySelector("input[name=text]:checked");
    return checked ? checked.value : "";
  }
  function setValue(text) {
    if (editor) editor.setValue(text);
    else if (textarea) textarea.value = text;
  }
  function csrf() { return form.querySelector("input[name=csrfmiddlewaretoken]").value; }
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
  function show(state, text) { status.dataset.state = state; status.textContent = text; }
  // What the server rendered is what is saved; text typed before this script ran (a slow page)
  // differs from it and is saved at once below.
  var timer = null, retry = null, lastSaved = editor ? value() : (textarea ? textarea.defaultValue : value());
  var saving = false, closed = false;
  function save() {
    var text = value();
    clearTimeout(retry);
    if (closed || saving) return;
    if (text === lastSaved) { forget(text); return; }
    saving = true;
    var body = new URLSearchParams({ text: text });
    fetch(form.dataset.draftUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" }
    }).then(function (r) { return r.json(); }).then(function (data) {
      saving = false;
      if (data.saved) {
        lastSaved = text; forget(text);
        show(value() === text ? "saved" : "dirty", status.dataset.saved || "✓");
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
    clearTimeout(timer); timer = setTimeout(save, 800); status.dataset.state = "dirty";
  }
  var earlier = stored();
  if (earlier && typeof earlier.text === "string" && earlier.text !== value() && form.dataset.kind !== "choice") {
    if (earlier.base === undefined || earlier.base === lastSaved) {
      setValue(earlier.text);  // unsent text from an earlier visit (offline, crash, reload)
      show("restored", form.dataset.restored || "↺");
    } else {
      // The server has a newer draft (typed on another computer): offer the browser's text.
      var button = document.createElement("button");
      button.type = "button"; button.dataset.testid = "restore-local";
      button.textContent = form.dataset.restoreLocal || "↺";
      button.addEventListener("click", function () { setValue(earlier.text); button.remove(); schedule(); });
      status.parentNode.insertBefore(button, status);
    }
  }
  if (editor) { editor.on("change", schedule); }
  else { form.addEventListener("input", schedule); form.addEventListener("change", schedule); }
  window.addEventListener("online", save);
  if (value() !== lastSaved) { schedule(); }
  form.addEventListener("submit", function () { if (editor) editor.save(); clearTimeout(timer); });
  // For the exam countdown (exam.js): the text, and a way to stop editing at the deadline.
  window.quizAnswer = {
    value: value,
    form: form,
    keep: keep,
    forget: forget,
    close: function () {
      closed = true; clearTimeout(timer); clearTimeout(retry);
      if (editor) editor.setOption("readOnly", "nocursor");
      form.querySelectorAll("textarea, input, button").forEach(function (el) { el.readOnly = true; if (el.type === "submit" || el.type === "radio") el.disabled = true; });
    }
  };
})();
