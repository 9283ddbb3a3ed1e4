/* Google Analytics bootstrap: the part of Google's snippet that is usually inline, kept as
   a first-party file so the Content Security Policy needs no 'unsafe-inline'. The server
   renders it (and loads it from cookies.js) only after the visitor has allowed analytics
   cookies (PECR reg. 6). Google signals and ad personalisation are switched off: the
   policy promises Google may not use our analytics data for its own purposes. */
(function () {
  "use strict";
  var script = document.currentScript;
  var id = script && script.getAttribute("data-measurement-id");
  if (!id) {
    return;
  }
  window.dataLayer = window.dataLayer || [];
  function gtag() {
    window.dataLayer.push(arguments);
  }
  window.gtag = window.gtag || gtag;
  window.gtag("js", new Date());
  window.gtag("config", id, {
    allow_google_signals: false,
    allow_ad_personalization_signals: false
  });
})();
