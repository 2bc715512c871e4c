// Keyboard shortcuts on the Results page: j / k move between result rows, s opens the
// focused row's status, / goes to the keyword search, ? shows the list of them.
// Keys typed into a field are text, never shortcuts; modified keys stay the browser's.
(function () {
  "use strict";

  const help = document.getElementById("shortcuts-help");
  if (!(help instanceof HTMLDialogElement)) {
    return;
  }

  function typing(target) {
    return (
      target instanceof HTMLElement &&
      (target.isContentEditable || target.closest("input, textarea, select") !== null)
    );
  }

  // Rows are looked up on each key: htmx swaps the results in again after hiding a company.
  function rows() {
    return Array.from(document.querySelectorAll("tr[data-posting-id]"));
  }

  function currentRow() {
    const active = document.activeElement;
    return active instanceof Element ? active.closest("tr[data-posting-id]") : null;
  }

  function move(step) {
    const all = rows();
    if (!all.length) {
      return;
    }
    const index = all.indexOf(currentRow());
    const next = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(index + step, 0), all.length - 1);
    const row = all[next];
    row.tabIndex = -1; // focusable from script only: Tab order stays the row's links and buttons
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function editStatus() {
    const row = currentRow();
    const select = row ? row.querySelector("select.status-select") : null;
    if (select instanceof HTMLSelectElement) {
      select.focus();
    }
  }

  function search() {
    const field = document.getElementById("keywords");
    if (field instanceof HTMLElement) {
      field.focus();
    }
  }

  const actions = {
    j: function () {
      move(1);
    },
    k: function () {
      move(-1);
    },
    s: editStatus,
    "/": search,
    "?": function () {
      help.showModal();
    },
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || help.open || typing(event.target)) {
      return;
    }
    const action = actions[event.key];
    if (action) {
      event.preventDefault(); // "/" would otherwise open the browser's quick find
      action();
    }
  });

  document.getElementById("shortcuts-open").addEventListener("click", function () {
    help.showModal();
  });
  document.getElementById("shortcuts-close").addEventListener("click", function () {
    help.close();
  });
  // Only scripts make the shortcuts work, so only then is the hint shown.
  document.getElementById("shortcuts-hint").hidden = false;
})();
