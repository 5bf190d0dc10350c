/* The notification indicator in the admin header (#wf-notifications).
 *
 * With live updates on, the page opens the WebSocket named by data-socket. On
 * every (re)connection it sends {"unread": n} (the count it shows) and the server
 * answers at once when that is stale; afterwards the server sends
 * {"type": "notifications.changed", "unread": n} when the user's own count
 * changes. The page then reads the count again from data-count-url (the server's
 * answer for this session) and shows it. The socket reconnects with back-off.
 */
(function () {
  "use strict";

  function start() {
    var link = document.getElementById("wf-notifications");
    if (!link || !link.dataset.socket || !window.WebSocket) { return; }
    var badge = link.querySelector(".wf-unread-count");

    function show(count) {
      link.dataset.unread = String(count);
      link.classList.toggle("wf-has-unread", count > 0);
      if (badge) { badge.textContent = String(count); }
    }

    function refresh() {
      return window.fetch(link.dataset.countUrl, {
        credentials: "same-origin", cache: "no-store",
        headers: {"X-Requested-With": "XMLHttpRequest"}
      }).then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("HTTP " + response.status); }
        return response.json();
      }).then(function (data) {
        if (data && typeof data.unread === "number") { show(data.unread); }
      }).catch(function (error) {
        if (window.console) { window.console.warn("notification count update failed", error); }
      });
    }

    var delay = 1000;
    function open() {
      var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      var socket;
      try {
        socket = new WebSocket(scheme + "//" + window.location.host + link.dataset.socket);
      } catch (error) {
        link.dataset.live = "disconnected";
        return;
      }
      socket.addEventListener("open", function () {
        delay = 1000;
        link.dataset.live = "connected";
        socket.send(JSON.stringify({unread: parseInt(link.dataset.unread, 10) || 0}));
      });
      socket.addEventListener("message", function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (error) { return; }
        if (data && data.type === "notifications.changed") { refresh(); }
      });
      socket.addEventListener("close", function (event) {
        link.dataset.live = "disconnected";
        if (event.code === 4403) { return; }  // signed out or no longer staff
        window.setTimeout(open, delay);
        delay = Math.min(delay * 2, 30000);
      });
    }
    open();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
