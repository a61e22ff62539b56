// Regrade progress: poll the batch's JSON until every submission is graded, then reload once
// to show the new results.
(function () {
  "use strict";
  var box = document.getElementById("regrade-progress");
  if (!box || box.dataset.finished === "1") return;
  var bar = box.querySelector("progress"), label = box.querySelector("[data-testid=progress]");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.max = p.total; bar.value = p.done; label.textContent = p.done + " / " + p.total;
        if (p.finished) { window.location.reload(); } else { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
