// Behaviour every page shares: confirmation of destructive forms, dismissable alerts, and
// word of what an htmx form that replaced its part of the page did.
// Handlers are attached here, never inline: the Content-Security-Policy forbids inline script.
(function () {
  "use strict";

  document.addEventListener(
    "submit",
    function (event) {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    },
    true,
  );

  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-dismiss-alert]") : null;
    if (button) {
      button.closest(".alert").remove();
    }
  });

  // An htmx form with `data-done` replaces the part of the page it sits in (hiding a
  // company, say), itself included: once that worked, say so in the alert region
  // (`{company}` is the form's company field) and move focus to `data-focus`, if given,
  // rather than leave it on a button that is gone.
  const handled = new WeakSet();

  function success(message) {
    const alerts = document.getElementById("alerts");
    const alert = document.createElement("div");
    alert.className = "alert alert-success";
    alert.setAttribute("role", "status");
    const text = document.createElement("p");
    text.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "alert-close";
    close.dataset.dismissAlert = "";
    close.textContent = "Dismiss";
    alert.append(text, close);
    alerts.replaceChildren(alert);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    const detail = event.detail || {};
    const form = detail.requestConfig ? detail.requestConfig.elt : null;
    const xhr = detail.xhr;
    if (!(form instanceof HTMLFormElement) || !form.dataset.done || !xhr || handled.has(xhr)) {
      return;
    }
    handled.add(xhr);
    if (xhr.status >= 300) {
      return; // the error is already in the alert region
    }
    const company = form.elements.namedItem("company");
    const name = company && "value" in company ? company.value.trim().replace(/\s+/g, " ") : "";
    success(form.dataset.done.replace("{company}", name));
    const target = form.dataset.focus ? document.querySelector(form.dataset.focus) : null;
    if (target) {
      target.focus();
    }
  });

  // An htmx form with `data-focus-after` is swapped away by its own answer (a saved note
  // closes its editor): focus goes to that selector's new element rather than to the page.
  document.addEventListener("htmx:afterSettle", function (event) {
    const detail = event.detail || {};
    const form = detail.requestConfig ? detail.requestConfig.elt : null;
    if (!(form instanceof HTMLFormElement) || !form.dataset.focusAfter || !detail.xhr || detail.xhr.status >= 300) {
      return;
    }
    const target = document.querySelector(form.dataset.focusAfter);
    if (target instanceof HTMLElement) {
      target.focus();
    }
  });
})();
