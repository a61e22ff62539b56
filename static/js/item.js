// The answer form: a CodeMirror editor for code, and a draft saved as the student types.
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
  function value() { return editor ? editor.getValue() : textarea.value; }
  function csrf() { return form.querySelector("input[name=csrfmiddlewaretoken]").value; }
  // What the server rendered is what is saved; text typed before this script ran (a slow page)
  // differs from it and is saved at once below.
  var timer = null, lastSaved = editor ? value() : textarea.defaultValue;
  function save() {
    var text = value();
    if (text === lastSaved) return;
    var body = new URLSearchParams({ text: text });
    fetch(form.dataset.draftUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf() }
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.saved) { lastSaved = text; status.textContent = status.dataset.saved || "✓"; status.dataset.state = "saved"; }
      else { status.textContent = data.error; status.dataset.state = "error"; }
    }).catch(function () { status.textContent = "…"; });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(save, 800); status.dataset.state = "dirty"; }
  if (editor) { editor.on("change", schedule); } else { textarea.addEventListener("input", schedule); }
  if (value() !== lastSaved) { schedule(); }
  form.addEventListener("submit", function () { if (editor) editor.save(); clearTimeout(timer); });
})();
