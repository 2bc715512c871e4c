// Times in the reader's own time zone, in one format on every page. The server writes each
// time as <time datetime="ISO" data-local> with UTC text (what is shown without scripts);
// this rewrites the text in the browser's zone, on load and in every part htmx swaps in.
(function () {
  "use strict";

  const FORMAT = new Intl.DateTimeFormat(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });

  function localize(root) {
    for (const element of root.querySelectorAll("time[data-local]")) {
      const moment = new Date(element.dateTime);
      if (!isNaN(moment)) {
        element.textContent = FORMAT.format(moment);
      }
    }
  }

  // For other scripts that write times (the live panel's log lines).
  window.dreamjobTimes = { format: (moment) => FORMAT.format(moment), localize: localize };

  document.addEventListener("DOMContentLoaded", function () {
    localize(document);
  });
  document.addEventListener("htmx:load", function (event) {
    localize(event.target instanceof Element ? event.target : document);
  });
})();
