/*
 * Workflow builder: value inputs, never chosen by step or trigger type.
 *
 * WB.fieldInput: the input of one literal value, as the server rendered it from the
 *   type's Django form field, or the form field of the widget its param asks for
 *   (input.html; workflows_app.forms.builder), shown and read back by the kind it is
 *   marked with (WB.valueKinds: text, number, bool, choice, json, duration, record,
 *   widget). Every value without structure gets its input this way, dates and
 *   schedules and a request's body as rows included (kind "widget": the server renders
 *   their inputs).
 * WB.widgets: structural editors a type or param asks for by `widget` (no input of
 *   its own: "none").
 * WB.wholeWidgets: editors that own the whole value ("condition", "record_fields", ...).
 * WB.valueEditor: picks one and adds "Fixed value / Reference" and list handling.
 */
(function (window) {
  "use strict";

  const WB = window.WorkflowBuilder;
  const h = WB.h;

  WB.widgets = new WB.Registry("widget");
  WB.wholeWidgets = new WB.Registry("widget");

  /** How a value shows in a text input. */
  WB.display = function (value) {
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return JSON.stringify(value);
  };

  const sameValue = (a, b) => a === b || (a !== undefined && b !== undefined && a !== null &&
    b !== null && typeof a !== "object" && typeof b !== "object" && String(a) === String(b));

  /** What a cleared input stands for: unset (params) or "" (a condition's value). */
  WB.emptyValue = (opts) => (opts.keepEmpty ? "" : undefined);

  function focusKey(opts, role) {
    return `${opts.path || ""}|${role || "value"}`;
  }

  /**
   * An editor for one value. opts:
   *   spec       the type description ({type, input, item?, min_items, max_items, ...});
   *   value      the current value (undefined: unset); onChange(value) (undefined: unset);
   *   path       where errors about it are reported (data-path);
   *   stepIndex  where it is (null: the conditions; a number: step N) - for references;
   *   refs       whether a reference may be used instead of a literal;
   *   required, keepEmpty, label, param (param metadata), siblings (the other params).
   */
  WB.valueEditor = function (app, opts) {
    const widget = opts.spec.input && opts.spec.input.widget;
    const whole = WB.wholeWidgets.get(widget);
    // A list of structures shares its items' widget: it is rows of them, not one.
    const itemsWidget = opts.spec.item && opts.spec.item.input && opts.spec.item.input.widget;
    if (whole && itemsWidget !== widget) return whole(app, opts);
    if (opts.spec.item) return arrayEditor(app, opts);
    return scalarEditor(app, opts, []);
  };

  /** Whether some reference available here fits one of `specs`. */
  function canRefer(app, opts, specs) {
    if (!opts.refs || opts.spec.references === false) return false;
    const compatible = compatibleWith(app, specs, opts.stepIndex);
    return app.scope.available(opts.stepIndex).some((entry) => compatible.has(entry.path));
  }

  function compatibleWith(app, specs, where) {
    const paths = new Set();
    specs.forEach((spec) => app.scope.compatible(spec, where).forEach((path) => paths.add(path)));
    return paths;
  }

  function modeSelect(mode, labels, onChange, opts) {
    const select = h("select", {
      class: "wb-mode", "aria-label": "Fixed value or reference",
      dataset: {focus: focusKey(opts, "mode")},
    }, Object.entries(labels).map(([value, text]) => h("option", {value, text})));
    select.value = mode;
    select.addEventListener("change", () => onChange(select.value));
    return select;
  }

  /** A literal input of the right widget, or a reference picker ("Fixed value / Reference"). */
  function scalarEditor(app, opts, extraRefSpecs) {
    const specs = [opts.spec.type, ...extraRefSpecs];
    const referable = WB.isRef(opts.value) || canRefer(app, opts, specs);
    const widget = opts.spec.input.widget;
    let current = opts.value;
    let mode = WB.isRef(current) ? "ref" : "value";
    if (current === undefined && referable && (widget === "record" || widget === "user")) {
      mode = "ref";
    }
    const wrap = h("span", {class: "wb-value"});
    const set = (value) => {
      current = value;
      opts.onChange(value);
    };
    function draw() {
      wrap.replaceChildren();
      if (referable) {
        wrap.appendChild(modeSelect(mode, {value: "Fixed value", ref: "Reference"}, (next) => {
          mode = next;
          set(next === "ref" ? {ref: ""} : WB.emptyValue(opts));
          draw();
        }, opts));
      }
      if (mode === "ref") {
        const compatible = compatibleWith(app, specs);
        wrap.appendChild(WB.refPicker(app, {
          value: WB.isRef(current) ? current.ref : "",
          stepIndex: opts.stepIndex,
          accept: (entry) => compatible.has(entry.path),
          onChange: (path) => set({ref: path}),
          label: `${opts.label || "Value"}: reference`,
          placeholder: "Choose a reference…",
          focus: opts.path,
        }));
        return;
      }
      // Structural editors are scripts; every other input is the server's form field.
      const factory = WB.widgets.get(widget) || WB.fieldInput;
      const input = factory(app, {...opts, value: WB.isRef(current) ? undefined : current,
        onChange: set});
      wrap.appendChild(input);
      const hasInserter = input.classList.contains("wb-template-wrap");
      if (opts.spec.template && !hasInserter && WB.isStepPlace(opts.stepIndex)) {
        const field = input.matches("input, textarea") ? input : input.querySelector("input, textarea");
        if (field) wrap.appendChild(WB.variableInserter(app, opts.stepIndex, field));
      }
    }
    draw();
    return wrap;
  }

  /** Lists: a multi-select for closed options, two inputs for a range, else rows. */
  function arrayEditor(app, opts) {
    const spec = opts.spec;
    const item = spec.item;
    const referable = WB.isRef(opts.value) || canRefer(app, opts, [spec.type]);
    let mode = WB.isRef(opts.value) ? "ref" : "list";
    let items = Array.isArray(opts.value) ? opts.value.slice() : [];
    const wrap = h("div", {class: "wb-array"});
    const blank = (value) => value === "" || value === undefined;
    // Rows left blank are not saved, so a redraw would lose them: remember the rows
    // as shown, and show them again while the saved value is still what they hold.
    app.listRows = app.listRows || new Map();
    const remembered = app.listRows.get(opts.path);
    const saved = (rows) => JSON.stringify(rows.filter((value) => !blank(value)));
    if (!opts.keepEmpty && remembered && saved(remembered) === saved(items)) {
      items = remembered.slice();
    }
    const emit = () => {
      if (opts.keepEmpty) {
        opts.onChange(items.slice());
        return;
      }
      // A row left blank is not a value: it is shown, never saved (nor an error).
      app.listRows.set(opts.path, items.slice());
      const filled = items.filter((value) => !blank(value));
      opts.onChange(filled.length ? filled : undefined);
    };

    function drawMultiSelect(options) {
      const select = h("select", {
        multiple: true, size: Math.min(Math.max(options.length, 2), 6),
        class: "wb-multi", "aria-label": opts.label || "Values",
        dataset: {focus: focusKey(opts, "multi")},
      });
      options.forEach((option, index) => select.appendChild(h("option", {
        value: String(index), text: option.label,
        selected: items.some((value) => sameValue(value, option.value)),
      })));
      const unknown = items.filter((value) => !options.some((option) => sameValue(value, option.value)));
      unknown.forEach((value, index) => select.appendChild(h("option", {
        value: `unknown-${index}`, selected: true, text: `${WB.display(value)} (not an option)`,
      })));
      select.addEventListener("change", () => {
        items = Array.from(select.selectedOptions).map((option) => (
          option.value.startsWith("unknown-") ? unknown[Number(option.value.slice(8))]
            : options[Number(option.value)].value));
        emit();
      });
      return h("div", {class: "wb-multi-wrap"}, [select,
        h("div", {class: "help", text: "Hold Ctrl (or ⌘) to choose more than one."})]);
    }

    function drawPair() {
      while (items.length < 2) items.push("");
      return h("div", {class: "wb-pair"}, [0, 1].map((index) => [
        index === 1 ? h("span", {class: "wb-and", text: "and"}) : null,
        h("span", {dataset: {path: WB.join(opts.path, index)}, class: "wb-pair-item"}, [
          scalarEditor(app, {...opts, spec: item, value: items[index], keepEmpty: true,
            path: WB.join(opts.path, index), label: `${opts.label || "Value"} ${index + 1}`,
            onChange: (value) => {
              items[index] = value === undefined ? "" : value;
              emit();
            }}, [spec.type]),
        ]),
      ]));
    }

    function drawRows() {
      const shown = items.length ? items : (opts.required ? [undefined] : []);
      const list = h("div", {class: "wb-rows"});
      // Items that are structures (a branch's paths...) are row groups: the item's
      // own editor, repeated.
      const group = WB.wholeWidgets.has(item.input && item.input.widget);
      shown.forEach((value, index) => {
        const itemPath = WB.join(opts.path, index);
        const itemOpts = {...opts, spec: item, value, path: itemPath, required: false,
          label: `${item.label || opts.label || "Item"} ${index + 1}`,
          onChange: (next) => {
            items[index] = next === undefined ? "" : next;
            emit();
          }};
        list.appendChild(h("div", {class: `wb-list-row${group ? " wb-row-group" : ""}`,
          dataset: {path: itemPath}}, [
          group ? WB.valueEditor(app, itemOpts) : scalarEditor(app, itemOpts, [spec.type]),
          items.length ? WB.iconButton("✕", `Remove ${opts.label || "item"} ${index + 1}`, () => {
            items.splice(index, 1);
            emit();
            draw();
          }) : null,
        ]));
      });
      const add = h("button", {
        type: "button", class: "button wb-add-item wb-edit-only",
        text: `+ Add ${item.label ? item.label.toLowerCase() : "item"}`,
        onclick: () => {
          // The blank row shown for a required list is the first item: keep it.
          if (!items.length && shown.length) items.push(group ? {} : "");
          items.push(group ? {} : "");
          emit();
          draw();
          const inputs = wrap.querySelectorAll(".wb-list-row input, .wb-list-row select");
          if (inputs.length) inputs[inputs.length - 1].focus();
        },
      });
      return [list, add];
    }

    function draw() {
      wrap.replaceChildren();
      if (referable) {
        wrap.appendChild(modeSelect(mode, {list: "List", ref: "Reference"}, (next) => {
          mode = next;
          items = [];
          opts.onChange(next === "ref" ? {ref: ""} : (opts.keepEmpty ? [] : undefined));
          draw();
        }, opts));
      }
      if (mode === "ref") {
        const compatible = compatibleWith(app, [spec.type]);
        wrap.appendChild(WB.refPicker(app, {
          value: WB.isRef(opts.value) ? opts.value.ref : "", stepIndex: opts.stepIndex,
          accept: (entry) => compatible.has(entry.path),
          onChange: (path) => opts.onChange({ref: path}),
          label: `${opts.label || "Values"}: reference`, placeholder: "Choose a reference…",
          focus: opts.path,
        }));
        return;
      }
      const options = item.input && item.input.options;
      if (spec.min_items === 2 && spec.max_items === 2) {
        wrap.appendChild(drawPair());
      } else if (options && options.length && item.input.widget === "select") {
        wrap.appendChild(drawMultiSelect(options));
      } else {
        WB.append(wrap, drawRows());
      }
    }
    draw();
    return wrap;
  }

  // -- literal inputs: the server's form fields -------------------------------------

  function autosize(area) {
    const lines = area.value.split("\n").reduce(
      (count, line) => count + Math.max(1, Math.ceil(line.length / 90)), 0);
    area.rows = Math.min(Math.max(lines, 2), 14);
  }

  /**
   * Text typed into a JSON box: JSON when it parses; plain words (`critical`,
   * `Hello there`) are text; what starts like JSON but does not parse is an error.
   * Returns {value} or {error}.
   */
  WB.readJsonText = function (raw) {
    const text = raw.trim();
    if (!text) return {value: undefined};
    try {
      return {value: JSON.parse(text)};
    } catch (error) {
      if (/^[[{"]/.test(text)) {
        return {error: `This is not valid JSON (${error.message}). Fix it, or clear the box.`};
      }
      return {value: raw};
    }
  };

  /** How a JSON value shows in its box: text as typed, anything else as JSON. */
  function jsonText(value) {
    if (value === undefined) return "";
    if (typeof value === "string" && !/^\s*[[{"]/.test(value) &&
        WB.readJsonText(value).value === value) {
      return value;
    }
    return JSON.stringify(value, null, 2);
  }

  /**
   * How a value is shown in and read back from the server's input, by the kind the
   * server marks it with (data-wb-value, from the Django form field's class).
   * Each: show(control, value, opts, app) and read(control, opts, app) -> {value} or null
   * (nothing to save yet: the box keeps what was typed).
   */
  WB.valueKinds = new WB.Registry("value kind");

  WB.valueKinds.register("text", {
    show(control, value) {
      control.value = WB.display(value);
    },
    read(control, opts) {
      return {value: control.value === "" ? WB.emptyValue(opts) : control.value};
    },
  });

  /** A number: JSON numbers when exact, else the text (Number reads "12.50" exactly). */
  WB.valueKinds.register("number", {
    show(control, value) {
      const raw = WB.display(value);
      if (raw !== "" && !Number.isFinite(Number(raw))) control.type = "text";
      control.value = raw;
    },
    read(control, opts) {
      const text = control.value.trim();
      if (text === "") return {value: WB.emptyValue(opts)};
      const number = Number(text);
      return {value: Number.isFinite(number) && String(number) === text ? number : text};
    },
  });

  /** A duration, shown in words ("2 days" for P2D); what is typed is kept as typed. */
  WB.valueKinds.register("duration", {
    show(control, value) {
      control.value = WB.durationWords(value);
    },
    read: WB.valueKinds.get("text").read,
  });

  WB.valueKinds.register("bool", {
    show(control, value) {
      control.checked = value === true || value === "true";
    },
    read(control) {
      return {value: control.checked};
    },
  });

  /** One of the type's options: the server's <option>s are the type's options, in order. */
  function choiceOptions(control, opts) {
    const listed = Array.from(control.options).filter((option) => option.value !== "" &&
      option.value !== "__current");
    const values = (opts.spec.input.options || []).map((option) => option.value);
    return listed.map((option, index) => ({
      option, value: values.length === listed.length ? values[index] : option.value}));
  }

  WB.valueKinds.register("choice", {
    show(control, value, opts) {
      const fallback = opts.param ? opts.param.default : undefined;
      const unset = value === undefined || value === "";
      // An unset param with a default shows its default (what the step will use).
      const shown = unset && fallback !== undefined && fallback !== null ? fallback : value;
      const found = choiceOptions(control, opts).find((item) => sameValue(item.value, shown));
      if (found) {
        control.value = found.option.value;
        return;
      }
      if (!unset) {
        control.appendChild(h("option", {value: "__current",
          text: `${WB.display(value)} (not an option)`}));
        control.value = "__current";
      } else {
        control.value = "";
      }
    },
    read(control, opts) {
      if (control.value === "__current") return null;
      if (control.value === "") return {value: WB.emptyValue(opts)};
      const found = choiceOptions(control, opts).find((item) => item.option.selected);
      return {value: found ? found.value : control.value};
    },
  });

  /** A record's id as JSON: a number when it is one, else the text. */
  const recordId = (text, opts) => {
    const value = String(text).trim();
    if (!value) return WB.emptyValue(opts);
    return /^\d{1,15}$/.test(value) ? Number(value) : value;
  };

  /**
   * A record or user: the server's Django admin autocomplete (select2, searched by
   * what staff know), or the id of a record of any model. The chosen record is
   * shown by its name, asked from the autocomplete's own address.
   */
  WB.valueKinds.register("record", {
    show(control, value) {
      const current = WB.display(value);
      if (control.tagName !== "SELECT") {
        control.value = current;
        return;
      }
      if (!current) return;
      control.appendChild(new Option(`#${current}`, current, true, true));
      const url = control.getAttribute("data-ajax--url");
      if (!url) return;
      fetch(`${url}&${new URLSearchParams({pk: current})}`, {credentials: "same-origin",
        headers: {Accept: "application/json"}})
        .then((response) => (response.ok ? response.json() : {results: []}))
        .then((data) => {
          const found = (data.results || [])[0];
          if (!found || control.value !== current) return;
          // select2 keeps what an option said when it started: give it a new one.
          control.replaceChildren(new Option(found.text, current, true, true));
          const $ = window.django && window.django.jQuery;
          if ($) $(control).trigger("change.select2");
        })
        .catch(() => {});
    },
    read(control, opts) {
      return {value: recordId(control.value, opts)};
    },
  });

  /** Django admin's own scripts for an admin widget the server rendered (autocomplete). */
  function startAdminWidget(app, control, changed) {
    const $ = window.django && window.django.jQuery;
    if (!control.classList.contains("admin-autocomplete") || !$ || !$.fn.djangoAdminSelect2) {
      return false;
    }
    if (!app.readonly) {
      $(control).djangoAdminSelect2();
      // select2 tells changes through jQuery only.
      $(control).on("change", changed);
    }
    return true;
  }

  /**
   * JSON data or plain text. What cannot be read stays in the box (and in
   * app.drafts, so redrawing keeps it) and blocks Save with the error at the box.
   */
  WB.valueKinds.register("json", {
    show(control, value, opts, app) {
      const draft = WB.drafts.get(app, opts.path);
      control.value = draft !== undefined ? draft : jsonText(value);
    },
    read(control, opts, app) {
      const note = control.parentNode.querySelector(".wb-local-error");
      const read = WB.readJsonText(control.value);
      delete control.dataset.invalid;
      note.hidden = true;
      if (read.error) {
        WB.drafts.set(app, opts.path, control.value);
        control.dataset.invalid = "true";
        note.hidden = false;
        note.textContent = read.error;
        return null;
      }
      WB.drafts.clear(app, opts.path);
      return {value: read.value === undefined ? WB.emptyValue(opts) : read.value};
    },
  });

  /**
   * A value whose form field has several inputs (a date, a time and a timezone; the
   * schedule picker; a request's body as rows): the server renders them
   * (builder/widget/, htmx) from the value at first, then again from what they hold
   * whenever one changes or one of its buttons is pressed, and says the value they
   * make (data-wb-widget-value, JSON) or, at the field, what is wrong (which blocks
   * Save). Nothing of any such field is known here.
   */
  WB.valueKinds.register("widget", {
    event: "htmx:afterSwap",
    show(control, value, opts, app) {
      control.dataset.wbJson = JSON.stringify(value === undefined ? null : value);
      serverWidget(app, control, opts);
    },
    read(control, opts, app) {
      const answer = control.querySelector("[data-wb-widget-value]");
      if (!answer) return null;
      if (answer.hasAttribute("data-wb-invalid")) {
        control.dataset.invalid = "true";
        return null;
      }
      delete control.dataset.invalid;
      WB.drafts.clear(app, opts.path);
      if (answer.value === control.dataset.wbJson) return null;  // unchanged
      control.dataset.wbJson = answer.value;
      const value = JSON.parse(answer.value);
      return {value: value === null || value === "" ? WB.emptyValue(opts) : value};
    },
  });

  /** Server widgets with a question not yet answered (Save waits for them). */
  WB.pendingWidgets = (root) => root.querySelector("[data-wb-pending]");

  /** What a server widget's inputs send: checkboxes only when checked. */
  function inputValues(control, prefix) {
    const values = {};
    control.querySelectorAll("input[name], select[name], textarea[name]").forEach((input) => {
      if ((input.type === "checkbox" || input.type === "radio") && !input.checked) return;
      const name = prefix && input.name.startsWith(`${prefix}-`)
        ? input.name.slice(prefix.length + 1) : input.name;
      values[name] = input.value;
    });
    return values;
  }

  /** Ask the server for the inputs of `control` (kind "widget") as they change. */
  function serverWidget(app, control, opts) {
    const prefix = WB.uid("wbw");
    let ticket = 0;
    let sentInputs = "";
    let sentSiblings = "";
    // What the inputs held when last sent, by the value's place: a redraw of the
    // editor (the scope reloads, a step is added) shows them again, blank rows and
    // text that cannot be read included.
    app.widgetInputs = app.widgetInputs || new Map();
    const csrf = document.querySelector("#wb-check-form [name=csrfmiddlewaretoken]");
    const snapshot = () => JSON.stringify(inputValues(control, prefix));
    const siblings = () => {
      const names = (control.dataset.wbSiblings || "").split(" ").filter(Boolean);
      return Object.fromEntries(names.map((name) => [`sibling_${name}`,
        WB.display((opts.siblings || {})[name])]));
    };
    const earlier = () => {
      const draft = WB.drafts.get(app, opts.path);
      if (draft && draft.inputs) return draft.inputs;
      const kept = app.widgetInputs.get(opts.path);
      return kept && kept.json === control.dataset.wbJson ? kept.inputs : null;
    };
    const refresh = (changed, pressed) => {
      if (!control.isConnected || !window.htmx) return;
      const values = {type: control.dataset.wbType, widget: control.dataset.wbWidget,
        value: control.dataset.wbJson, prefix, label: opts.label || "", changed: changed || "",
        ticket: String(++ticket), ...siblings()};
      if (control.dataset.wbOptions) values.options = control.dataset.wbOptions;
      if (app.readonly) values.readonly = "1";
      const typed = control.querySelector("[name]") ? inputValues(control, prefix)
        : (earlier() || {});
      Object.entries(typed).forEach(([name, value]) => {
        values[`${prefix}-${name}`] = value;
      });
      if (pressed) values[pressed.name] = pressed.value;
      if (Object.keys(typed).length && !app.readonly) {
        app.widgetInputs.set(opts.path, {json: control.dataset.wbJson, inputs: typed});
      }
      sentInputs = snapshot();
      sentSiblings = JSON.stringify(siblings());
      control.dataset.wbPending = "true";
      // Editors post (a request's body may be long); others only look.
      const post = Boolean(csrf) && !app.readonly;
      window.htmx.ajax(post ? "POST" : "GET", control.dataset.wbWidgetUrl, {
        source: control, target: control, swap: "innerHTML", values,
        headers: post ? {"X-CSRFToken": csrf.value} : {}});
    };
    // Only the answer to the last question, while the inputs still hold what was sent.
    control.addEventListener("htmx:beforeSwap", (event) => {
      const asked = event.detail.requestConfig && event.detail.requestConfig.parameters.ticket;
      if (String(asked) !== String(ticket) || snapshot() !== sentInputs) {
        event.detail.shouldSwap = false;
      }
    });
    control.addEventListener("htmx:afterRequest", (event) => {
      const asked = event.detail.requestConfig && event.detail.requestConfig.parameters.ticket;
      if (String(asked) !== String(ticket)) return;
      delete control.dataset.wbPending;
      if (event.detail.successful && !app.readonly) {
        const answer = control.querySelector("[data-wb-widget-value]");
        const shown = inputValues(control, prefix);
        if (answer && answer.hasAttribute("data-wb-invalid")) {
          WB.drafts.set(app, opts.path, {inputs: shown});
        }
        // The rows as shown go with the value they make (read back on afterSwap).
        app.widgetInputs.set(opts.path, {json: control.dataset.wbJson, inputs: shown});
      }
      control.dispatchEvent(new CustomEvent("wb:widget-settled", {bubbles: true}));
    });
    control.addEventListener("htmx:afterSwap", () => {
      // Text that may hold {{ variables }}: "Insert variable" beside it.
      if (!WB.isStepPlace(opts.stepIndex) || app.readonly) return;
      control.querySelectorAll("[data-wb-template]").forEach((input) => {
        input.after(WB.variableInserter(app, opts.stepIndex, input));
      });
    });
    control.addEventListener("change", (event) => {
      if (event.target !== control && event.target.name) refresh(event.target.name);
    });
    // A button of the widget (add or remove a row) asks the server with its value.
    control.addEventListener("click", (event) => {
      const button = event.target.closest("button[name]");
      if (!button || !control.contains(button)) return;
      event.preventDefault();
      refresh(button.name, button);
    });
    const typed = WB.debounce((name) => refresh(name), 400);
    control.addEventListener("input", (event) => {
      if (event.target === control || !event.target.name) return;
      if (["INPUT", "TEXTAREA"].includes(event.target.tagName)) {
        control.dataset.wbPending = "true";
        typed(event.target.name);
      }
    });
    // Another setting it reads (the trigger's timezone) changed: ask again.
    app.root.addEventListener("wb:changed", () => {
      if (control.isConnected && control.dataset.wbSiblings &&
          JSON.stringify(siblings()) !== sentSiblings) refresh("");
    });
    let tries = 0;
    const start = () => {
      if (control.isConnected) refresh("");
      else if (++tries < 20) window.requestAnimationFrame(start);
    };
    queueMicrotask(start);
  }

  /** The control inside the server's HTML for `spec` (a text box when there is none). */
  function serverControl(spec) {
    const html = spec.input && spec.input.html;
    if (html) {
      const template = document.createElement("template");
      template.innerHTML = html;
      const control = template.content.querySelector("[data-wb-value]") ||
        template.content.querySelector("input, select, textarea");
      if (control) return control;
    }
    return h("input", {type: "text", class: "vTextField", "data-wb-value": "text"});
  }

  /**
   * What the server said about a value as typed (htmx: hx-post on change, the answer
   * into the .wb-field-check beside the input), kept by path in app.fieldChecks so
   * that a redraw of the editor (the scope reloads after a change) shows it again.
   */
  function watchChecks(app, opts, control) {
    const checks = (app.fieldChecks = app.fieldChecks || new Map());
    const note = h("span", {class: "wb-field-check", "aria-live": "polite"});
    control.after(note);
    const known = checks.get(opts.path);
    if (known && known.value === control.value) note.innerHTML = known.html;
    let sent = "";
    control.addEventListener("htmx:configRequest", (event) => {
      sent = control.value;
      event.detail.parameters.value = sent;  // this input's value alone
    });
    control.addEventListener("htmx:afterRequest", (event) => {
      if (!event.detail.successful) return;
      const html = event.detail.xhr.response || "";
      checks.set(opts.path, {value: sent, html});
      if (note.isConnected) return;  // htmx put it in place
      const selector = `[data-focus="${CSS.escape(control.dataset.focus)}"]`;
      const live = document.querySelector(selector);
      const liveNote = live && live.parentNode.querySelector(".wb-field-check");
      if (liveNote && live.value === sent) liveNote.innerHTML = html;
    });
    // The caller puts the input in the page before this runs.
    queueMicrotask(() => {
      if (control.isConnected) window.htmx.process(control);
    });
  }

  /**
   * The input of one literal value, as the server rendered it from the type's
   * Django form field (input.html): inserted as it is, shown and read back by the
   * kind it is marked with. No widget per type here: a type gets its input from
   * the server's value-type -> form-field mapping.
   */
  WB.fieldInput = function (app, opts) {
    const control = serverControl(opts.spec);
    const kind = WB.valueKinds.get(control.dataset.wbValue) || WB.valueKinds.get("text");
    // An input the server checks as typed (htmx, hx-post) belongs to the page's
    // check form (the CSRF token) and sends its own value alone; no input is part
    // of the builder's form (the definition is).
    const checked = control.hasAttribute("hx-post") && Boolean(window.htmx);
    control.removeAttribute("name");
    if (!checked) control.removeAttribute("form");
    control.classList.add("wb-input", `wb-${control.dataset.wbValue || "text"}`);
    if (control.tagName === "SELECT") control.classList.add("wb-select");
    if (opts.label) control.setAttribute("aria-label", opts.label);
    if (!control.getAttribute("placeholder") && opts.spec.input.placeholder &&
        control.tagName !== "SELECT") {
      control.setAttribute("placeholder", opts.spec.input.placeholder);
    }
    control.dataset.focus = focusKey(opts);
    let node = control;
    if (kind === WB.valueKinds.get("json")) {
      node = h("span", {class: "wb-json-wrap"}, [control,
        h("div", {class: "wb-local-error", hidden: true, role: "alert"})]);
    } else if (control.tagName === "TEXTAREA") {
      node = h("span", {class: "wb-template-wrap"}, [control]);
    } else if (checked) {
      node = h("span", {class: "wb-field"}, [control]);
    } else if (control.classList.contains("admin-autocomplete")) {
      // select2 puts its box beside the select: in this wrapper.
      control.setAttribute("data-width", "22em");
      control.setAttribute("data-placeholder", "Type to search…");
      node = h("span", {class: "wb-record-wrap"}, [control]);
    }
    kind.show(control, opts.value, opts, app);
    if (checked) watchChecks(app, opts, control);
    const changed = () => {
      if (control.tagName === "TEXTAREA" && kind !== WB.valueKinds.get("json")) autosize(control);
      const read = kind.read(control, opts, app);
      if (read) opts.onChange(read.value);
    };
    const textual = control.tagName === "TEXTAREA" ||
      (control.tagName === "INPUT" && !["checkbox", "radio"].includes(control.type));
    if (!startAdminWidget(app, control, changed)) {
      control.addEventListener(kind.event || (textual ? "input" : "change"), changed);
    }
    if (control.tagName === "TEXTAREA" && kind !== WB.valueKinds.get("json")) autosize(control);
    if (kind === WB.valueKinds.get("json") && WB.drafts.get(app, opts.path) !== undefined) {
      kind.read(control, opts, app);
    }
    // Text with {{ variables }}: the "Insert variable" helper beside it.
    if (opts.spec.template && control.tagName === "TEXTAREA" &&
        (WB.isStepPlace(opts.stepIndex) || opts.stepIndex === null)) {
      node.appendChild(WB.variableInserter(app, opts.stepIndex, control));
    }
    return node;
  };

  /** "P2D" -> "2 days", "PT1H30M" -> "1 hour 30 minutes"; other text as it is. */
  WB.durationWords = function (value) {
    const match = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i
      .exec(String(value || ""));
    if (!match || !/\d/.test(value)) return WB.display(value);
    const names = ["week", "day", "hour", "minute", "second"];
    return match.slice(1).map((count, index) => (count && Number(count) ? `${Number(count)} ${
      names[index]}${Number(count) === 1 ? "" : "s"}` : "")).filter(Boolean).join(" ") || "0 seconds";
  };

  WB.widgets.register("none", () => h("span", {class: "wb-none"}));

})(window);
