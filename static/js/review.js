// Review queue keys: "a" accepts the selected answer (submits its visible accept form), "j"/"k"
// (or the arrow keys) move the selection. Keys typed into a field are left alone.
(function () {
  "use strict";
  var cards = Array.prototype.slice.call(document.querySelectorAll(".review-card"));
  if (!cards.length) return;
  var current = 0;
  function select(i) {
    if (i < 0 || i >= cards.length) return;
    cards[current].classList.remove("selected");
    current = i;
    cards[current].classList.add("selected");
    cards[current].scrollIntoView({ block: "nearest" });
  }
  cards.forEach(function (card, i) {
    card.addEventListener("focusin", function () { select(i); });
    card.addEventListener("click", function () { select(i); });
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
    if (e.key === "a") {
      e.preventDefault();
      var form = cards[current].querySelector("form.accept-form");
      if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
    } else if (e.key === "j" || e.key === "ArrowDown" || e.key === "ArrowRight") {
      e.preventDefault(); select(current + 1);
    } else if (e.key === "k" || e.key === "ArrowUp" || e.key === "ArrowLeft") {
      e.preventDefault(); select(current - 1);
    }
  });
})();
