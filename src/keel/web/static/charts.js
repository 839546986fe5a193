/* Draw every chart on the page: each `.chart` names the JSON script holding its Plotly figure
   ({data, layout}) in data-figure; keel builds the figures server-side (keel.web.charts).
   Colours come from keel.css's custom properties, so a chart follows the light or dark scheme
   and is drawn again when the scheme changes. A figure names a colour as "var(--chart-1)". */
(function () {
  "use strict";
  var scheme = window.matchMedia("(prefers-color-scheme: dark)");

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // Replace every "var(--x)" string in a figure by the property's current value.
  function resolve(value) {
    if (typeof value === "string") {
      var match = /^var\((--[\w-]+)\)$/.exec(value);
      return match ? cssVar(match[1]) : value;
    }
    if (Array.isArray(value)) { return value.map(resolve); }
    if (value && typeof value === "object") {
      var out = {};
      Object.keys(value).forEach(function (key) { out[key] = resolve(value[key]); });
      return out;
    }
    return value;
  }

  function axis(own) {
    var ink = cssVar("--ink");
    return Object.assign({gridcolor: cssVar("--chart-grid"), linecolor: cssVar("--line"),
      zerolinecolor: cssVar("--line"), tickfont: {color: ink}}, own || {});
  }

  function themed(layout) {
    var ink = cssVar("--ink");
    var colorway = [1, 2, 3, 4, 5, 6].map(function (n) { return cssVar("--chart-" + n); });
    var base = {margin: {l: 60, r: 20, t: 10, b: 50}, font: {size: 12, color: ink},
      paper_bgcolor: cssVar("--card"), plot_bgcolor: cssVar("--card"), colorway: colorway};
    var out = Object.assign(base, layout);
    out.xaxis = axis(layout.xaxis);
    out.yaxis = axis(layout.yaxis);
    out.legend = Object.assign({font: {color: ink}}, layout.legend || {});
    return out;
  }

  function draw() {
    document.querySelectorAll(".chart[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source) { return; }
      var figure = resolve(JSON.parse(source.textContent));
      window.Plotly.react(el, figure.data, themed(figure.layout || {}), {displaylogo: false,
        responsive: true, modeBarButtonsToRemove: ["toImage", "sendDataToCloud"]});
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  scheme.addEventListener("change", draw);
})();
