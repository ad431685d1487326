// An indicator's trail as a chart, drawn by Apache ECharts (vendored, SVG renderer) from the
// data the server put in #chart-data: one point per event that counts, the target as a dashed
// line, corrections (▼) and target revisions (◆) marked. Clicking a point or a mark goes to its
// event in the table below.
"use strict";
(function () {
  var element = document.getElementById("chart");
  var source = document.getElementById("chart-data");
  if (!element || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var unit = data.unit || "";
  var points = data.points.map(function (p) {
    return { value: [p.x, p.y], id: p.id, seq: p.seq, detail: p.label, actor: p.actor };
  });
  var marks = [];
  data.corrections.forEach(function (c) {
    marks.push({
      name: "更正", coord: [c.x, c.y === null ? 0 : c.y], id: c.id, seq: c.seq, detail: c.label,
      symbol: "pin", symbolSize: 38, itemStyle: { color: "#cf222e" },
      label: { show: true, formatter: "更正", color: "#fff", fontSize: 10 }
    });
  });
  data.revisions.forEach(function (r) {
    marks.push({
      name: "目标调整", coord: [r.x, r.y], id: r.id, seq: r.seq, detail: r.label,
      symbol: "diamond", symbolSize: 14, itemStyle: { color: "#8250df" },
      label: { show: true, position: "top", formatter: "目标调整", color: "#8250df", fontSize: 11 }
    });
  });
  var lines = [];
  if (data.target !== null) {
    lines.push({ name: "目标", yAxis: data.target, lineStyle: { type: "dashed", color: "#1a7f37", width: 2 },
      label: { formatter: "目标 {c}", position: "insideEndTop", color: "#1a7f37" } });
  }
  if (data.original_target !== null) {
    lines.push({ name: "原目标", yAxis: data.original_target, lineStyle: { type: "dotted", color: "#8c959f" },
      label: { formatter: "原目标 {c}", position: "insideStartTop", color: "#59636e" } });
  }
  var period = data.period || [null, null];
  var chart = echarts.init(element, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 56, right: 24, top: 36, bottom: 36, containLabel: true },
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        var d = p.data || {};
        var where = d.seq ? "事件 #" + d.seq : "";
        var value = Array.isArray(d.value) ? d.value[0] + "：" + d.value[1] + " " + unit : "";
        return [where, value, d.detail || p.name, d.actor || ""].filter(Boolean).join("<br>");
      }
    },
    xAxis: { type: "time", min: period[0], max: period[1], axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", name: unit, scale: false },
    series: [{
      name: "数值", type: "line", step: false, data: points, symbol: "circle", symbolSize: 9,
      lineStyle: { width: 2, color: "#0969da" }, itemStyle: { color: "#0969da" },
      markLine: { symbol: "none", silent: true, data: lines },
      markPoint: { data: marks }
    }]
  });
  chart.on("click", function (p) {
    var id = p.data && p.data.id;
    if (id) location.hash = "e-" + id;
  });
  window.addEventListener("resize", function () { chart.resize(); });
  element.dataset.rendered = "true";
})();
