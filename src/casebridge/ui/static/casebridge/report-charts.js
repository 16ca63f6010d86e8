// The report dashboard's charts: each <canvas data-chart="ID"> draws the JSON in <script id="ID">
// (labels, series of values with a colour; stacked, horizontal, percent). The same numbers are
// in the table beside each chart.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var valueAxis = { stacked: !!data.stacked, beginAtZero: true, ticks: { precision: 0 } };
    if (data.percent) { valueAxis.max = 100; }
    var labelAxis = { stacked: !!data.stacked, ticks: { autoSkip: false } };
    new Chart(canvas, {
      type: data.type || "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series) {
          return { label: series.label, data: series.values, backgroundColor: series.colour };
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: data.horizontal ? "y" : "x",
        plugins: { legend: { display: data.series.length > 1 } },
        scales: data.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis }
      }
    });
  });
})();
