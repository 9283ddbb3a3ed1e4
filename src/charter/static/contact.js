/* Contact form: warn before sending a message that looks like special-category data.
 *
 * Progressive enhancement only (the server runs the same check and re-renders with the
 * same warning when this script does not run). Served as a file because the
 * Content-Security-Policy forbids inline script. On submit the message is posted to
 * /contact/screen (CSRF token in a header); nothing is stored there. If the message is
 * flagged, the warning is shown, focus returns to the message so the person can edit it,
 * and the hidden "confirmed_special" field is set: pressing "Send message" again sends it.
 */
(function () {
  "use strict";
  var form = document.getElementById("contact-form");
  if (!form || !window.fetch) { return; }
  var message = document.getElementById("message");
  var confirmed = document.getElementById("confirmed_special");
  var panel = document.getElementById("message-warning");
  var panelText = document.getElementById("message-warning-text");
  var token = form.querySelector("input[name=csrf_token]");
  var screenUrl = form.getAttribute("data-screen-url");
  var checked = false;

  function describe(show) {
    var ids = (message.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== "message-warning";
    });
    if (show) { ids.push("message-warning"); }
    message.setAttribute("aria-describedby", ids.join(" "));
  }

  function send() {
    checked = true;
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  form.addEventListener("submit", function (event) {
    if (checked || confirmed.value === "1" || !message.value.trim()) { return; }
    event.preventDefault();
    fetch(screenUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": token ? token.value : ""
      },
      body: JSON.stringify({ message: message.value })
    }).then(function (response) {
      return response.ok ? response.json() : { flagged: false };
    }).then(function (result) {
      if (result.flagged) {
        panelText.textContent = result.warning;
        panel.hidden = false;
        confirmed.value = "1";
        describe(true);
        message.focus();
      } else {
        send();
      }
    }).catch(send);
  });
})();
