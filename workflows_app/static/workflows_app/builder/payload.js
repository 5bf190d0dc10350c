/*
 * Workflow builder: JSON without typing JSON.
 *
 *   payload_sample  a webhook's sample payload: pasted, or taken from a request the
 *                   workflow already received (before the workflow is saved as a
 *                   webhook workflow: one received by any webhook workflow the person
 *                   may change, named in the list); the server learns its fields
 *                   (typed) and offers them in every reference picker and "Insert
 *                   variable".
 *   (and a record's JSON field: its "Give this field a sample" link, see below)
 *
 * A request's body and headers as rows (`json_rows`) are the server's Django form
 * (workflows_app.forms.widget_fields.json_rows), rendered through builder/widget/.
 *
 * A sample that cannot be read stays on the page, is marked at its box and blocks
 * Save.
 */
(function (window) {
  "use strict";

  const WB = window.WorkflowBuilder;
  const h = WB.h;

  const SAMPLE_PLACEHOLDER = '{"alert": {"severity": "critical", "service": "checkout"}}';
  const SHOWN_FIELDS = 12;
  const PREVIEW_CHARS = 60;

  function focusKey(opts, role) {
    return `${opts.path || ""}|${role || "value"}`;
  }

  function markInvalid(field, note, problem) {
    if (problem) {
      field.dataset.invalid = "true";
      field.setAttribute("aria-invalid", "true");
      note.hidden = false;
      note.textContent = problem;
    } else {
      delete field.dataset.invalid;
      field.removeAttribute("aria-invalid");
      note.hidden = true;
      note.textContent = "";
    }
  }

  // -- the sample payload -----------------------------------------------------------

  /** Read a pasted sample: {value} (undefined when blank) or {problem}. */
  WB.readSample = function (text) {
    if (!text.trim()) return {value: undefined};
    let value;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return {problem: `This is not valid JSON (${error.message}). Fix it, or clear the box.`};
    }
    if (value === null || typeof value !== "object") {
      return {problem: `Paste the JSON body of a request, such as ${SAMPLE_PLACEHOLDER}.`};
    }
    return {value};
  };

  /** The fields learned from the sample, as the current scope lists them. */
  function learnedFields(app, root) {
    return app.scope.data.paths.filter((entry) => entry.path.startsWith(`${root}.`) &&
      entry.step === null && entry.selectable);
  }

  function describeLearned(app, node) {
    const fields = learnedFields(app, node.dataset.root);
    if (!node.dataset.hasSample) {
      node.textContent = "";
      return;
    }
    if (!fields.length) {
      node.textContent = "No fields were learned yet.";
      return;
    }
    const names = fields.slice(0, SHOWN_FIELDS).map((entry) => WB.entryLabel(entry));
    const more = fields.length > SHOWN_FIELDS ? ` and ${fields.length - SHOWN_FIELDS} more` : "";
    node.textContent = `Fields you can now pick: ${names.join(", ")}${more}.`;
  }

  // The scope is refreshed after the sample changes: say what was learned.
  WB.afterScope.push((app) => {
    app.root.querySelectorAll(".wb-sample-fields").forEach((node) => describeLearned(app, node));
  });

  // "Give this field a sample" (a record's JSON field, in a condition row) opens the
  // JSON field samples page in a new tab: once back here, ask for the scope again so
  // the fields learned are listed.
  WB.afterScope.push((app) => {
    if (app.sampleHintWired) return;
    app.sampleHintWired = true;
    app.root.addEventListener("click", (event) => {
      if (!event.target.closest || !event.target.closest(".wb-sample-hint")) return;
      window.addEventListener("focus", () => app.refreshScope(), {once: true});
    });
  });

  /** Where requests already received are listed: the saved webhook workflow's own,
   * else (a draft) those of every webhook workflow the person may change. */
  function receivedUrl(app) {
    return app.meta.urls.webhook_received || app.meta.urls.webhook_received_any;
  }

  /** "Received by "Monitoring", 1/12/2026, 10:00 — {"alert":{"severity":"warning",…". */
  function receivedLabel(item) {
    const when = new Date(item.occurred_at).toLocaleString();
    const body = JSON.stringify(item.sample);
    const preview = body.length > PREVIEW_CHARS ? `${body.slice(0, PREVIEW_CHARS)}…` : body;
    if (item.workflow) return `Received by "${item.workflow}", ${when} — ${preview}`;
    return `${when}${item.summary ? ` — ${item.summary}` : ""} — ${preview}`;
  }

  async function receivedSamples(app) {
    if (!app.receivedSamples) {
      app.receivedSamples = fetch(receivedUrl(app), {
        credentials: "same-origin", headers: {Accept: "application/json"},
      }).then((response) => (response.ok ? response.json() : {received: []}))
        .then((data) => data.received || [])
        .catch(() => []);
    }
    return app.receivedSamples;
  }

  WB.widgets.register("payload_sample", (app, opts) => {
    const draft = WB.drafts.get(app, opts.path);
    const area = h("textarea", {
      class: "vLargeTextField wb-json wb-sample", rows: 6, spellcheck: "false",
      value: draft !== undefined ? draft
        : (opts.value === undefined ? "" : JSON.stringify(opts.value, null, 2)),
      placeholder: SAMPLE_PLACEHOLDER, "aria-label": opts.label || "Sample payload",
      dataset: {focus: focusKey(opts)},
    });
    const note = h("div", {class: "wb-local-error", hidden: true, role: "alert"});
    const learned = h("div", {class: "help wb-sample-fields", "aria-live": "polite",
      dataset: {root: "payload"}});
    const check = () => {
      const read = WB.readSample(area.value);
      markInvalid(area, note, read.problem);
      if (read.problem) WB.drafts.set(app, opts.path, area.value);
      else WB.drafts.clear(app, opts.path);
      if (read.value !== undefined) learned.dataset.hasSample = "true";
      else delete learned.dataset.hasSample;
      return read;
    };
    const apply = () => {
      const read = check();
      if (read.problem) return;
      opts.onChange(read.value);
      app.structureChanged();
    };
    area.addEventListener("input", apply);
    check();
    describeLearned(app, learned);

    const parts = [area, note];
    if (receivedUrl(app)) {
      const picker = h("select", {
        class: "wb-received wb-edit-only", "aria-label": "Use a request already received",
        dataset: {focus: focusKey(opts, "received")},
      }, [h("option", {value: "", text: "Use a request already received…"})]);
      let received = [];
      receivedSamples(app).then((items) => {
        received = items;
        if (!items.length) {
          picker.replaceChildren(h("option", {value: "", text: "No request received yet"}));
          picker.disabled = true;
          return;
        }
        items.forEach((item, index) => picker.appendChild(h("option", {
          value: String(index),
          text: receivedLabel(item),
        })));
      });
      picker.addEventListener("change", () => {
        const chosen = received[Number(picker.value)];
        if (!picker.value || !chosen) return;
        area.value = JSON.stringify(chosen.sample, null, 2);
        picker.value = "";
        apply();
      });
      parts.push(h("div", {class: "wb-sample-source"}, [picker]));
    }
    parts.push(learned);
    return h("span", {class: "wb-json-wrap wb-sample-wrap"}, parts);
  });
})(window);
