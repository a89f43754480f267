// The filter on indicator titles: the page works without it (sections, anchors, print).
(function () {
  var input = document.getElementById("filter");
  var count = document.getElementById("filter-count");
  if (!input || !count) { return; }
  document.getElementById("filter-form").hidden = false;
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-title]"));
  function apply() {
    var wanted = input.value.trim().toLowerCase();
    var shown = 0;
    items.forEach(function (item) {
      var match = item.getAttribute("data-title").toLowerCase().indexOf(wanted) !== -1;
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    // a theme's group or section without a matching row is hidden with it
    document.querySelectorAll("[data-group]").forEach(function (group) {
      group.hidden = wanted !== "" && !group.querySelector("[data-title]:not([hidden])");
    });
    count.textContent = wanted === "" ? "" : shown + " rijen tonen \u201c" + input.value.trim() + "\u201d";
  }
  input.addEventListener("input", apply);
})();
