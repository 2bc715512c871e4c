// On a narrow screen: the header's links fold behind a Menu button, and the Results filters
// start folded. Without scripts both stay open (the stylesheet hides the button).
(function () {
  "use strict";

  const narrow = window.matchMedia("(max-width: 720px)");

  function setUp() {
    // Wide screens always show the filters; narrow ones fold them until asked.
    document.querySelectorAll("details[data-fold-narrow]").forEach(function (details) {
      details.open = !narrow.matches;
    });
  }

  document.addEventListener("click", function (event) {
    const toggle = event.target instanceof Element ? event.target.closest("[data-menu-toggle]") : null;
    if (!toggle) {
      return;
    }
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    document.getElementById(toggle.getAttribute("aria-controls")).classList.toggle("site-nav-open", open);
  });

  document.addEventListener("keydown", function (event) {
    const toggle = document.querySelector("[data-menu-toggle][aria-expanded=true]");
    if (event.key === "Escape" && toggle) {
      toggle.click();
      toggle.focus();
    }
  });

  narrow.addEventListener("change", setUp);
  document.addEventListener("DOMContentLoaded", setUp);
})();
