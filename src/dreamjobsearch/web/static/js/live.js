// The live panel of the Searches page: the user's events from GET /logs (Server-Sent Events).
//
// EventSource cannot send headers, and the session cookie is not what /logs reads, so each
// connection is opened with a single-use ticket fetched (with the page's CSRF token) from
// /web/logs/ticket. A dropped stream is closed at once and reopened with a fresh ticket:
// letting EventSource retry on its own would replay the used ticket.
(function () {
  "use strict";

  const live = document.getElementById("live");
  if (!live) {
    return;
  }
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const connection = document.getElementById("connection");
  const logLines = document.getElementById("log-lines");
  const announcer = document.getElementById("run-announcer");
  const FINAL = new Set(["succeeded", "failed", "cancelled", "interrupted"]);
  const ACTIVE = new Set(["queued", "running"]);
  const COUNTS = ["links_found", "fetched", "new", "duplicates", "errors", "blocked"];
  const MAX_LINES = 200;
  const MAX_RETRY_DELAY = 30000;
  const latest = new Map(); // run id -> what its events said last: {status, percent, counts}
  let source = null;
  let leaving = false;
  let retryDelay = 1000;

  function panel() {
    return document.getElementById("run-panel");
  }

  function setConnection(state, text) {
    connection.dataset.state = state;
    connection.textContent = text;
  }

  function counts(data) {
    const picked = {};
    for (const name of COUNTS) {
      if (typeof data[name] === "number") {
        picked[name] = data[name];
      }
    }
    return picked;
  }

  function remember(event) {
    const state = latest.get(event.run_id) || {};
    const data = event.data || {};
    if (event.kind === "progress") {
      state.counts = counts(data);
      if (typeof data.percent === "number") {
        state.percent = data.percent;
      }
    } else if (event.kind === "run_state") {
      state.status = data.status;
      state.counts = counts(data);
      if (data.status === "succeeded") {
        state.percent = 100;
      }
    }
    latest.set(event.run_id, state);
  }

  // Show what the events said about the run the panel shows.
  function apply() {
    const element = panel();
    const state = element && latest.get(element.dataset.runId);
    if (!state) {
      return;
    }
    for (const [name, value] of Object.entries(state.counts || {})) {
      const cell = element.querySelector('[data-count="' + name + '"]');
      if (cell) {
        cell.textContent = String(value);
      }
    }
    if (typeof state.percent === "number") {
      element.querySelector("progress").value = state.percent;
      element.querySelector('[data-role="percent"]').textContent = state.percent + "%";
    }
    if (state.status && state.status !== element.dataset.status) {
      element.dataset.status = state.status;
      const badge = element.querySelector('[data-role="status"]');
      badge.textContent = state.status;
      badge.className = "badge status status-" + state.status;
      announcer.textContent = "Run " + state.status + ".";
    }
  }

  function load(runId) {
    return htmx.ajax("GET", "/web/runs/" + encodeURIComponent(runId) + "/panel", {
      target: "#run-panel",
      swap: "outerHTML",
    });
  }

  function refreshRuns() {
    return htmx.ajax("GET", "/web/runs", { target: "#runs-table", swap: "outerHTML" });
  }

  function addLine(event) {
    const item = document.createElement("li");
    item.className = "log-line level-" + (event.level || "info");
    const time = document.createElement("time");
    const moment = new Date(event.ts);
    time.dateTime = event.ts;
    time.textContent = isNaN(moment) ? "" : moment.toLocaleTimeString();
    const text = document.createElement("span");
    text.textContent = event.message;
    item.append(time, text);
    logLines.append(item);
    while (logLines.children.length > MAX_LINES) {
      logLines.firstElementChild.remove();
    }
    logLines.scrollTop = logLines.scrollHeight;
  }

  function handle(event) {
    addLine(event);
    if (!event.run_id) {
      return;
    }
    remember(event);
    const element = panel();
    const status = event.kind === "run_state" ? (event.data || {}).status : null;
    const showing = element && element.dataset.runId;
    if (showing !== event.run_id) {
      // A run started elsewhere (or before the form's answer arrived): follow it, unless
      // the panel is busy with another run that is still going.
      if (ACTIVE.has(status) && (!element || element.dataset.active !== "true")) {
        load(event.run_id);
      }
      return;
    }
    apply();
    if (FINAL.has(status)) {
      load(event.run_id);
      refreshRuns();
    }
  }

  function retry() {
    if (leaving) {
      return;
    }
    setConnection("reconnecting", "Reconnecting…");
    window.setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, MAX_RETRY_DELAY);
  }

  async function connect() {
    if (leaving) {
      return;
    }
    let response;
    try {
      response = await fetch("/web/logs/ticket", {
        method: "POST",
        headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (error) {
      retry();
      return;
    }
    if (response.status === 401) {
      setConnection("offline", "Logged out");
      window.location.assign("/login");
      return;
    }
    if (!response.ok) {
      retry();
      return;
    }
    const body = await response.json();
    source = new EventSource("/logs?ticket=" + encodeURIComponent(body.ticket));
    source.addEventListener("open", function () {
      retryDelay = 1000;
      setConnection("live", "Live");
      // Events sent while we were away are gone: catch up from the run's record.
      const element = panel();
      if (element && element.dataset.active === "true") {
        load(element.dataset.runId);
      }
    });
    source.addEventListener("message", function (message) {
      handle(JSON.parse(message.data));
    });
    source.addEventListener("error", function () {
      source.close();
      source = null;
      retry();
    });
  }

  // A new panel came in (a run started, cancelled or refreshed): bring it up to date with
  // the events that arrived before it. If they say it is over but the panel does not know
  // yet, ask for the final record once.
  document.body.addEventListener("htmx:afterSwap", function () {
    const element = panel();
    if (!element || !element.dataset.runId) {
      return;
    }
    apply();
    const state = latest.get(element.dataset.runId);
    if (state && FINAL.has(state.status) && element.dataset.active === "true") {
      load(element.dataset.runId);
    }
  });

  window.addEventListener("beforeunload", function () {
    leaving = true;
  });
  window.addEventListener("pagehide", function () {
    leaving = true;
    if (source) {
      source.close();
    }
  });

  connect();
})();
