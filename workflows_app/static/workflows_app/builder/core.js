/*
 * Workflow builder: shared helpers.
 *
 * The builder is a few plain scripts sharing one namespace, window.WorkflowBuilder
 * (WB): core (this file), refs, widgets, widgets_extra, conditions, trigger,
 * steps and app. No build step, no dependencies. Everything is rendered from the
 * definition JSON and the metadata the server embeds in the page.
 */
(function (window) {
  "use strict";

  const WB = (window.WorkflowBuilder = window.WorkflowBuilder || {});

  const BOOLEAN_PROPS = new Set(["checked", "disabled", "multiple", "selected", "hidden",
    "required", "open", "readOnly"]);

  /**
   * Create an element: h("input", {type: "text", value: "x", oninput: fn}, children).
   * "class", "text", "dataset" and "on<event>" are handled specially; "value" is set
   * after the children (so a <select> finds its options).
   */
  WB.h = function (tag, props, children) {
    const node = document.createElement(tag);
    let value;
    for (const [key, raw] of Object.entries(props || {})) {
      if (raw === undefined || raw === null) continue;
      if (key === "class") node.className = raw;
      else if (key === "text") node.textContent = raw;
      else if (key === "dataset") Object.assign(node.dataset, raw);
      else if (key === "value") value = raw;
      else if (key.startsWith("on") && typeof raw === "function") {
        node.addEventListener(key.slice(2), raw);
      } else if (BOOLEAN_PROPS.has(key)) node[key] = Boolean(raw);
      else if (raw !== false) node.setAttribute(key, raw === true ? "" : String(raw));
    }
    WB.append(node, children);
    if (value !== undefined) node.value = value;
    return node;
  };

  /** Append nodes, strings and (nested) arrays of them; null/undefined/false are skipped. */
  WB.append = function (parent, children) {
    if (children === undefined || children === null || children === false) return parent;
    if (Array.isArray(children)) {
      children.forEach((child) => WB.append(parent, child));
    } else if (children instanceof Node) {
      parent.appendChild(children);
    } else {
      parent.appendChild(document.createTextNode(String(children)));
    }
    return parent;
  };

  /** Path syntax of the engine's errors: join("a", "b") -> "a.b"; join("a", 0) -> "a[0]". */
  WB.join = function (base, part) {
    if (typeof part === "number") return `${base}[${part}]`;
    return base ? `${base}.${part}` : String(part);
  };

  /** The parent of a path ("a.b[0]" -> "a.b"), or "" at the top. */
  WB.parentPath = function (path) {
    const match = /(\.[^.[\]]+|\[\d+\])$/.exec(path);
    return match ? path.slice(0, match.index) : "";
  };

  WB.isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

  /** Whether `value` is a reference: {"ref": PATH} and nothing else. */
  WB.isRef = (value) => WB.isObject(value) && Object.keys(value).length === 1 &&
    typeof value.ref === "string";

  WB.clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

  let counter = 0;
  WB.uid = (prefix) => `${prefix || "wb"}-${++counter}`;

  WB.debounce = function (fn, wait) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn.apply(this, args), wait);
    };
  };

  /** A tiny registry, like the engine's: register(name, item) / get(name). */
  WB.Registry = class {
    constructor(kind) {
      this.kind = kind;
      this.items = new Map();
    }
    register(name, item) {
      if (this.items.has(name)) throw new Error(`${this.kind} "${name}" is already registered`);
      this.items.set(name, item);
      return item;
    }
    get(name) {
      return this.items.get(name);
    }
    has(name) {
      return this.items.has(name);
    }
  };

  /**
   * Text typed into a box that could not be read (invalid JSON...), by the path of
   * the box: kept across redraws and blocking Save until fixed or cleared.
   */
  WB.drafts = {
    all: (app) => (app.drafts = app.drafts || new Map()),
    get: (app, path) => WB.drafts.all(app).get(path),
    set: (app, path, text) => WB.drafts.all(app).set(path, text),
    clear: (app, path) => WB.drafts.all(app).delete(path),
    /** Steps moved or were removed: `newIndex(old)` is a step's new index (null: gone). */
    renumberSteps(app, newIndex) {
      const moved = new Map();
      WB.drafts.all(app).forEach((text, path) => {
        const match = /^steps\[(\d+)\](.*)$/.exec(path);
        if (!match) {
          moved.set(path, text);
          return;
        }
        const index = newIndex(Number(match[1]));
        if (index !== null) moved.set(`steps[${index}]${match[2]}`, text);
      });
      app.drafts = moved;
    },
  };

  /** Callbacks run with the app after the scope was (re)loaded and the editor drawn. */
  WB.afterScope = [];

  /** A small icon-like button (move, remove) with an accessible name. */
  WB.iconButton = function (text, label, onclick, extraClass) {
    return WB.h("button", {
      type: "button", class: `wb-icon-button wb-edit-only ${extraClass || ""}`.trim(),
      title: label, "aria-label": label, text, onclick,
    });
  };

  /** A param's help, plus its default unless the help already mentions one. */
  WB.helpText = function (param) {
    const help = param.help || "";
    const hasDefault = param.default !== null && param.default !== undefined &&
      typeof param.default !== "boolean" && !/default/i.test(help);
    return [help, hasDefault ? `Default: ${WB.display(param.default)}.` : ""]
      .filter(Boolean).join(" ");
  };

  /** A labelled row in Django admin's "aligned" style. */
  WB.row = function ({label, path, required, help, control, id, extraClass}) {
    if (id && control) {
      const field = control.matches("input, select, textarea") ? control
        : control.querySelector("input, select, textarea");
      if (field && !field.id) field.id = id;
      else id = field ? field.id : undefined;
    }
    const labelNode = label
      ? WB.h("label", {class: required ? "required" : "", for: id, text: `${label}:`})
      : null;
    return WB.h("div", {class: `form-row wb-row ${extraClass || ""}`.trim(), dataset: path !== undefined ? {path} : undefined}, [
      WB.h("div", {class: "flex-container wb-row-inner"}, [labelNode,
        WB.h("div", {class: "wb-control"}, [control,
          help ? WB.h("div", {class: "help", text: help}) : null])]),
    ]);
  };
})(window);
