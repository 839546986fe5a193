/* Draw every chart on the page: each `.chart` names the JSON script holding its Plotly figure
   ({data, layout}) in data-figure; keel builds the figures server-side (keel.web.charts). */
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll(".chart[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      var layout = Object.assign({margin: {l: 60, r: 20, t: 10, b: 50}, font: {size: 12}}, figure.layout || {});
      window.Plotly.newPlot(el, figure.data, layout, {displaylogo: false, responsive: true,
        modeBarButtonsToRemove: ["toImage", "sendDataToCloud"]});
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
