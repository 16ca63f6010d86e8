// Stacked bars of installations by lifecycle state on the first of each coming month.
(function () {
  "use strict";
  var source = document.getElementById("lifecycle-data");
  var canvas = document.getElementById("lifecycle-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = { supported: "#4f9d69", ending_soon: "#e0a526", unsupported: "#c2452d" };
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series) {
        return { label: series.label, data: series.values, backgroundColor: colours[series.state] };
      })
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
    }
  });
})();
