// Exam countdown: the student's own deadline in server time, warnings at 5 and 1 minutes (shown
// and announced through an aria-live region), and at zero the answer is submitted automatically.
// If the network is down at zero, the text stays in the browser and is sent when it is back.
(function () {
  "use strict";
  var box = document.getElementById("exam-countdown");
  if (!box) return;
  var clock = document.getElementById("exam-clock");
  var warning = document.getElementById("exam-warning");
  var live = document.getElementById("exam-live");
  var deadline = Number(box.dataset.deadlineMs);
  // The browser's clock may be wrong: count with the server's time of the page's rendering.
  var offset = Number(box.dataset.serverNowMs) - Date.now();
  var warned5 = false, warned1 = false, finishing = false, finished = false;
  function now() { return Date.now() + offset; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ":" + pad(m) : m) + ":" + pad(sec);
  }
  function announce(text, level) {
    warning.hidden = false;
    warning.textContent = text;
    box.dataset.level = level;
    live.textContent = text;
  }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function finish() {
    if (finished) return;
    finishing = true;
    var answer = window.quizAnswer;
    var text = answer ? answer.value() : "";
    if (answer) { answer.keep(text); answer.close(); }
    fetch(box.dataset.finalUrl, {
      method: "POST", credentials: "same-origin", body: new URLSearchParams({ text: text }),
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" }
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.saved && data.retry_after > 0) {  // the server's zero is a moment away
        setTimeout(finish, Math.ceil(data.retry_after * 1000) + 200);
        return;
      }
      finished = true;
      if (answer) answer.forget(text);
      box.dataset.state = "submitted";
      announce(data.saved ? box.dataset.msgDone : data.error, "over");
      if (data.submitted && data.submitted.length) {
        var link = document.createElement("a");
        link.href = data.submitted[0].url; link.textContent = "→"; link.dataset.testid = "exam-submitted-link";
        warning.appendChild(document.createTextNode(" ")); warning.appendChild(link);
      }
    }).catch(function () {
      box.dataset.state = "offline";
      announce(box.dataset.msgOffline, "over");
      setTimeout(finish, 3000);
    });
  }
  window.addEventListener("online", function () { if (finishing && !finished) finish(); });
  function tick() {
    var left = deadline - now();
    clock.textContent = format(left);
    if (left <= 0) {
      box.classList.add("over");
      if (!finishing) { announce(box.dataset.msgOver, "over"); finish(); }
      return;
    }
    if (left <= 60000 && !warned1) { warned1 = warned5 = true; announce(box.dataset.msgOne, "1"); }
    else if (left <= 300000 && !warned5) { warned5 = true; announce(box.dataset.msgFive, "5"); }
    setTimeout(tick, Math.min(1000, left % 1000 || 1000));
  }
  tick();
})();
