// Review queue keys, active only while the list (an answer in it) has focus: "a" confirms the
// focused answer (submits its accept form; the page then offers an undo), "j"/"k" or the arrow
// keys move to the next/previous answer. Keys typed into a field are left alone.
(function () {
  "use strict";
  var grid = document.getElementById("review");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".review-card"));
  if (!grid || !cards.length) return;
  var current = 0;
  function select(i, focus) {
    if (i < 0 || i >= cards.length) return;
    cards[current].classList.remove("selected");
    current = i;
    cards[current].classList.add("selected");
    if (focus) cards[current].focus();
    cards[current].scrollIntoView({ block: "nearest" });
  }
  cards.forEach(function (card, i) {
    card.addEventListener("focusin", function () { select(i, false); });
    card.addEventListener("click", function () { select(i, false); });
  });
  grid.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.tagName === "BUTTON" || t.tagName === "SUMMARY" || t.isContentEditable)) return;
    if (e.key === "a") {
      e.preventDefault();
      var form = cards[current].querySelector("form.accept-form");
      if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
    } else if (e.key === "j" || e.key === "ArrowDown" || e.key === "ArrowRight") {
      e.preventDefault(); select(current + 1, true);
    } else if (e.key === "k" || e.key === "ArrowUp" || e.key === "ArrowLeft") {
      e.preventDefault(); select(current - 1, true);
    }
  });
})();
