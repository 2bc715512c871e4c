// Behaviour every page shares: confirmation of destructive forms and dismissable alerts.
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
})();
