/* Public forms: move focus to the error summary when a form comes back with errors, and
 * make each summary link put focus in its field (GOV.UK error summary pattern), so
 * keyboard and screen-reader users land on the problem. A file, not inline script: the
 * Content-Security-Policy forbids inline script.
 */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) { return; }
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });
})();
