/*
 * Workflow builder: the list of steps and the step catalogue.
 *
 * A step's card is generated from its metadata (workflows_app.metadata.step_metadata: each
 * param's value type): a key, an optional label, one input per param as its type
 * asks, and the options every step has (run only if, on error, retry). Nothing
 * here knows a particular step.
 */
(function (window) {
  "use strict";

  const WB = window.WorkflowBuilder;
  const h = WB.h;

  WB.steps = {};

  /** A key for a new step of `type` that no other step uses ("email_send_2"). */
  WB.steps.newKey = function (type, steps) {
    let base = String(type).toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (!/^[a-z]/.test(base)) base = `step_${base}`;
    base = base.slice(0, 56);
    const used = new Set(steps.map((step) => (WB.isObject(step) ? step.key : null)));
    if (!used.has(base)) return base;
    for (let suffix = 2; ; suffix++) {
      if (!used.has(`${base}_${suffix}`)) return `${base}_${suffix}`;
    }
  };

  function stepsList(app) {
    if (!Array.isArray(app.definition.steps)) app.definition.steps = [];
    return app.definition.steps;
  }

  /** Add a step of `type` at the end; called by the catalogue's buttons. */
  WB.steps.add = function (app, type) {
    const steps = stepsList(app);
    steps.push({key: WB.steps.newKey(type, allSteps(app.definition, [])), type, params: {}});
    app.structureChanged({immediate: true});
    app.render();
    const cards = document.querySelectorAll(".wb-step");
    const card = cards[cards.length - 1];
    if (card) {
      card.scrollIntoView({block: "nearest"});
      const first = card.querySelector(".wb-step-body input, .wb-step-body select, .wb-step-body textarea");
      if (first) first.focus();
    }
  };

  /** The workflow's own steps: the top-level list. */
  const TOP = {
    path: "steps",
    top: true,
    scopeIndex: (index) => index,
    changed: () => {},
  };

  /** Render every step into `container`. */
  WB.steps.render = function (app, container) {
    container.replaceChildren();
    const steps = Array.isArray(app.definition.steps) ? app.definition.steps : [];
    if (app.definition.steps !== undefined && !Array.isArray(app.definition.steps)) {
      container.appendChild(h("p", {class: "wb-invalid-condition", dataset: {path: "steps"}},
        ["Steps are not a list: ", h("code", {text: JSON.stringify(app.definition.steps)})]));
      return;
    }
    if (!steps.length) {
      container.appendChild(h("p", {class: "wb-empty-text", text: "No steps yet: add what the workflow should do."}));
      return;
    }
    container.appendChild(WB.steps.list(app, steps, TOP));
  };

  /**
   * The cards of `steps` (an array inside the definition, edited in place). `where`:
   * path (of the list, for errors), top (the workflow's own list), scopeIndex(index)
   * (the place whose scope a card sees: its index at the top level, its path when
   * nested) and changed() (the list was edited).
   */
  WB.steps.list = function (app, steps, where) {
    return h("ol", {class: `wb-step-list${where.top ? "" : " wb-nested-step-list"}`,
      dataset: {path: where.path}},
    steps.map((step, index) => stepCard(app, steps, step, index, where)));
  };

  function move(app, steps, index, offset, where, card) {
    const target = index + offset;
    if (target < 0 || target >= steps.length) return;
    [steps[index], steps[target]] = [steps[target], steps[index]];
    if (where.top) {
      WB.drafts.renumberSteps(app, (old) => (old === index ? target : (old === target ? index : old)));
    }
    where.changed();
    app.structureChanged({immediate: true});
    const list = card.parentNode;
    const listPath = list ? list.dataset.path : null;
    app.render();
    const selector = `[data-path="${CSS.escape(WB.join(listPath || where.path, target))}"] .wb-move-${offset < 0 ? "up" : "down"}`;
    const button = document.querySelector(selector);
    if (button && !button.disabled) button.focus();
  }

  function stepCard(app, steps, step, index, where) {
    const path = WB.join(where.path, index);
    let card = null;
    const meta = WB.isObject(step) ? app.stepMeta(step.type) : null;
    const title = meta ? meta.label : (WB.isObject(step) ? `Unknown step “${step.type}”` : "Not a step");
    const header = h("div", {class: "wb-step-header"}, [
      h("span", {class: "wb-step-number", text: String(index + 1)}),
      h("span", {class: "wb-step-title"}, [h("strong", {text: title}),
        WB.isObject(step) ? h("code", {class: "wb-step-type", text: String(step.type)}) : null]),
      h("span", {class: "wb-step-tools"}, [
        WB.iconButton("↑", `Move step ${index + 1} up`, () => move(app, steps, index, -1, where, card), "wb-move-up"),
        WB.iconButton("↓", `Move step ${index + 1} down`, () => move(app, steps, index, 1, where, card), "wb-move-down"),
        WB.iconButton("✕", `Remove step ${index + 1}`, () => {
          steps.splice(index, 1);
          if (where.top) {
            WB.drafts.renumberSteps(app, (old) => (old === index ? null : (old > index ? old - 1 : old)));
          }
          where.changed();
          app.structureChanged({immediate: true});
          app.render();
        }, "wb-remove-step"),
      ]),
    ]);
    const tools = header.querySelectorAll(".wb-move-up, .wb-move-down");
    tools[0].disabled = index === 0;
    tools[1].disabled = index === steps.length - 1;
    const body = h("div", {class: "wb-step-body"});
    if (!WB.isObject(step)) {
      body.appendChild(h("code", {text: JSON.stringify(step)}));
    } else {
      fillBody(app, body, step, where.scopeIndex(index), path, meta);
    }
    card = h("li", {class: "wb-step", dataset: {path, stepType: WB.isObject(step) ? String(step.type) : ""}},
      [header, body]);
    return card;
  }

  function fillBody(app, body, step, index, path, meta) {
    if (meta && meta.description) {
      body.appendChild(h("p", {class: "wb-step-description", text: meta.description}));
    }
    const keyInput = h("input", {
      type: "text", class: "vTextField wb-step-key", value: WB.display(step.key),
      dataset: {focus: `${path}.key|value`}, spellcheck: "false",
      onchange: (event) => {
        step.key = event.target.value.trim();
        app.structureChanged();
      },
    });
    const labelId = WB.uid("wb-label");
    body.appendChild(WB.row({
      label: "Label", path: WB.join(path, "label"), id: labelId,
      help: "A name for this step, shown in run history and in messages.",
      control: h("input", {
        type: "text", class: "vTextField wb-step-label", value: WB.display(step.label),
        dataset: {focus: `${path}.label|value`},
        placeholder: meta ? meta.label : "",
        oninput: (event) => {
          const before = step.label;
          if (event.target.value) step.label = event.target.value;
          else delete step.label;
          if (WB.steps.followLabel(app, step, before)) {
            keyInput.value = step.key;
            app.structureChanged();
          } else {
            app.changed();
          }
        },
      }),
    }));
    body.appendChild(keyRow(step, path, keyInput));
    const paramsPath = WB.join(path, "params");
    if (step.params !== undefined && !WB.isObject(step.params)) {
      body.appendChild(h("div", {class: "wb-invalid-condition", dataset: {path: paramsPath}},
        ["Params are not an object: ", h("code", {text: JSON.stringify(step.params)})]));
      return;
    }
    // Attached to the step on the first change only: rendering never edits the definition.
    const params = WB.isObject(step.params) ? step.params : {};
    const declared = meta ? meta.params : [];
    const paramsBox = h("div", {class: "wb-params", dataset: {path: paramsPath}});
    declared.forEach((param) => {
      const paramPath = WB.join(paramsPath, param.name);
      const id = WB.uid("wb-param");
      const editor = WB.valueEditor(app, {
        spec: param.value_type, value: params[param.name], path: paramPath, stepIndex: index,
        refs: true, required: param.required && param.default === null, label: param.label,
        param, siblings: params,
        onChange: (value) => {
          if (!WB.isObject(step.params)) step.params = params;
          if (value === undefined) delete params[param.name];
          else params[param.name] = value;
          // A reference may change what this step outputs (record.update's record).
          if (WB.isRef(value) || ["record", "user"].includes(param.value_type.input.widget)) {
            app.structureChanged();
          } else {
            app.changed();
          }
        },
      });
      const help = WB.helpText(param);
      paramsBox.appendChild(WB.row({
        label: param.label, path: paramPath, id, help, control: editor,
        required: param.required && param.default === null,
      }));
    });
    Object.keys(params).filter((name) => !declared.some((param) => param.name === name))
      .forEach((name) => {
        const paramPath = WB.join(paramsPath, name);
        paramsBox.appendChild(WB.row({
          label: name, path: paramPath, extraClass: "wb-unknown-param",
          help: meta ? "This step has no such input; remove it." : "",
          control: h("span", {}, [h("code", {text: JSON.stringify(params[name])}),
            WB.iconButton("✕", `Remove ${name}`, () => {
              delete params[name];
              app.changed();
              app.render();
            })]),
        }));
      });
    body.appendChild(paramsBox);
    body.appendChild(optionsBox(app, step, index, path));
  }

  /** The step key, under "Advanced": derived from the label until edited by hand. */
  function keyRow(step, path, keyInput) {
    const details = h("details", {class: "wb-step-advanced"});
    details.appendChild(h("summary", {text: "Advanced: step key"}));
    details.appendChild(WB.row({
      label: "Key", path: WB.join(path, "key"), required: true, id: WB.uid("wb-key"),
      help: "Made from the label. Later steps use this step’s results as steps.<key>.…",
      control: keyInput,
    }));
    return details;
  }

  /** "Order confirmed!" -> "order_confirmed". */
  WB.steps.slug = function (text) {
    return String(text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  };

  /**
   * The label changed from `before`: give the step the key made from it, when the
   * key is still one the builder made (from the type or the old label) and no
   * other step refers to it. Returns whether the key changed.
   */
  WB.steps.followLabel = function (app, step, before) {
    const typeBase = WB.steps.slug(step.type);
    const made = new RegExp(`^(${typeBase}|${WB.steps.slug(before) || "\\0"})(_\\d+)?$`);
    if (typeof step.key !== "string" || !made.test(step.key)) return false;
    const text = JSON.stringify(app.definition);
    if (text.includes(`steps.${step.key}.`) || text.includes(`steps.${step.key} `) ||
        text.includes(`"steps.${step.key}"`)) {
      return false;
    }
    const others = allSteps(app.definition, []).filter((item) => item !== step);
    const wanted = WB.steps.slug(step.label) || typeBase;
    const key = WB.steps.newKey(wanted, others);
    if (key === step.key) return false;
    step.key = key;
    return true;
  };

  function optionsBox(app, step, index, path) {
    const hasOptions = step.when !== undefined || step.on_error !== undefined || step.retry !== undefined;
    const details = h("details", {class: "wb-step-options", open: hasOptions});
    details.appendChild(h("summary", {text: "Options: run only if…, on error, retries"}));

    const whenPath = WB.join(path, "when");
    const whenBox = h("div", {class: "wb-when"});
    const drawWhen = () => {
      whenBox.replaceChildren();
      if (step.when === undefined) return;
      whenBox.appendChild(WB.conditionEditor(app, {
        get: () => step.when,
        set: (next) => {
          if (next === undefined) {
            delete step.when;
            toggle.checked = false;
            drawWhen();
          } else {
            step.when = next;
          }
        },
        path: whenPath, stepIndex: index, emptyText: "No condition: the step always runs.",
      }));
    };
    const toggle = h("input", {
      type: "checkbox", checked: step.when !== undefined, "aria-label": "Only run this step if",
      dataset: {focus: `${whenPath}|toggle`},
      onchange: (event) => {
        if (event.target.checked) step.when = WB.newLeaf();
        else delete step.when;
        app.changed();
        WB.redraw(app, whenBox, drawWhen);
      },
    });
    drawWhen();
    details.appendChild(h("div", {class: "form-row wb-row", dataset: {path: whenPath}}, [
      h("label", {class: "wb-inline-label"}, [toggle, " Only run this step if…"]),
      whenBox,
    ]));

    const onErrorId = WB.uid("wb-on-error");
    const onError = h("select", {id: onErrorId, dataset: {focus: `${path}.on_error|value`}}, [
      h("option", {value: "stop", text: "Stop the workflow (the run fails)"}),
      h("option", {value: "continue", text: "Continue with the next step"}),
    ]);
    const known = ["stop", "continue"].includes(step.on_error);
    if (step.on_error !== undefined && !known) {
      onError.appendChild(h("option", {value: "__other", text: `${WB.display(step.on_error)} (invalid)`}));
    }
    onError.value = step.on_error === undefined ? "stop" : (known ? step.on_error : "__other");
    onError.addEventListener("change", () => {
      if (onError.value === "__other") return;
      if (onError.value === "stop") delete step.on_error;
      else step.on_error = onError.value;
      app.changed();
    });
    details.appendChild(WB.row({label: "If it fails", path: WB.join(path, "on_error"),
      id: onErrorId, control: onError}));

    const retryPath = WB.join(path, "retry");
    const retry = WB.isObject(step.retry) ? step.retry : {};
    const retryInput = (name, label, placeholder) => h("input", {
      type: "number", min: "0", step: name === "max_attempts" ? "1" : "any",
      class: "vIntegerField", placeholder, "aria-label": label,
      value: WB.display(retry[name]), dataset: {focus: `${retryPath}.${name}|value`},
      oninput: (event) => {
        const text = event.target.value.trim();
        if (!WB.isObject(step.retry)) step.retry = retry;
        if (text === "") delete retry[name];
        else retry[name] = Number.isFinite(Number(text)) ? Number(text) : text;
        if (!Object.keys(retry).length) delete step.retry;
        app.changed();
      },
    });
    details.appendChild(h("div", {class: "form-row wb-row", dataset: {path: retryPath}}, [
      h("div", {class: "flex-container wb-row-inner"}, [
        h("label", {text: "Retry:"}),
        h("div", {class: "wb-control wb-retry"}, [
          h("span", {dataset: {path: WB.join(retryPath, "max_attempts")}}, [
            retryInput("max_attempts", "Attempts in all", "1"), " attempts in all, ",
          ]),
          h("span", {dataset: {path: WB.join(retryPath, "backoff_seconds")}}, [
            retryInput("backoff_seconds", "Seconds between attempts", "0"), " seconds apart",
          ]),
          h("div", {class: "help", text: "How often to try the step before giving up."}),
        ]),
      ]),
    ]));
    return details;
  }

  /** "+ Add a step…": a select of every step type, grouped as in the catalogue. */
  WB.steps.adder = function (app, label, onAdd) {
    const select = h("select", {class: "wb-add-nested-step wb-edit-only", "aria-label": label},
      [h("option", {value: "", text: `+ ${label}…`}),
        ...(app.meta.steps || []).map((group) => h("optgroup", {label: group.group},
          group.items.map((item) => h("option", {value: item.key, text: item.label}))))]);
    select.addEventListener("change", () => {
      if (select.value) onAdd(select.value);
    });
    return select;
  };

  /** Every step key in the definition, nested ones too (keys are unique in the tree). */
  function allSteps(node, found) {
    if (Array.isArray(node)) node.forEach((item) => allSteps(item, found));
    else if (WB.isObject(node)) {
      if (typeof node.key === "string" && typeof node.type === "string") found.push(node);
      Object.values(node).forEach((value) => allSteps(value, found));
    }
    return found;
  }

  /**
   * A param of a step-list type (input widget "steps": the steps of a branch path, of
   * a for-each, of a parallel branch): the same step cards, nested in place, with
   * their own "+ Add a step". A nested step's place is its path: it sees what the
   * step holding it sees plus what the server lists for that path (`item.*` in a
   * for-each, the steps before it in its own list).
   */
  WB.wholeWidgets.register("steps", (app, opts) => {
    const wrap = h("div", {class: "wb-nested-steps", dataset: {path: opts.path}});
    const steps = Array.isArray(opts.value) ? opts.value : [];
    const where = {
      path: opts.path, top: false, scopeIndex: (index) => WB.join(opts.path, index),
      changed: () => opts.onChange(steps.length ? steps : undefined),
    };
    if (opts.value !== undefined && !Array.isArray(opts.value)) {
      wrap.appendChild(h("p", {class: "wb-invalid-condition"},
        ["Not a list of steps: ", h("code", {text: JSON.stringify(opts.value)})]));
      return wrap;
    }
    if (steps.length) wrap.appendChild(WB.steps.list(app, steps, where));
    else wrap.appendChild(h("p", {class: "wb-empty-text", text: "No steps here yet."}));
    wrap.appendChild(WB.steps.adder(app, "Add a step here", (type) => {
      steps.push({key: WB.steps.newKey(type, allSteps(app.definition, [])), type, params: {}});
      where.changed();
      app.structureChanged({immediate: true});
      app.render();
    }));
    return wrap;
  });

  /** Wire the server-rendered catalogue ("Add a step" and its entries). */
  WB.steps.bindCatalogue = function (app, root) {
    const toggle = root.querySelector("#wb-add-step");
    const catalogue = root.querySelector("#wb-catalogue");
    if (!toggle || !catalogue) return;
    toggle.addEventListener("click", () => {
      catalogue.hidden = !catalogue.hidden;
      toggle.setAttribute("aria-expanded", String(!catalogue.hidden));
      if (!catalogue.hidden) {
        const first = catalogue.querySelector("button");
        if (first) first.focus();
      }
    });
    catalogue.querySelectorAll("[data-step-type]").forEach((button) => {
      button.addEventListener("click", () => {
        catalogue.hidden = true;
        toggle.setAttribute("aria-expanded", "false");
        WB.steps.add(app, button.dataset.stepType);
      });
    });
  };
})(window);
