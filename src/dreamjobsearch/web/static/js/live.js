// The live panel of the Searches page: the user's events from GET /logs (Server-Sent Events).
//
// The stream is GET /web/logs, opened with the page's own session cookie (one request, so it
// works on whichever server process answers it). It is read with fetch rather than
// EventSource so that a logged-out answer (401) can be told from a dropped connection: the
// first goes to the login page, the second reconnects, waiting longer each time.
(function () {
  "use strict";

  const live = document.getElementById("live");
  if (!live) {
    return;
  }
  const connection = document.getElementById("connection");
  const logLines = document.getElementById("log-lines");
  const announcer = document.getElementById("run-announcer");
  const FINAL = new Set(["succeeded", "failed", "cancelled", "interrupted"]);
  const ACTIVE = new Set(["queued", "running"]);
  const COUNTS = ["links_found", "fetched", "new", "duplicates", "errors", "blocked"];
  const MAX_LINES = 200;
  const MAX_RETRY_DELAY = 30000;
  const latest = new Map(); // run id -> what its events said last: {status, percent, counts}
  const lines = new Map(); // run id -> its log events, the last MAX_LINES
  let logged = null; // the run whose lines the log shows
  let reading = null; // the AbortController of the open stream
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
        // Only a count above 0 is marked (errors in red): 0 errors is no alarm.
        cell.parentElement.classList.toggle("count-some", value > 0);
      }
    }
    // A finished run's panel comes from its record, which says how it ended ("failed",
    // "stopped"): the events' last percentage must not paint over it.
    if (typeof state.percent === "number" && element.dataset.active === "true") {
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

  function line(event) {
    const item = document.createElement("li");
    item.className = "log-line level-" + (event.level || "info");
    const time = document.createElement("time");
    const moment = new Date(event.ts);
    time.dateTime = event.ts;
    time.textContent = isNaN(moment) ? "" : window.dreamjobTimes.format(moment);
    const text = document.createElement("span");
    text.textContent = event.message;
    item.append(time, text);
    return item;
  }

  // The log shows the lines of the run in the panel only: another run's lines (or an
  // earlier run's, once the panel moves on) are kept aside, never mixed in.
  function showLog() {
    const element = panel();
    const runId = element ? element.dataset.runId : null;
    if (runId !== logged) {
      logged = runId;
      logLines.replaceChildren(...(lines.get(runId) || []).map(line));
      logLines.scrollTop = logLines.scrollHeight;
    }
  }

  function addLine(event) {
    const kept = lines.get(event.run_id) || [];
    kept.push(event);
    if (kept.length > MAX_LINES) {
      kept.shift();
    }
    lines.set(event.run_id, kept);
    if (event.run_id !== logged) {
      return;
    }
    logLines.append(line(event));
    while (logLines.children.length > MAX_LINES) {
      logLines.firstElementChild.remove();
    }
    logLines.scrollTop = logLines.scrollHeight;
  }

  function handle(event) {
    if (!event.run_id) {
      return;
    }
    addLine(event);
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

  function opened() {
    retryDelay = 1000;
    setConnection("live", "Live");
    // Events sent while we were away are gone: catch up from the run's record.
    const element = panel();
    if (element && element.dataset.active === "true") {
      load(element.dataset.runId);
    }
  }

  // One SSE message block: its `data:` lines (heartbeat comments have none).
  function dispatch(block) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""));
    if (data.length) {
      handle(JSON.parse(data.join("\n")));
    }
  }

  async function connect() {
    if (leaving) {
      return;
    }
    reading = new AbortController();
    try {
      const response = await fetch("/web/logs", {
        headers: { Accept: "text/event-stream" },
        credentials: "same-origin",
        signal: reading.signal,
      });
      if (response.status === 401) {
        setConnection("offline", "Logged out");
        window.location.assign("/login");
        return;
      }
      if (!response.ok || !response.body) {
        throw new Error("the stream was refused: " + response.status);
      }
      opened();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        buffer += value;
        let end;
        while ((end = /\r?\n\r?\n/.exec(buffer))) {
          dispatch(buffer.slice(0, end.index));
          buffer = buffer.slice(end.index + end[0].length);
        }
      }
    } catch (error) {
      // A dropped connection or a refusal: reconnect below, unless the page is going away.
    }
    reading = null;
    retry();
  }

  // A new panel came in (a run started, cancelled or refreshed): bring it up to date with
  // the events that arrived before it. If they say it is over but the panel does not know
  // yet, ask for the final record once.
  document.body.addEventListener("htmx:afterSwap", function () {
    showLog();
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
    if (reading) {
      reading.abort();
    }
  });

  showLog();
  connect();
})();
