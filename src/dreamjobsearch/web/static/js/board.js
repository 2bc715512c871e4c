// The board's pointer and memory extras: drag a card onto another column, and fold the New
// column away (remembered in this browser). Both ride on what works without scripts: a drop
// picks the status in the card's own status select, whose change htmx already posts (with
// the page's CSRF header), so dragging and the keyboard take one path to the server.
(function () {
  "use strict";

  const COLLAPSED_KEY = "dreamjob.board.newCollapsed";

  function card(target) {
    return target instanceof Element ? target.closest(".board-card[draggable]") : null;
  }

  function column(target) {
    return target instanceof Element ? target.closest(".board-column[data-status]") : null;
  }

  let dragged = null;

  document.addEventListener("dragstart", function (event) {
    dragged = card(event.target);
    if (dragged && event.dataTransfer) {
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.postingId || "");
      dragged.classList.add("board-card-dragging");
    }
  });

  document.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("board-card-dragging");
    }
    dragged = null;
    document.querySelectorAll(".board-column-drop").forEach(function (el) {
      el.classList.remove("board-column-drop");
    });
  });

  document.addEventListener("dragover", function (event) {
    const target = column(event.target);
    if (dragged && target && target !== column(dragged)) {
      event.preventDefault(); // allows the drop
      target.classList.add("board-column-drop");
    }
  });

  document.addEventListener("dragleave", function (event) {
    const target = column(event.target);
    if (target && !target.contains(event.relatedTarget instanceof Node ? event.relatedTarget : null)) {
      target.classList.remove("board-column-drop");
    }
  });

  document.addEventListener("drop", function (event) {
    const target = column(event.target);
    if (!dragged || !target || target === column(dragged)) {
      return;
    }
    event.preventDefault();
    const select = dragged.querySelector("select[name=status]");
    if (select instanceof HTMLSelectElement) {
      select.value = target.dataset.status;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // The New column's toggle (shown only with scripts) is set up again whenever htmx swaps
  // in the board after a move.
  function setCollapsed(toggle, collapsed) {
    const section = toggle.closest(".board-column");
    toggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
    section.classList.toggle("board-column-collapsed", collapsed);
  }

  function setUp() {
    document.querySelectorAll("[data-collapse-column]").forEach(function (toggle) {
      setCollapsed(toggle, window.localStorage.getItem(COLLAPSED_KEY) === "1");
    });
  }

  document.addEventListener("click", function (event) {
    const toggle = event.target instanceof Element ? event.target.closest("[data-collapse-column]") : null;
    if (!toggle) {
      return;
    }
    const collapsed = toggle.getAttribute("aria-expanded") === "true";
    window.localStorage.setItem(COLLAPSED_KEY, collapsed ? "1" : "0");
    setCollapsed(toggle, collapsed);
  });

  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSettle", setUp);
})();
