// The platform's code editor: CodeMirror 6, bundled by esbuild at install time
// (scripts/install.sh -> static/build/editor.js, not committed). Every <textarea data-code>
// (and the students' answer box, see static/js/workspace.js) becomes an editor; the textarea stays
// in the form, hidden, and carries the text, so the page still works without JavaScript.
//
// Keyboard: Tab indents (indentWithTab); Escape then Tab leaves the editor (CodeMirror's
// documented convention, said in the help text next to each editor).
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, Decoration, GutterMarker, gutter } from "@codemirror/view";
import { EditorState, StateEffect, StateField, RangeSet, Compartment } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { syntaxHighlighting, HighlightStyle, indentUnit, bracketMatching } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";

// Lines the last result pointed at (an error, a check): a line class and a gutter mark.
const setMarks = StateEffect.define();
const errorLine = Decoration.line({ attributes: { class: "cm-error-line" } });
class ErrorMarker extends GutterMarker {
  toDOM() { const s = document.createElement("span"); s.textContent = "✘"; s.className = "cm-error-marker"; return s; }
}
const errorMarker = new ErrorMarker();
const marks = StateField.define({
  create() { return { lines: Decoration.none, gutter: RangeSet.empty }; },
  update(value, tr) {
    let out = { lines: value.lines.map(tr.changes), gutter: value.gutter.map(tr.changes) };
    for (const e of tr.effects) {
      if (!e.is(setMarks)) continue;
      const doc = tr.state.doc;
      const lines = e.value.filter((n) => n >= 1 && n <= doc.lines).sort((a, b) => a - b);
      const starts = [...new Set(lines)].map((n) => doc.line(n).from);
      out = {
        lines: Decoration.set(starts.map((p) => errorLine.range(p))),
        gutter: RangeSet.of(starts.map((p) => errorMarker.range(p))),
      };
    }
    return out;
  },
  provide: (f) => [EditorView.decorations.from(f, (v) => v.lines)],
});
const markGutter = gutter({ class: "cm-mark-gutter", markers: (v) => v.state.field(marks).gutter });

// Colours with at least 4.5:1 contrast on white, on the active line and on a marked (error) line
// (CodeMirror's default style has some below that).
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword], color: "#6f1d9b" },
  { tag: [t.string, t.special(t.string)], color: "#0a5c0a" },
  { tag: [t.comment, t.lineComment, t.blockComment], color: "#535353", fontStyle: "italic" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "#0b4f8a" },
  { tag: [t.function(t.definition(t.variableName)), t.definition(t.className)], color: "#114a8b", fontWeight: "bold" },
  { tag: [t.className, t.standard(t.variableName)], color: "#7a3e00" },
  { tag: t.invalid, color: "#a1001b" },
]);

const theme = EditorView.theme({
  "&": { fontSize: "15px", border: "1px solid #767676", borderRadius: "4px", background: "#fff" },
  "&.cm-focused": { outline: "3px solid #1a5fb4", outlineOffset: "1px" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", minHeight: "18em" },
  // The editor grows with its text (no inner vertical scroll): the page scrolls, as with any text.
  ".cm-scroller": { overflow: "auto" },
  // Line numbers: #595959 on #f3f3f3 is 6.4:1 (WCAG AA needs 4.5:1).
  ".cm-gutters": { background: "#f3f3f3", color: "#595959", borderRight: "1px solid #ccc" },
  ".cm-error-line": { background: "#fde7e9" },
  ".cm-error-marker": { color: "#b00020", fontWeight: "bold", padding: "0 2px" },
});

// The page's CSP allows the editor's <style> by this nonce (quizplatform/middleware.py).
const nonce = (document.currentScript && document.currentScript.nonce) || "";

function create(textarea, options = {}) {
  const label = options.label || textarea.getAttribute("aria-label") ||
    (textarea.labels && textarea.labels[0] ? textarea.labels[0].textContent.trim() : "Code");
  const listeners = [];
  const readOnly = !!options.readOnly;
  const readOnlyState = new Compartment();
  const extensions = [
    lineNumbers(), markGutter, highlightActiveLineGutter(), history(), drawSelection(),
    indentUnit.of("    "), EditorState.tabSize.of(4), bracketMatching(), closeBrackets(),
    highlightActiveLine(), highlightSelectionMatches(), python(),
    syntaxHighlighting(highlight),
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, indentWithTab]),
    marks, theme, EditorView.lineWrapping, EditorView.cspNonce.of(nonce),
    EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true" }),
    // Read-only stays focusable (not editable=false), so a keyboard user can scroll and read it.
    readOnlyState.of(EditorState.readOnly.of(readOnly)),
    EditorView.updateListener.of((u) => {
      if (!u.docChanged) return;
      textarea.value = u.state.doc.toString();
      listeners.forEach((fn) => fn());
    }),
  ];
  // How to leave the editor, said once next to it (the text comes translated from base.html).
  let help = null;
  const helpText = document.body.dataset.editorHelp;
  if (helpText && !readOnly) {
    help = document.createElement("p");
    help.className = "editor-help muted";
    help.id = (textarea.id || textarea.name || "editor") + "-help";
    help.textContent = helpText;
  }
  const describedBy = [textarea.getAttribute("aria-describedby"), help && help.id].filter(Boolean).join(" ");
  if (describedBy) extensions.push(EditorView.contentAttributes.of({ "aria-describedby": describedBy }));
  const view = new EditorView({ doc: textarea.value, extensions });
  textarea.parentNode.insertBefore(view.dom, textarea);
  if (help) textarea.parentNode.insertBefore(help, textarea);
  textarea.hidden = true;
  textarea.dataset.enhanced = "1";
  if (textarea.id) view.dom.dataset.for = textarea.id;
  // A label that pointed at the textarea now focuses the editor.
  if (textarea.labels) {
    Array.from(textarea.labels).forEach((l) => l.addEventListener("click", (e) => { e.preventDefault(); view.focus(); }));
  }
  const api = {
    view,
    getValue: () => view.state.doc.toString(),
    setValue(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    on(event, fn) { if (event === "change") listeners.push(fn); },
    refresh() { view.requestMeasure(); },
    focus() { view.focus(); },
    save() { textarea.value = view.state.doc.toString(); },
    setReadOnly(on) { view.dispatch({ effects: readOnlyState.reconfigure(EditorState.readOnly.of(!!on)) }); },
    markLines(lines) { view.dispatch({ effects: setMarks.of(lines || []) }); },
    gotoLine(n) {
      const doc = view.state.doc;
      const line = doc.line(Math.min(Math.max(1, n), doc.lines));
      view.dispatch({ selection: { anchor: line.from }, effects: EditorView.scrollIntoView(line.from, { y: "center" }) });
      view.focus();
    },
  };
  return api;
}

window.QuizEditor = { create };
