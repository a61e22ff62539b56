// The weight table of the item editor (templates/authoring/_weights.html): as a teacher types a
// weight or the item's points, each requirement's share of the points and the sum are shown
// again, the way grader/requirements.py shares them (points x weight / sum of weights). Without
// JavaScript the page shows the shares of the saved draft; saving checks the numbers either way.
(function () {
  "use strict";
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input[data-weight]"));
  if (!inputs.length) { return; }
  var pointsInput = document.getElementById("id_points");
  var total = document.querySelector("[data-weight-total]");
  var pointsTotal = document.querySelector("[data-points-total]");
  var rescaled = document.querySelector("[data-weights-rescaled]");
  var lang = document.documentElement.lang || "sv";

  function number(text) {
    var value = parseFloat(String(text).replace(",", "."));
    return isFinite(value) && value >= 0 ? value : NaN;
  }
  function show(value) {
    return isFinite(value) ? (Math.round(value * 100) / 100).toLocaleString(lang) : "–";
  }
  function update() {
    var points = pointsInput ? number(pointsInput.value) : NaN;
    var weights = inputs.map(function (input) { return number(input.value); });
    var valid = weights.every(isFinite);
    var sum = valid ? weights.reduce(function (a, b) { return a + b; }, 0) : NaN;
    inputs.forEach(function (input, i) {
      var cell = document.querySelector('[data-share-for="' + CSS.escape(input.dataset.weight) + '"]');
      if (cell) { cell.textContent = valid && sum > 0 ? show(points * weights[i] / sum) : "–"; }
    });
    if (total) { total.textContent = show(sum); }
    if (pointsTotal) { pointsTotal.textContent = show(points); }
    if (rescaled) { rescaled.hidden = !(isFinite(sum) && isFinite(points) && Math.abs(sum - points) > 1e-9); }
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  if (pointsInput) { pointsInput.addEventListener("input", update); }
  update();
})();
