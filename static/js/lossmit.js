// Lossmit page glue. Everything works without it; it only improves the htmx experience.
(function () {
  "use strict";

  function showMessage(text, level) {
    var box = document.getElementById("messages");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "alert alert-" + (level || "error");
    p.textContent = text;
    box.replaceChildren(p);
  }

  // htmx does not swap 403/500 answers; say so instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      showMessage("Your role does not allow this action. Nothing was changed.");
    } else if (status === 404) {
      showMessage("That record no longer exists. Reload the page.");
    } else {
      showMessage("Something went wrong (" + status + "). Reload the page and check the ledger before trying again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showMessage("Lossmit could not be reached. Check your connection and try again.");
  });

  // After a form comes back with errors, put the keyboard on the first bad field. (The swap
  // replaced the old element, so look the new one up in the document.)
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.xhr || event.detail.xhr.status !== 400) return;
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) invalid.focus();
  });
})();
