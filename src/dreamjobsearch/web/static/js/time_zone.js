// Fills an empty time-zone field with the browser's own zone (e.g. Europe/Warsaw), so that
// "daily at 08:00" means 08:00 where the person is, without them typing an IANA name.
(function () {
  "use strict";
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) {
    return;
  }
  for (const field of document.querySelectorAll("input[data-browser-time-zone]")) {
    if (!field.value) {
      field.value = zone;
    }
  }
})();
