/*
 * Workflow builder: the condition editor.
 *
 * Renders any condition tree faithfully ({"all": [...]}, {"any": [...]}, {"not": {...}}
 * and comparisons, nested to any depth) and edits it in place. A new condition is
 * one comparison, shown as one row; groups appear only when a second condition is
 * added ("+ Condition (AND)" / "(OR)"). A group holding a single item at the top
 * ({"any": [{"all": [comparison]}]}) means that item, and is shown as it.
 * Adding, removing and grouping rows is done here, on the tree; each comparison
 * row is rendered by the server (see renderLeaf).
 */
(function (window) {
  "use strict";

  const WB = window.WorkflowBuilder;
  const h = WB.h;

  const GROUP_KINDS = ["all", "any"];
  const KIND_LABELS = {all: "ALL of these match", any: "ANY of these matches"};
  const JOINERS = {all: "and", any: "or"};

  WB.newLeaf = () => ({ref: "", op: ""});

  /** The server's operator lists (HTML by request) for one scope: a new scope asks anew. */
  const answers = new WeakMap();
  WB.operatorAnswers = function (scope) {
    if (!answers.has(scope)) answers.set(scope, new Map());
    return answers.get(scope);
  };
  /** The same for whole rows (the reference picker and the operator list). */
  const rows = new WeakMap();
  /** The last answer for each row, whatever the scope: shown while a new one is asked. */
  const lastRows = new Map();
  WB.rowAnswers = function (scope) {
    if (!rows.has(scope)) rows.set(scope, new Map());
    return rows.get(scope);
  };

  /** "empty", "all", "any", "not", "leaf" or "invalid". */
  WB.conditionKind = function (node) {
    if (node === undefined || node === null) return "empty";
    if (!WB.isObject(node)) return "invalid";
    const keys = Object.keys(node);
    if (keys.length === 0) return "empty";
    if (keys.length === 1 && GROUP_KINDS.includes(keys[0]) && Array.isArray(node[keys[0]])) {
      return keys[0];
    }
    if (keys.length === 1 && keys[0] === "not" && WB.isObject(node.not)) return "not";
    if ("ref" in node || "op" in node) return "leaf";
    return "invalid";
  };

  function defaultValue(spec) {
    if (!spec) return undefined;
    if (spec.item) return spec.min_items === 2 && spec.max_items === 2 ? ["", ""] : [];
    if (spec.input && spec.input.widget === "checkbox") return true;
    return "";
  }

  /**
   * A condition editor. opts: get() -> the tree, set(tree | undefined), path (where
   * errors about it are reported: "conditions", "steps[0].when"), stepIndex (null:
   * the workflow's conditions), emptyText.
   */
  WB.conditionEditor = function (app, opts) {
    const container = h("div", {class: "wb-condition-editor"});
    const changed = () => app.changed();
    const draw = () => WB.redraw(app, container, () => container.replaceChildren(renderRoot()));

    /** The tree without groups of one item around it (the same condition). */
    function unwrapped(node) {
      let current = node;
      let path = opts.path;
      for (;;) {
        const kind = WB.conditionKind(current);
        if ((kind !== "all" && kind !== "any") || current[kind].length !== 1) {
          return {node: current, path};
        }
        current = current[kind][0];
        path = WB.join(WB.join(path, kind), 0);
      }
    }

    function renderRoot() {
      const {node, path: rootPath} = unwrapped(opts.get());
      if (WB.conditionKind(node) === "empty") {
        return h("div", {class: "wb-empty", dataset: {path: opts.path}}, [
          h("p", {class: "wb-empty-text", text: opts.emptyText || "No conditions."}),
          h("button", {
            type: "button", class: "button wb-edit-only wb-add-first-condition",
            text: "+ Add a condition",
            onclick: () => {
              opts.set(WB.newLeaf());
              changed();
              container.dataset.focusNewRow = "true";  // once the server's row is in
              draw();
            },
          }),
        ]);
      }
      const kind = WB.conditionKind(node);
      if (kind === "all" || kind === "any") {
        return renderNode(node, rootPath, (next) => opts.set(next), null, 0);
      }
      // A single comparison (or "not") at the top: offer to combine it with more.
      return h("div", {class: "wb-root-single"}, [
        renderNode(node, rootPath, (next) => opts.set(next), () => {
          opts.set(undefined);
          changed();
          draw();
        }, 1),
        h("div", {class: "wb-group-actions wb-edit-only"}, [
          h("button", {type: "button", class: "button wb-add-condition", text: "+ Condition (AND)",
            onclick: () => {
              opts.set({all: [node, WB.newLeaf()]});
              changed();
              draw();
            }}),
          h("button", {type: "button", class: "button wb-add-group", text: "+ Condition (OR)",
            onclick: () => {
              opts.set({any: [node, WB.newLeaf()]});
              changed();
              draw();
            }}),
        ]),
      ]);
    }

    function renderNode(node, path, replace, remove, depth) {
      const kind = WB.conditionKind(node);
      if (kind === "all" || kind === "any") return renderGroup(node, kind, path, remove, depth);
      if (kind === "not") return renderNot(node, path, replace, remove, depth);
      if (kind === "leaf") return renderLeaf(node, path, remove);
      return h("div", {class: "wb-invalid-condition", dataset: {path}}, [
        h("span", {text: kind === "empty" ? "Empty condition (always matches)" : "Not a condition:"}),
        kind === "empty" ? null : h("code", {text: JSON.stringify(node)}),
        remove ? WB.iconButton("✕", "Remove", remove) : null,
      ]);
    }

    function renderGroup(node, kind, path, remove, depth) {
      const children = node[kind];
      const bodyPath = WB.join(path, kind);
      const other = kind === "all" ? "any" : "all";
      const kindSelect = h("select", {
        class: "wb-group-kind", "aria-label": "How to combine these conditions",
        dataset: {focus: `${path}|kind`},
      }, GROUP_KINDS.map((value) => h("option", {value, text: KIND_LABELS[value]})));
      kindSelect.value = kind;
      kindSelect.addEventListener("change", () => {
        node[kindSelect.value] = node[kind];
        delete node[kind];
        changed();
        draw();
      });
      const body = h("div", {class: "wb-group-body", dataset: {path: bodyPath}});
      children.forEach((child, index) => {
        if (index > 0) body.appendChild(h("div", {class: `wb-joiner wb-joiner-${kind}`, text: JOINERS[kind]}));
        body.appendChild(renderNode(child, WB.join(bodyPath, index),
          (next) => { children[index] = next; },
          () => {
            children.splice(index, 1);
            if (depth === 0 && children.length === 0) opts.set(undefined);
            changed();
            draw();
          }, depth + 1));
      });
      if (!children.length) {
        body.appendChild(h("p", {class: "wb-empty-text", text: "Empty group (always matches)."}));
      }
      const add = (item) => {
        children.push(item);
        changed();
        draw();
      };
      return h("div", {class: `wb-group wb-group-${kind} wb-depth-${Math.min(depth, 3)}`,
        dataset: {path}}, [
        h("div", {class: "wb-group-header"}, [
          h("span", {class: "wb-group-title", text: "Match when"}),
          kindSelect,
          remove ? WB.iconButton("✕", "Remove this group", remove) : null,
        ]),
        body,
        h("div", {class: "wb-group-actions wb-edit-only"}, [
          h("button", {type: "button", class: "button wb-add-condition", text: "+ Condition",
            onclick: () => add(WB.newLeaf())}),
          h("button", {type: "button", class: "button wb-add-group",
            text: `+ Group (${JOINERS[other].toUpperCase()})`,
            onclick: () => add({[other]: [WB.newLeaf()]})}),
        ]),
      ]);
    }

    function renderNot(node, path, replace, remove, depth) {
      const innerPath = WB.join(path, "not");
      return h("div", {class: "wb-group wb-not", dataset: {path}}, [
        h("div", {class: "wb-group-header"}, [
          h("span", {class: "wb-group-title", text: "NOT: this must not match"}),
          WB.iconButton("⤴", "Remove the NOT (keep what is inside)", () => {
            replace(node.not);
            changed();
            draw();
          }),
          remove ? WB.iconButton("✕", "Remove", remove) : null,
        ]),
        h("div", {class: "wb-group-body", dataset: {path: innerPath}}, [
          renderNode(node.not, innerPath, (next) => { node.not = next; }, null, depth + 1),
        ]),
      ]);
    }

    /** The place of this editor's rows, as the server reads it ("" for the workflow's). */
    const place = opts.stepIndex === null || opts.stepIndex === undefined
      ? "" : String(opts.stepIndex);

    /**
     * A comparison row. The row itself (what it tests and its operator list) comes
     * from the server (`builder/condition-row/`, asked through htmx); when the
     * reference or the operator changes, the operator list and the description of the
     * value it compares with come from `builder/operators/`: the server knows which
     * operators a reference's type offers. This script adds the value's input (from
     * the server's HTML) and the remove button, and writes the definition. Answers are
     * kept per scope, so a redraw does not ask again.
     */
    function renderLeaf(node, path, remove) {
      const row = h("div", {class: "wb-leaf-row"});
      const leaf = h("div", {class: "wb-leaf", dataset: {path}}, [row]);
      let opBox = h("div", {class: "wb-leaf-op", dataset: {path: WB.join(path, "op")}});
      const valuePath = WB.join(path, "value");
      const valueBox = h("div", {class: "wb-leaf-value", dataset: {path: valuePath}});
      let current = null;  // what the server said: {op, offered, spec}
      let pending = null;  // the question asked: {key, reconcile, before, focusKey}

      let drawn = null;  // the value description the value's input was built from

      function drawValue() {
        drawn = current && current.offered && current.spec ? JSON.stringify(current.spec) : null;
        valueBox.replaceChildren();
        if (current && current.offered && current.spec) {
          valueBox.appendChild(WB.valueEditor(app, {
            spec: current.spec, value: node.value, path: valuePath, stepIndex: opts.stepIndex,
            refs: true, keepEmpty: true, required: true, label: "Compare with",
            onChange: (value) => {
              node.value = value === undefined ? "" : value;
              changed();
            },
          }));
        } else if ((!current || !current.offered) && node.value !== undefined) {
          valueBox.appendChild(h("code", {text: JSON.stringify(node.value)}));
        }
      }

      /** Take the server's fragment now in opBox; `before`: the value spec until now. */
      function takeFragment(reconcile, before, focusKey) {
        const select = opBox.querySelector("select.wb-op");
        const data = opBox.querySelector("script[type='application/json']");
        if (!select || !data) return;
        current = JSON.parse(data.textContent);
        let dirty = false;
        let valueReset = false;
        if ((node.op || "") !== current.op) {
          node.op = current.op;  // the reference does not offer the operator it had
          dirty = true;
        }
        if (reconcile) {
          const after = current.offered ? current.spec : null;
          if (!after) {
            if ("value" in node) {
              delete node.value;
              dirty = valueReset = true;
            }
          } else if (!before || before.type !== after.type || !("value" in node)) {
            node.value = defaultValue(after);
            dirty = valueReset = true;
          }
        }
        select.addEventListener("change", () => {
          const previous = current && current.offered ? current.spec : null;
          node.op = select.value;
          changed();
          loadOperators(true, previous);
        });
        // The same input as before (another operator comparing with the same type):
        // kept as it is, with what is being typed in it.
        const same = drawn !== null && valueBox.firstChild &&
          drawn === JSON.stringify(current.offered ? current.spec : null);
        if (valueReset || !same) drawValue();
        if (dirty) changed();
        app.decorate(leaf);
        if (focusKey && (!document.activeElement || document.activeElement === document.body)) {
          const next = leaf.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`);
          if (next) next.focus();
        }
      }

      /** Ask the server for the operator list of the row's reference (or use its answer). */
      function loadOperators(reconcile, before) {
        const ref = typeof node.ref === "string" ? node.ref : "";
        const values = {ref, op: node.op || "", at: place, path, pick: reconcile ? "1" : ""};
        const active = document.activeElement;
        const focusKey = active && leaf.contains(active) ? active.dataset.focus : null;
        pending = null;
        if (!ref || !window.htmx || !app.meta.urls.operators) {
          current = {op: node.op || "", offered: false, spec: null};
          opBox.replaceChildren(h("select", {
            class: "wb-op", "aria-label": "Comparison", dataset: {focus: `${path}|op`},
          }, [h("option", {value: "", text: "—"})]));
          if (!ref && reconcile && "value" in node) {
            delete node.value;
            changed();
          }
          drawValue();
          app.decorate(leaf);
          return;
        }
        const cache = WB.operatorAnswers(app.scope);
        const key = JSON.stringify(values);
        if (cache.has(key)) {
          opBox.innerHTML = cache.get(key);
          takeFragment(reconcile, before, focusKey);
          return;
        }
        opBox.setAttribute("aria-busy", "true");
        opBox.replaceChildren(h("select", {
          class: "wb-op", "aria-label": "Comparison", disabled: true,
        }, [h("option", {value: "", text: "…"})]));
        pending = {key, reconcile, before, focusKey};
        const readonly = app.readonly;
        // Sent once the row is on the page (htmx asks only for elements in it).
        queueMicrotask(() => {
          if (!opBox.isConnected || !pending || pending.key !== key) return;
          window.htmx.ajax(readonly ? "GET" : "POST", app.meta.urls.operators, {
            source: opBox, target: opBox, swap: "innerHTML",
            values: {...values, definition: app.textarea.value},
            headers: readonly ? {} : {"X-CSRFToken": app.csrfToken},
          });
        });
      }

      // The answer to the latest question only: an earlier one still on its way is ignored.
      function answered(box, data) {
        const script = box.querySelector(":scope > script[type='application/json']");
        const asked = script ? JSON.parse(script.textContent).asked : null;
        return Boolean(pending && asked && JSON.stringify(asked) === pending.key);
      }

      function listenForOperators() {
        opBox.addEventListener("htmx:afterSwap", (event) => {
          if (event.target !== opBox || !answered(opBox)) return;
          const {key, reconcile, before, focusKey} = pending;
          pending = null;
          opBox.removeAttribute("aria-busy");
          WB.operatorAnswers(app.scope).set(key, opBox.innerHTML);
          takeFragment(reconcile, before, focusKey);
        });
      }

      /** Bind the row the server rendered: its reference picker and operator list. */
      function takeRow(focusKey) {
        const select = row.querySelector("select.wb-ref-select");
        const sub = row.querySelector("input.wb-subpath");
        opBox = row.querySelector(".wb-leaf-op");
        if (!select || !sub || !opBox) return;
        listenForOperators();
        const takesSub = () => {
          const option = select.selectedOptions[0];
          return Boolean(option && option.dataset.json);
        };
        const emit = () => {
          const rest = takesSub() ? sub.value.trim().replace(/^\.+|\.+$/g, "") : "";
          const ref = select.value ? (rest ? `${select.value}.${rest}` : select.value) : "";
          const before = current && current.offered ? current.spec : null;
          node.ref = ref;
          changed();
          loadOperators(true, before);
        };
        select.addEventListener("change", () => {
          sub.value = "";
          sub.hidden = !takesSub();
          emit();
        });
        sub.addEventListener("change", emit);
        row.appendChild(valueBox);
        if (remove) row.appendChild(WB.iconButton("✕", "Remove this condition", remove));
        takeFragment(false, null, focusKey);
        if (container.dataset.focusNewRow) {
          delete container.dataset.focusNewRow;
          if (!app.readonly) select.focus();
        }
      }

      /**
       * Ask the server for the row (or use its answer for this scope). A row drawn
       * again after the scope changed shows its last answer at once and is replaced
       * only if the server's new answer differs (an open record search stays open).
       */
      function loadRow() {
        const ref = typeof node.ref === "string" ? node.ref : "";
        const values = {ref, op: node.op || "", at: place, path, pick: ""};
        const key = JSON.stringify(values);
        const cache = WB.rowAnswers(app.scope);
        if (cache.has(key)) {
          row.innerHTML = cache.get(key);
          takeRow(null);
          return;
        }
        // The row this one redraws may have the focus: it comes back once the row is in.
        const active = document.activeElement;
        const focus = active && active.dataset ? active.dataset.focus : "";
        const focusKey = focus && focus.startsWith(`${path}|`) ? focus : null;
        let shown = lastRows.get(key);
        if (shown !== undefined) {
          row.innerHTML = shown;
          takeRow(null);
        } else {
          row.setAttribute("aria-busy", "true");
        }
        const scope = app.scope;
        row.addEventListener("htmx:afterRequest", (event) => {
          if (event.detail.elt !== row || !event.detail.successful) return;
          const html = event.detail.xhr.responseText;
          const answer = document.createElement("template");
          answer.innerHTML = html;
          const script = answer.content.querySelector(".wb-leaf-op > script[type='application/json']");
          if (!script || JSON.stringify(JSON.parse(script.textContent).asked) !== key) return;
          WB.rowAnswers(scope).set(key, html);
          lastRows.set(key, html);
          row.removeAttribute("aria-busy");
          if (html === shown || !row.isConnected) return;
          shown = html;
          row.innerHTML = html;
          takeRow(focusKey);
        });
        const readonly = app.readonly;
        queueMicrotask(() => {
          if (!row.isConnected) return;
          // Swapped by the handler above: only when the answer differs from what is shown.
          window.htmx.ajax(readonly ? "GET" : "POST", app.meta.urls.conditionRow, {
            source: row, target: row, swap: "none",
            values: {...values, definition: app.textarea.value},
            headers: readonly ? {} : {"X-CSRFToken": app.csrfToken},
          });
        });
      }

      if (window.htmx && app.meta.urls.conditionRow) {
        loadRow();
      } else {
        row.appendChild(h("p", {class: "wb-empty-text", text: "This condition needs the server."}));
      }
      return leaf;
    }

    container.appendChild(renderRoot());
    return container;
  };
})(window);
