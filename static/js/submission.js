// Watch a submission's status without reloading: poll the JSON API, and when grading is done
// swap in the server-rendered feedback for this page.
(function () {
  "use strict";
  var box = document.getElementById("result");
  if (!box || box.dataset.pending !== "1") return;
  var delay = 400;
  function refreshFeedback() {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("result");
        if (fresh) { box.innerHTML = fresh.innerHTML; box.dataset.pending = "0"; }
      });
  }
  function poll() {
    fetch(box.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var el = document.getElementById("status");
        if (el && data.status && el.dataset.status !== data.status) {
          el.dataset.status = data.status;
          el.className = "status status-" + data.status;
          el.textContent = data.status_display;
        }
        if (data.pending) { delay = Math.min(delay * 1.3, 3000); setTimeout(poll, delay); }
        else { refreshFeedback(); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, delay);
})();
