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
 *   json_rows       a JSON object as rows of name, kind of value and value (an HTTP
 *                   request's body and headers): numbers stay numbers, text may hold
 *                   {{ variables }}; the raw JSON box is behind "Edit as JSON".
 *
 * What cannot be read (JSON that does not parse, a number that is not one, a value
 * without a name) stays on the page, is marked at its box and blocks Save.
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

  // -- JSON objects as rows -----------------------------------------------------------

  const KINDS = {
    text: "Text",
    number: "Number",
    bool: "Yes / no",
    json: "List or group (JSON)",
  };

  function kindOf(value) {
    if (typeof value === "string") return "text";
    if (typeof value === "number") return "number";
    if (typeof value === "boolean") return "bool";
    return "json";
  }

  function rowText(kind, value) {
    if (kind === "json") return JSON.stringify(value);
    if (kind === "bool") return value ? "true" : "false";
    return value === undefined || value === null ? "" : String(value);
  }

  /** Rows for a value, or null when it does not fit rows of the allowed kinds. */
  function rowsFor(value, kinds) {
    if (value === undefined) return [];
    if (!WB.isObject(value)) return null;
    const rows = Object.entries(value).map(([name, item]) => {
      const kind = kindOf(item);
      return {name, kind, text: rowText(kind, item)};
    });
    return rows.every((row) => kinds.includes(row.kind)) ? rows : null;
  }

  /** Read one row: {value} or {problem} (and {skip} for a blank row). */
  function readRow(row) {
    const text = row.text.trim();
    if (!row.name.trim()) {
      if (!text && row.kind !== "bool") return {skip: true};
      return {problem: "Give this value a name, or remove the row."};
    }
    if (row.kind === "number") {
      const number = Number(text.replace(/_/g, ""));
      if (!text || !Number.isFinite(number)) {
        return {problem: `"${row.text}" is not a number (e.g. 12 or 12.50).`};
      }
      return {value: number};
    }
    if (row.kind === "bool") return {value: row.text === "true"};
    if (row.kind === "json") {
      if (!text) return {value: null};
      try {
        return {value: JSON.parse(text)};
      } catch (error) {
        return {problem: `This is not valid JSON (${error.message}).`};
      }
    }
    return {value: row.text};
  }

  /** The object the rows stand for, and the problem of each row (by index). */
  function readRows(rows) {
    const value = {};
    const problems = new Map();
    rows.forEach((row, index) => {
      const read = readRow(row);
      if (read.skip) return;
      if (read.problem) {
        problems.set(index, read.problem);
        return;
      }
      const name = row.name.trim();
      if (Object.prototype.hasOwnProperty.call(value, name)) {
        problems.set(index, `"${name}" is already set above.`);
        return;
      }
      value[name] = read.value;
    });
    return {value: Object.keys(value).length ? value : undefined, problems};
  }

  WB.widgets.register("json_rows", (app, opts) => {
    const extra = (opts.param && opts.param.extra) || {};
    const kinds = Array.isArray(extra.kinds) && extra.kinds.length ? extra.kinds : Object.keys(KINDS);
    const noun = extra.row_label || "value";
    app.rawJson = app.rawJson || new Map();
    app.jsonRows = app.jsonRows || new Map();
    const rowsKey = `${opts.path}|rows`;
    const wrap = h("div", {class: "wb-json-rows"});
    let value = opts.value;

    // Rows that cannot be read are a draft (kept across redraws, blocking Save);
    // rows left blank are remembered while the saved value is what they hold.
    function initialRows() {
      const draft = WB.drafts.get(app, rowsKey);
      if (Array.isArray(draft)) return draft.map((row) => ({...row}));
      const remembered = app.jsonRows.get(opts.path);
      if (remembered && JSON.stringify(readRows(remembered).value) === JSON.stringify(value)) {
        return remembered.map((row) => ({...row}));
      }
      return rowsFor(value, kinds);
    }
    let rows = initialRows();
    let raw = app.rawJson.has(opts.path) ? app.rawJson.get(opts.path) : rows === null;
    if (WB.drafts.get(app, opts.path) !== undefined) raw = true;  // the JSON box has a draft
    if (rows === null) raw = true;

    function emit() {
      const read = readRows(rows);
      app.jsonRows.set(opts.path, rows.map((row) => ({...row})));
      if (read.problems.size) WB.drafts.set(app, rowsKey, rows.map((row) => ({...row})));
      else WB.drafts.clear(app, rowsKey);
      value = read.value;
      opts.onChange(value === undefined ? WB.emptyValue(opts) : value);
      return read;
    }

    function valueInput(row, index, note) {
      const label = `${opts.label || "Value"}: value ${index + 1}`;
      const focus = focusKey(opts, `row${index}-value`);
      const update = (text) => {
        row.text = text;
        const read = emit();
        markInvalid(input, note, read.problems.get(index));
      };
      let input;
      if (row.kind === "bool") {
        input = h("select", {class: "wb-input wb-row-value", "aria-label": label,
          dataset: {focus}}, [h("option", {value: "true", text: "Yes"}),
          h("option", {value: "false", text: "No"})]);
        if (row.text !== "true") row.text = "false";
        input.value = row.text;
        input.addEventListener("change", () => update(input.value));
      } else if (row.kind === "json") {
        input = h("textarea", {class: "vLargeTextField wb-json wb-row-value", rows: 2,
          value: row.text, "aria-label": label, spellcheck: "false", dataset: {focus},
          placeholder: '["a", "b"] or {"key": "value"}'});
        input.addEventListener("input", () => update(input.value));
      } else {
        input = h("input", {type: "text", class: "vTextField wb-input wb-row-value",
          value: row.text, "aria-label": label, dataset: {focus},
          inputmode: row.kind === "number" ? "decimal" : undefined,
          placeholder: row.kind === "number" ? "e.g. 12.50" : "text, or insert a variable"});
        input.addEventListener("input", () => update(input.value));
      }
      return input;
    }

    function drawRows() {
      const read = readRows(rows);
      const list = h("div", {class: "wb-rows"});
      rows.forEach((row, index) => {
        const note = h("div", {class: "wb-local-error", hidden: true, role: "alert"});
        const nameInput = h("input", {
          type: "text", class: "vTextField wb-input wb-row-name", value: row.name,
          placeholder: "name", "aria-label": `${opts.label || "Value"}: name ${index + 1}`,
          dataset: {focus: focusKey(opts, `row${index}-name`)},
        });
        const input = valueInput(row, index, note);
        nameInput.addEventListener("input", () => {
          row.name = nameInput.value;
          const again = emit();
          markInvalid(input, note, again.problems.get(index));
        });
        const kindSelect = kinds.length > 1 ? h("select", {
          class: "wb-input wb-row-kind", "aria-label": `${opts.label || "Value"}: kind ${index + 1}`,
          dataset: {focus: focusKey(opts, `row${index}-kind`)},
        }, kinds.map((kind) => h("option", {value: kind, text: KINDS[kind] || kind}))) : null;
        if (kindSelect) {
          kindSelect.value = row.kind;
          kindSelect.addEventListener("change", () => {
            row.kind = kindSelect.value;
            if (row.kind === "bool") row.text = "true";
            emit();
            draw();
          });
        }
        const inserter = row.kind === "text" && typeof opts.stepIndex === "number"
          ? WB.variableInserter(app, opts.stepIndex, input) : null;
        markInvalid(input, note, read.problems.get(index));
        list.appendChild(h("div", {class: "wb-list-row wb-json-row",
          dataset: {path: WB.join(opts.path, row.name.trim() || String(index))}}, [
          nameInput, kindSelect, h("span", {class: "wb-row-value-wrap"}, [input, note]), inserter,
          WB.iconButton("✕", `Remove ${noun} ${index + 1}`, () => {
            rows.splice(index, 1);
            emit();
            draw();
          }),
        ]));
      });
      const add = h("button", {
        type: "button", class: "button wb-add-item wb-edit-only", text: `+ Add a ${noun}`,
        onclick: () => {
          rows.push({name: "", kind: kinds[0], text: ""});
          emit();
          draw();
          const names = wrap.querySelectorAll(".wb-row-name");
          if (names.length) names[names.length - 1].focus();
        },
      });
      return [list, add];
    }

    function switchMode(toRaw, toggle) {
      if (toRaw) {
        if (readRows(rows).problems.size) {
          toggle.checked = false;
          toggleNote.textContent = "Fix the rows marked above first.";
          return;
        }
        raw = true;
      } else {
        if (WB.drafts.get(app, opts.path) !== undefined) {
          toggle.checked = true;
          toggleNote.textContent = "Fix the JSON first.";
          return;
        }
        const fitted = rowsFor(value, kinds);
        if (fitted === null) {
          toggle.checked = true;
          toggleNote.textContent = "This JSON cannot be shown as rows (it is not a group " +
            "of named values, or holds values rows do not offer).";
          return;
        }
        rows = fitted;
        raw = false;
      }
      app.rawJson.set(opts.path, raw);
      draw();
    }

    const toggleNote = h("span", {class: "help wb-json-toggle-note", "aria-live": "polite"});

    function draw() {
      wrap.replaceChildren();
      toggleNote.textContent = "";
      const toggle = h("input", {type: "checkbox", class: "wb-json-toggle", checked: raw,
        dataset: {focus: focusKey(opts, "raw")}});
      toggle.addEventListener("change", () => switchMode(toggle.checked, toggle));
      const toggleRow = h("label", {class: "wb-json-toggle-label wb-edit-only"},
        [toggle, " Edit as JSON (advanced)"]);
      if (raw) {
        const box = WB.fieldInput(app, {...opts, value, onChange: (next) => {
          value = next;
          opts.onChange(next);
        }});
        WB.append(wrap, [box, h("div", {}, [toggleRow, toggleNote])]);
        return;
      }
      WB.append(wrap, [...drawRows(), h("div", {}, [toggleRow, toggleNote])]);
    }
    if (rows === null) rows = [];
    draw();
    return wrap;
  });
})(window);
