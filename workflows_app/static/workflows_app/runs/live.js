/* Live updates of the runs list and the run page.
 *
 * The page opens the WebSocket named by #wf-live[data-live-socket]. The server
 * sends {"type": "runs.changed", "ids": [...], "new": true?} and nothing else;
 * the page then fetches its own server-rendered HTML again (the run page: its
 * `live/` fragment; the list: the list URL) and swaps it in. Refreshes are
 * coalesced (at most one in flight, at most about two a second) and wait while
 * the tab is hidden. On every (re)connection the page tells the server what it
 * shows (the run page: its marker; the list: its rows' statuses and the newest
 * run id), and the server answers at once if that is out of date, so nothing
 * that changed before the socket opened is missed. The socket reconnects with
 * back-off.
 */
(function () {
  "use strict";

  var MIN_INTERVAL_MS = 500;

  function socketUrl(path) {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + path;
  }

  function setIndicator(state) {
    var indicator = document.getElementById("wf-live-indicator");
    if (!indicator) { return; }
    indicator.dataset.state = state;
    var text = indicator.querySelector(".wf-live-text");
    if (text) {
      text.textContent = {
        connected: "Live: this page updates by itself",
        connecting: "Connecting for live updates…",
        disconnected: "Live updates interrupted; reconnecting…"
      }[state] || state;
    }
  }

  function coalesce(task) {
    var running = false;
    var again = false;
    var last = 0;
    function run() {
      if (running) { again = true; return; }
      if (document.hidden) { again = true; return; }
      running = true;
      var wait = Math.max(0, MIN_INTERVAL_MS - (Date.now() - last));
      window.setTimeout(function () {
        Promise.resolve().then(task).catch(function (error) {
          if (window.console) { window.console.warn("live update failed", error); }
        }).then(function () {
          last = Date.now();
          running = false;
          if (again) { again = false; run(); }
        });
      }, wait);
    }
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && again) { again = false; run(); }
    });
    return run;
  }

  function connect(path, handlers) {
    var delay = 1000;
    var opened = false;
    function open() {
      setIndicator("connecting");
      var socket;
      try {
        socket = new WebSocket(socketUrl(path));
      } catch (error) {
        setIndicator("disconnected");
        return;
      }
      socket.addEventListener("open", function () {
        setIndicator("connected");
        delay = 1000;
        if (handlers.open) { handlers.open(socket, opened); }
        opened = true;
      });
      socket.addEventListener("message", function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (error) { return; }
        if (data && data.type === "runs.changed") { handlers.message(data, socket); }
      });
      socket.addEventListener("close", function () {
        setIndicator("disconnected");
        window.setTimeout(open, delay);
        delay = Math.min(delay * 2, 30000);
      });
    }
    open();
  }

  function fetchHtml(url) {
    return window.fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: {"X-Requested-With": "XMLHttpRequest"}
    }).then(function (response) {
      if (!response.ok || response.redirected) {
        throw new Error("HTTP " + response.status + (response.redirected ? " (redirected)" : ""));
      }
      return response.text();
    });
  }

  /* -- the run page ------------------------------------------------------------------ */

  function runPage(config) {
    var container = document.getElementById("run-live");
    var announce = document.getElementById("wf-live-announce");
    var refresh = coalesce(function () {
      return fetchHtml(config.liveFragment).then(function (html) {
        var open = {};
        container.querySelectorAll("details[id]").forEach(function (details) {
          open[details.id] = details.open;
        });
        var focused = document.activeElement && document.activeElement.id;
        var before = container.dataset.status;
        container.innerHTML = html;
        container.querySelectorAll("details[id]").forEach(function (details) {
          if (Object.prototype.hasOwnProperty.call(open, details.id)) {
            details.open = open[details.id];
          }
        });
        var badge = container.querySelector("#run-status [data-status]");
        if (badge) {
          container.dataset.status = badge.dataset.status;
          if (announce && badge.dataset.status !== before) {
            announce.textContent = "Run status: " + badge.textContent.trim();
          }
        }
        if (focused) {
          var again = document.getElementById(focused);
          if (again) { again.focus(); }
        }
        container.dataset.refreshed = String(Date.now());
      });
    });
    function marker() {
      var el = container.querySelector("[data-live-marker]");
      return el ? el.dataset.liveMarker : "";
    }
    connect(config.liveSocket, {
      // The server compares the page's marker with the run now: a change made
      // between rendering the page and opening the socket is not missed.
      open: function (socket) { socket.send(JSON.stringify({marker: marker()})); },
      message: function () { refresh(); }
    });
  }

  /* -- the runs list ------------------------------------------------------------------- */

  function visibleRuns() {
    var runs = [];
    document.querySelectorAll("#result_list [data-run-id]").forEach(function (el) {
      var id = parseInt(el.dataset.runId, 10);
      if (id > 0) { runs.push([id, el.dataset.status || ""]); }
    });
    return runs;
  }

  function visibleIds() {
    return visibleRuns().map(function (run) { return run[0]; });
  }

  function rowId(row) {
    var el = row.querySelector("[data-run-id]");
    return el ? el.dataset.runId : null;
  }

  function onFirstPage() {
    var page = new URLSearchParams(window.location.search).get("p");
    return !page || page === "1";
  }

  function listPage(config) {
    var socket = null;
    var newest = parseInt((document.getElementById("wf-live") || {dataset: {}}).dataset.liveNewest, 10) || 0;
    // The server compares the statuses shown (and the newest run id known) with the
    // database: a change made between rendering and opening the socket is not missed.
    function watch() {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({watch: visibleRuns(), newest: newest}));
      }
    }
    var refresh = coalesce(function () {
      return fetchHtml(window.location.href).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var freshConfig = doc.getElementById("wf-live");
        if (freshConfig) { newest = parseInt(freshConfig.dataset.liveNewest, 10) || newest; }
        var fresh = doc.getElementById("changelist-form");
        var form = document.getElementById("changelist-form");
        if (!fresh || !form) { return; }
        var selected = form.querySelector("input.action-select:checked, input.select-across[value='1']");
        var actionChosen = form.querySelector("select[name=action]");
        var busy = selected || (actionChosen && actionChosen.value) ||
          form.contains(document.activeElement);
        if (!busy) {
          form.innerHTML = fresh.innerHTML;
          var boxes = document.querySelectorAll("tr input.action-select");
          if (window.Actions && boxes.length) { window.Actions(boxes); }
        } else {
          // Someone is selecting rows: update the rows in place, keep the checkboxes.
          var rows = {};
          fresh.querySelectorAll("#result_list tbody tr").forEach(function (row) {
            var id = rowId(row);
            if (id) { rows[id] = row; }
          });
          form.querySelectorAll("#result_list tbody tr").forEach(function (row) {
            var update = rows[rowId(row)];
            if (!update) { return; }
            var cells = row.children;
            var freshCells = update.children;
            for (var i = 0; i < cells.length && i < freshCells.length; i++) {
              if (!cells[i].querySelector("input.action-select") &&
                  cells[i].innerHTML !== freshCells[i].innerHTML) {
                cells[i].innerHTML = freshCells[i].innerHTML;
              }
            }
          });
        }
        document.body.dataset.listRefreshed = String(Date.now());
        watch();
      });
    });
    connect(config.liveSocket, {
      open: function (opened) {
        socket = opened;
        watch();
      },
      message: function (data) {
        var visible = {};
        visibleIds().forEach(function (id) { visible[id] = true; });
        var ids = data.ids || [];
        var shown = ids.some(function (id) { return visible[id]; });
        var others = data["new"] || ids.some(function (id) { return !visible[id]; });
        if (shown || (others && onFirstPage())) { refresh(); }
      }
    });
  }

  function start() {
    var config = document.getElementById("wf-live");
    if (!config || !config.dataset.liveSocket || !window.WebSocket) { return; }
    var settings = {
      liveSocket: config.dataset.liveSocket,
      liveFragment: config.dataset.liveFragment
    };
    if (config.dataset.liveKind === "run") {
      runPage(settings);
    } else {
      listPage(settings);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
