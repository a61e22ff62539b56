// The code editor of the platform: CodeMirror with the options the students' answer form uses
// (static/js/item.js), for every <textarea data-code> on the authoring pages.
(function () {
  "use strict";
  function makeEditor(textarea, readOnly) {
    return CodeMirror.fromTextArea(textarea, {
      mode: textarea.dataset.code || "python", lineNumbers: true, indentUnit: 4, tabSize: 4,
      indentWithTabs: false, matchBrackets: true, viewportMargin: Infinity, readOnly: !!readOnly,
      extraKeys: { Tab: function (cm) { cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab"); } }
    });
  }
  window.quizMakeEditor = makeEditor;
  if (!window.CodeMirror) return;
  // Editors by field name, so the browser test (and a teacher's console) can reach them.
  window.quizEditors = {};
  document.querySelectorAll("textarea[data-code]").forEach(function (textarea) {
    window.quizEditors[textarea.name] = makeEditor(textarea, textarea.hasAttribute("readonly"));
  });
  // Each kind shows its own fieldsets (data-kind-only lists the kinds, space-separated).
  var kind = document.getElementById("id_kind");
  function showKind() {
    var value = kind ? kind.value : document.body.dataset.kind;
    document.querySelectorAll("[data-kind-only]").forEach(function (el) {
      el.hidden = value && el.dataset.kindOnly.split(" ").indexOf(value) < 0;
    });
    Object.keys(window.quizEditors).forEach(function (k) { window.quizEditors[k].refresh(); });
  }
  if (kind) { kind.addEventListener("change", showKind); showKind(); }
})();
