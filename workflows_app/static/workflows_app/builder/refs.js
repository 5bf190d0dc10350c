/*
 * Workflow builder: the scope (what a workflow may refer to), reference pickers and
 * the "Insert variable" helper. The scope comes from the server (see
 * workflows_app/admin/endpoints.py): labelled, typed paths and, for each type
 * something may ask for, the paths whose type fits. The operators a path offers are
 * the server's to list (workflows_app/admin/condition_rows.py).
 */
(function (window) {
  "use strict";

  const WB = window.WorkflowBuilder;
  const h = WB.h;

  /**
   * The scope metadata of the current definition. A place ("where") is null or
   * undefined for the trigger's scope (the workflow's conditions), a number N for
   * the top-level step N, or the path of a nested step ("steps[0].params.steps[1]"):
   * it sees what its top-level step sees plus what the server lists for it under
   * `nested` (`item.*` inside a for-each, the steps before it in its own list).
   */
  WB.Scope = class {
    constructor(data) {
      this.data = data || {paths: [], types: {}, compatible: {}, trigger_errors: []};
      this.byPath = new Map(this.data.paths.map((entry) => [entry.path, entry]));
      this.nested = new Map(Object.entries(this.data.nested || {}).map(([at, listing]) =>
        [at, {paths: listing.paths,
          byPath: new Map(listing.paths.map((entry) => [entry.path, entry])),
          compatible: listing.compatible || {}}]));
    }

    /** The nested listing of a place, if it is a nested step with one. */
    extra(where) {
      return typeof where === "string" ? this.nested.get(where) : undefined;
    }

    /** The top-level step index of a place (a nested step: the step holding it). */
    static topIndex(where) {
      if (typeof where !== "string") return where;
      const match = /^steps\[(\d+)\]/.exec(where);
      return match ? Number(match[1]) : 0;
    }

    entry(path, where) {
      const extra = this.extra(where);
      return (extra && extra.byPath.get(path)) || this.byPath.get(path);
    }

    type(spec) {
      return this.data.types[spec];
    }

    /**
     * Paths usable at a place: `stepIndex` null or undefined is the trigger's scope
     * (the workflow's conditions); a number adds the outputs of earlier steps.
     */
    available(where) {
      const stepIndex = WB.Scope.topIndex(where);
      const extra = this.extra(where);
      const own = extra ? new Set(extra.paths.map((entry) => entry.path)) : new Set();
      const top = this.data.paths.filter((entry) => !own.has(entry.path) &&
        (entry.step === null || entry.step === undefined ||
          (typeof stepIndex === "number" && entry.step < stepIndex)));
      return extra ? [...top, ...extra.paths] : top;
    }

    /** Paths whose type fits `spec` (a param, an operator value, a record field). */
    compatible(spec, where) {
      const extra = this.extra(where);
      return new Set([...(this.data.compatible[spec] || []),
        ...((extra && extra.compatible[spec]) || [])]);
    }

    /** The listed entry of `path` and the rest of it when it goes into JSON data. */
    resolve(path, where) {
      const found = this.entry(path, where);
      if (found) return {entry: found, rest: ""};
      const segments = String(path || "").split(".");
      for (let size = segments.length - 1; size > 0; size--) {
        const entry = this.entry(segments.slice(0, size).join("."), where);
        if (entry && entry.json) return {entry, rest: segments.slice(size).join(".")};
      }
      return {entry: null, rest: ""};
    }
  };

  /** Whether `where` is a step's place (a top-level index or a nested step's path). */
  WB.isStepPlace = function (where) {
    return typeof where === "number" || typeof where === "string";
  };

  /** How an entry reads inside its group: "Customer › Email (E-mail address)". */
  WB.entryLabel = function (entry) {
    let label = entry.label || entry.path;
    if (label.startsWith(`${entry.group} › `)) label = label.slice(entry.group.length + 3);
    return `${label} (${entry.type_label || entry.type})`;
  };

  function groupedOptions(select, entries) {
    const groups = new Map();
    entries.forEach((entry) => {
      if (!groups.has(entry.group)) groups.set(entry.group, []);
      groups.get(entry.group).push(entry);
    });
    groups.forEach((members, group) => {
      select.appendChild(h("optgroup", {label: group}, members.map((entry) =>
        h("option", {value: entry.path, title: entry.path, text: WB.entryLabel(entry)}))));
    });
  }

  /**
   * A reference picker. opts: value (a path), stepIndex, accept(entry) (default:
   * selectable entries), onChange(path), label, placeholder, focus (a focus key).
   * A path into JSON data (webhook payload) gets a sub-path input.
   */
  WB.refPicker = function (app, opts) {
    const scope = app.scope;
    const accept = opts.accept || ((entry) => entry.selectable);
    const entries = scope.available(opts.stepIndex).filter(accept);
    const resolved = opts.value ? scope.resolve(opts.value, opts.stepIndex) : {entry: null, rest: ""};
    const known = resolved.entry && entries.includes(resolved.entry);
    const select = h("select", {
      class: "wb-ref-select", "aria-label": opts.label || "Reference",
      dataset: {focus: `${opts.focus || ""}|ref`},
    });
    select.appendChild(h("option", {value: "", text: opts.placeholder || "Choose a value…"}));
    groupedOptions(select, entries);
    if (opts.value && !known) {
      select.appendChild(h("optgroup", {label: "Not available here"}, [
        h("option", {value: opts.value, text: opts.value})]));
    }
    select.value = opts.value ? (known ? resolved.entry.path : opts.value) : "";
    const sub = h("input", {
      type: "text", class: "wb-subpath", placeholder: "sub-path, e.g. customer.id",
      "aria-label": "Path inside the data", value: known ? resolved.rest : "",
      dataset: {focus: `${opts.focus || ""}|subpath`},
    });
    const showSub = () => {
      const entry = scope.entry(select.value, opts.stepIndex);
      sub.hidden = !(entry && entry.json);
    };
    const emit = () => {
      const entry = scope.entry(select.value, opts.stepIndex);
      const rest = entry && entry.json ? sub.value.trim().replace(/^\.+|\.+$/g, "") : "";
      opts.onChange(select.value ? (rest ? `${select.value}.${rest}` : select.value) : "");
    };
    select.addEventListener("change", () => {
      sub.value = "";
      showSub();
      emit();
    });
    sub.addEventListener("change", emit);
    showSub();
    return h("span", {class: "wb-ref-picker"}, [select, sub]);
  };

  function insertAtCursor(field, text) {
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? start;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    field.selectionStart = field.selectionEnd = start + text.length;
    field.dispatchEvent(new Event("input", {bubbles: true}));
    field.focus();
  }

  /** "Insert variable": a picker that inserts {{ path }} into `target` at the cursor. */
  WB.variableInserter = function (app, stepIndex, target) {
    const select = h("select", {
      class: "wb-insert-variable wb-edit-only", "aria-label": "Insert variable",
    }, [h("option", {value: "", text: "Insert variable…"})]);
    groupedOptions(select, app.scope.available(stepIndex).filter((entry) => entry.selectable));
    select.addEventListener("change", () => {
      if (!select.value) return;
      insertAtCursor(target, `{{ ${select.value} }}`);
      select.value = "";
    });
    return select;
  };
})(window);
