/* The builder's test panel: posts the builder's form (the unsaved draft) with the
   panel's choices to the test endpoints and shows the HTML fragment they answer.
   Structure only: what to show is decided on the server. */
(function () {
  "use strict";

  function panel() { return document.getElementById("wf-test-panel"); }

  function draft(extra) {
    var form = document.getElementById("workflow_form");
    var data = form ? new FormData(form) : new FormData();
    var workflow = panel().dataset.workflow;
    if (workflow) { data.set("workflow", workflow); }
    Object.keys(extra || {}).forEach(function (name) { data.set(name, extra[name]); });
    return data;
  }

  function post(url, extra, target) {
    target.setAttribute("aria-busy", "true");
    target.textContent = "…";
    return fetch(url, {method: "POST", body: draft(extra), credentials: "same-origin",
                       headers: {"X-Requested-With": "XMLHttpRequest"}})
      .then(function (response) { return response.text(); })
      .then(function (html) { target.innerHTML = html; })
      .catch(function (error) { target.textContent = "The test could not be run: " + error.message; })
      .finally(function () { target.removeAttribute("aria-busy"); });
  }

  function value(id) {
    var element = document.getElementById(id);
    return element ? element.value : "";
  }

  function choices(search) {
    return post(panel().dataset.sourcesUrl, {record_search: search || ""},
                document.getElementById("wf-test-choices"));
  }

  function run() {
    var extra = {event: value("wf-test-event")};
    if (!extra.event) {
      extra.record = value("wf-test-record");
      extra.record_search = value("wf-test-record-search");
    }
    return post(panel().dataset.runUrl, extra, document.getElementById("wf-test-output"));
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element) || !panel() || !panel().contains(target)) { return; }
    if (target.id === "wf-test-load") { choices(""); }
    else if (target.id === "wf-test-find") { choices(value("wf-test-record-search")); }
    else if (target.id === "wf-test-run") { run(); }
    else if (target.id === "wf-backtest-run") {
      post(panel().dataset.backtestUrl, {limit: value("wf-backtest-limit")},
           document.getElementById("wf-backtest-output"));
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target instanceof Element
        && (target.id === "wf-test-record-search" || target.id === "wf-backtest-limit")) {
      event.preventDefault();  /* never submit the builder's form from the panel */
      if (target.id === "wf-test-record-search") { choices(target.value); }
      else { document.getElementById("wf-backtest-run").click(); }
    }
  });
}());
