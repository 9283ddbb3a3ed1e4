/* Cookie banner and settings, enhanced: the same forms post without a page reload.

   Without this script everything still works (plain form posts, server-side decisions).
   With it, a choice is posted as JSON and applied at once: accepting loads Google
   Analytics; refusing or withdrawing sets Google's documented `ga-disable-<id>` switch and
   deletes the _ga cookies in the browser too (the server also expires them). PECR reg. 6;
   UK GDPR Art. 7(3): withdrawing is as easy as giving. */
(function () {
  "use strict";
  var script = document.currentScript;
  var measurementId = (script && script.getAttribute("data-measurement-id")) || "";
  var bootstrapUrl = (script && script.getAttribute("data-bootstrap")) || "";

  function isAnalyticsCookie(name) {
    return name === "_ga" || name === "_gid" || name.indexOf("_ga_") === 0 ||
      name.indexOf("_gat") === 0;
  }

  function cookieDomains() {
    var host = location.hostname;
    var domains = [""];
    if (host.indexOf(".") === -1 || /^[\d.]+$/.test(host) || host.indexOf(":") !== -1) {
      return domains;
    }
    domains.push(host);
    var labels = host.split(".");
    if (labels.length >= 3) {
      domains.push(labels.slice(1).join("."));
    }
    return domains;
  }

  function removeAnalyticsCookies() {
    var names = document.cookie.split(";").map(function (part) {
      return part.split("=")[0].trim();
    }).filter(isAnalyticsCookie);
    names.forEach(function (name) {
      cookieDomains().forEach(function (domain) {
        document.cookie = name + "=; Max-Age=0; path=/" + (domain ? "; domain=" + domain : "");
      });
    });
  }

  function disableAnalytics() {
    if (measurementId) {
      window["ga-disable-" + measurementId] = true;
    }
    removeAnalyticsCookies();
  }

  function enableAnalytics(id) {
    window["ga-disable-" + id] = false;
    if (document.querySelector("script[data-ga-tag]")) {
      return;
    }
    var bootstrap = document.createElement("script");
    bootstrap.src = bootstrapUrl;
    bootstrap.setAttribute("data-ga-tag", "");
    bootstrap.setAttribute("data-measurement-id", id);
    bootstrap.async = false;
    var tag = document.createElement("script");
    tag.src = "https://www.googletagmanager.com/gtag/js?id=" + encodeURIComponent(id);
    tag.setAttribute("data-ga-tag", "");
    tag.async = true;
    // Google's tag reads window.dataLayer when it runs, so it is added only once the
    // bootstrap that defines it has run (an async tag can otherwise overtake it).
    bootstrap.addEventListener("load", function () {
      document.body.appendChild(tag);
    });
    document.body.appendChild(bootstrap);
  }

  function apply(answer) {
    if (answer.analytics && answer.measurement_id) {
      enableAnalytics(answer.measurement_id);
    } else if (!answer.analytics) {
      disableAnalytics();
    }
  }

  function confirmBanner(banner, message) {
    var question = banner.querySelector("[data-cookie-question]");
    var status = banner.querySelector("[data-cookie-status]");
    var text = banner.querySelector("[data-cookie-message]");
    if (!question || !status || !text) {
      banner.hidden = true;
      return;
    }
    text.textContent = message + " You can ";
    var link = document.createElement("a");
    link.href = "/cookies";
    link.textContent = "change your cookie settings";
    text.appendChild(link);
    text.appendChild(document.createTextNode(" at any time."));
    question.hidden = true;
    status.hidden = false;
    status.focus();
  }

  function confirmSettings() {
    var saved = document.querySelector("[data-cookie-saved]");
    if (saved) {
      saved.hidden = false;
      saved.focus();
    }
  }

  function submitPlainly(form, submitter) {
    form.setAttribute("data-plain", "");
    if (form.requestSubmit) {
      form.requestSubmit(submitter || undefined);
    } else {
      form.submit();
    }
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.hasAttribute("data-cookie-form") || form.hasAttribute("data-plain") ||
        !window.fetch) {
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    var data = new URLSearchParams(new FormData(form));
    if (submitter && submitter.name) {
      data.set(submitter.name, submitter.value);
    }
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("choice not saved");
      }
      return response.json();
    }).then(function (answer) {
      apply(answer);
      var banner = form.closest("[data-cookie-banner]");
      if (banner) {
        confirmBanner(banner, answer.message);
      } else {
        confirmSettings();
      }
    }).catch(function () {
      submitPlainly(form, submitter);
    });
  }

  document.addEventListener("submit", onSubmit);
  document.addEventListener("click", function (event) {
    var hide = event.target.closest && event.target.closest("[data-cookie-hide]");
    if (hide) {
      var banner = hide.closest("[data-cookie-banner]");
      if (banner) {
        banner.hidden = true;
      }
      var main = document.getElementById("main");
      if (main) {
        main.focus();
      }
    }
  });
})();
