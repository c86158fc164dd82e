// Specialist workspace glue. Everything works without it: every detail field shows and the
// server checks what each outcome needs. With it, only the fields the chosen outcome needs show.
(function () {
  "use strict";

  function syncOutcome(form) {
    var checked = form.querySelector("input[name='outcome']:checked");
    var value = checked ? checked.value : "";
    form.querySelectorAll("[data-show-for]").forEach(function (box) {
      var wanted = box.getAttribute("data-show-for").split(" ");
      box.hidden = wanted.indexOf(value) === -1;
    });
  }

  function init(root) {
    (root || document).querySelectorAll("form.call-form").forEach(function (form) {
      syncOutcome(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "outcome") syncOutcome(form);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
