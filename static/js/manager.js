// Manager pages: "select all" checkboxes and a live count of what is selected. The pages work
// without it (the "Select all" link reloads with every box ticked).
(function () {
  "use strict";

  function boxes(name) {
    return Array.prototype.slice.call(document.querySelectorAll("input[type=checkbox][name='" + name + "']"));
  }

  function refresh(name) {
    var all = boxes(name);
    var ticked = all.filter(function (b) { return b.checked; }).length;
    document.querySelectorAll("[data-select-all='" + name + "']").forEach(function (master) {
      master.checked = ticked > 0 && ticked === all.length;
      master.indeterminate = ticked > 0 && ticked < all.length;
    });
    document.querySelectorAll("[data-count-for='" + name + "']").forEach(function (out) {
      out.textContent = ticked + " of " + all.length + " selected";
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var group = target.getAttribute && target.getAttribute("data-select-all");
    if (group) {
      boxes(group).forEach(function (b) { b.checked = target.checked; });
      refresh(group);
    } else if (target.name) {
      refresh(target.name);
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-select-all-link]");
    if (!link) return;
    var master = document.querySelector("[data-select-all]");
    if (!master) return;
    event.preventDefault();
    master.checked = true;
    master.dispatchEvent(new Event("change", { bubbles: true }));
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-select-all]").forEach(function (master) {
      refresh(master.getAttribute("data-select-all"));
    });
  });
})();
