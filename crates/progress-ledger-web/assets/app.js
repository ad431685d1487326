// The dashboard's tree: "expand all" and "collapse all". Everything else is plain HTML.
"use strict";
document.querySelectorAll("button[data-toggle]").forEach(function (button) {
  button.addEventListener("click", function () {
    var open = button.dataset.toggle === "open";
    document.querySelectorAll("#tree details.task, #tree details.category").forEach(function (d) {
      d.open = open || !d.classList.contains("task");
    });
  });
});
