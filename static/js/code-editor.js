// The code editor of the platform (CodeMirror 6, static/build/editor.js) for every
// <textarea data-code> on the authoring pages, with the options of the students' workspace.
(function () {
  "use strict";
  function makeEditor(textarea, readOnly) {
    return window.QuizEditor.create(textarea, { readOnly: !!readOnly });
  }
  window.quizMakeEditor = makeEditor;
  // Editors by field name, so the browser test (and a teacher's console) can reach them.
  window.quizEditors = {};
  if (window.QuizEditor) {
    document.querySelectorAll("textarea[data-code]").forEach(function (textarea) {
      window.quizEditors[textarea.name] = makeEditor(textarea, textarea.hasAttribute("readonly"));
    });
  }
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
