/*
 * Workflow builder: the list of steps and the step catalogue.
 *
 * A step's card comes from the server (`builder/step-card/`, asked through htmx;
 * workflows_app.admin.step_cards): a Django form built from the step type's
 * metadata, with its label, key, a row per param (label, required marker, help and
 * the input of its value type) and the options every step has (run only if, on
 * error, retry). This script puts the cards in the list, shows the step's values
 * in them, mounts the editors of values with structure (lists, references, nested
 * steps, conditions) into the card's placeholders, and keeps the definition in
 * sync; adding, moving and removing steps is done here, on the definition. Nothing
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

  /** Add a step of `type` at the end; called by the catalogue's buttons. Its card
   * comes from the server; its first input has the focus once it is in. */
  WB.steps.add = function (app, type) {
    const steps = stepsList(app);
    steps.push({key: WB.steps.newKey(type, allSteps(app.definition, [])), type, params: {}});
    const path = WB.join("steps", steps.length - 1);
    app.focusCard = {path, selector: null};
    app.structureChanged({immediate: true});
    app.render();
    const card = document.querySelector(`.wb-step[data-path="${CSS.escape(path)}"]`);
    if (card && !card.hasAttribute("aria-busy")) focusCard(app, card, path);
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
    const path = WB.join(listPath || where.path, target);
    // The moved card's button keeps the focus, once the card at its new place is in.
    app.focusCard = {path, selector: `.wb-step-tools .wb-move-${offset < 0 ? "up" : "down"}`};
    app.render();
    const moved = document.querySelector(`.wb-step[data-path="${CSS.escape(path)}"]`);
    if (moved && !moved.hasAttribute("aria-busy")) focusCard(app, moved, path);
  }

  /** Give the focus the card at `path` waits for (app.focusCard), if it does. */
  function focusCard(app, card, path) {
    const wanted = app.focusCard;
    if (!wanted || wanted.path !== path) return;
    delete app.focusCard;
    if (!wanted.selector) {
      focusFirst(card);
      return;
    }
    const button = card.querySelector(wanted.selector);
    if (button && !button.disabled) button.focus();
  }

  /**
   * The server's step cards (`builder/step-card/`, HTML asked through htmx), by
   * step type, place and the params the type does not declare. A card does not
   * depend on the scope: once asked, a redraw takes it from here.
   */
  const cards = new Map();
  /** Cards asked for and not answered yet, by key: the places waiting for each. */
  const waiting = new Map();

  function cardKey(step, path, meta) {
    const declared = new Set(meta.params.map((param) => param.name));
    const params = WB.isObject(step.params) ? step.params : {};
    const unknown = Object.keys(params).filter((name) => !declared.has(name)).sort();
    return JSON.stringify({type: step.type, at: path, unknown,
      invalid: step.params !== undefined && !WB.isObject(step.params)});
  }

  /** Keep the cards the page came with (`<template data-step-card=key>`). */
  WB.steps.takeRendered = function (root) {
    root.querySelectorAll("template[data-step-card]").forEach((template) => {
      const asked = JSON.parse(template.dataset.stepCard);
      const key = JSON.stringify({type: asked.type, at: asked.at, unknown: asked.unknown,
        invalid: asked.invalid});
      cards.set(key, template.innerHTML);
      template.remove();
    });
  };

  function stepCard(app, steps, step, index, where) {
    const path = WB.join(where.path, index);
    const meta = WB.isObject(step) ? app.stepMeta(step.type) : null;
    const card = h("li", {class: "wb-step", dataset: {path, stepType: WB.isObject(step) ? String(step.type) : ""}});
    const place = {app, steps, step, index, where, path, meta, card};
    if (!meta || !window.htmx || !app.meta.urls.stepCard) {
      strangeCard(place);
      return card;
    }
    const key = cardKey(step, path, meta);
    if (cards.has(key)) {
      card.innerHTML = cards.get(key);
      bindCard(place);
      return card;
    }
    // Asked once: a card drawn again while the answer is on its way waits for it.
    card.setAttribute("aria-busy", "true");
    card.appendChild(h("div", {class: "wb-step-header"}, [
      h("span", {class: "wb-step-number", text: String(index + 1)}),
      h("span", {class: "wb-step-title"}, [h("strong", {text: meta.label}), " …"])]));
    if (waiting.has(key)) {
      waiting.get(key).push(place);
      return card;
    }
    waiting.set(key, [place]);
    card.addEventListener("htmx:afterRequest", (event) => {
      if (event.detail.elt !== card) return;
      const places = waiting.get(key) || [];
      waiting.delete(key);
      if (!event.detail.successful) {
        // Shown as it is, with the server's sentence (or why it did not answer).
        const xhr = event.detail.xhr;
        const said = xhr && /^text\/plain/.test(xhr.getResponseHeader("Content-Type") || "")
          ? xhr.responseText : "";
        places.filter((item) => item.card.isConnected).forEach((item) => {
          item.card.removeAttribute("aria-busy");
          item.card.replaceChildren();
          strangeCard(item, said || "This step could not be loaded; reload the page.");
          app.decorate(item.card);
        });
        return;
      }
      cards.set(key, event.detail.xhr.responseText);
      places.filter((item) => item.card.isConnected).forEach((item) => {
        item.card.removeAttribute("aria-busy");
        item.card.innerHTML = cards.get(key);
        bindCard(item);
        app.decorate(item.card);
        focusCard(app, item.card, item.path);
      });
    });
    const readonly = app.readonly;
    // Sent once the card is on the page (htmx asks only for elements in it).
    queueMicrotask(() => {
      if (!card.isConnected) {
        waiting.delete(key);
        return;
      }
      window.htmx.ajax(readonly ? "GET" : "POST", app.meta.urls.stepCard, {
        source: card, target: card, swap: "none",
        values: {type: step.type, at: path, definition: app.textarea.value},
        headers: readonly ? {} : {"X-CSRFToken": app.csrfToken},
      });
    });
    return card;
  }

  function focusFirst(card) {
    card.scrollIntoView({block: "nearest"});
    const first = card.querySelector(".wb-step-body input, .wb-step-body select, .wb-step-body textarea");
    if (first) first.focus();
  }

  /** The header's buttons: move up and down, remove (structural, on the definition). */
  function bindTools(place) {
    const {app, steps, index, where, card} = place;
    const up = card.querySelector(".wb-step-tools [data-action=up]");
    const down = card.querySelector(".wb-step-tools [data-action=down]");
    const remove = card.querySelector(".wb-step-tools [data-action=remove]");
    up.disabled = index === 0;
    down.disabled = index === steps.length - 1;
    up.addEventListener("click", () => move(app, steps, index, -1, where, card));
    down.addEventListener("click", () => move(app, steps, index, 1, where, card));
    remove.addEventListener("click", () => {
      steps.splice(index, 1);
      if (where.top) {
        WB.drafts.renumberSteps(app, (old) => (old === index ? null : (old > index ? old - 1 : old)));
      }
      where.changed();
      app.structureChanged({immediate: true});
      app.render();
    });
  }

  /**
   * A step whose type is not known here (or not a step), or whose card the server
   * did not give (`note`: why): shown as it is, movable and removable.
   */
  function strangeCard(place, note) {
    const {step, index, card, meta} = place;
    let title = WB.isObject(step) ? `Unknown step “${step.type}”` : "Not a step";
    if (meta) title = meta.label;
    const icon = (text, label, action, extra) => h("button", {type: "button",
      class: `wb-icon-button wb-edit-only ${extra}`, title: label, "aria-label": label, text,
      // A move keeps the focus on the moved step's button; a removal does not pass it on.
      dataset: action === "remove" ? {action} : {action, focus: `${place.path}|${action}`}});
    card.append(h("div", {class: "wb-step-header"}, [
      h("span", {class: "wb-step-number", text: String(index + 1)}),
      h("span", {class: "wb-step-title"}, [h("strong", {text: title}),
        WB.isObject(step) ? h("code", {class: "wb-step-type", text: String(step.type)}) : null]),
      h("span", {class: "wb-step-tools"}, [
        icon("↑", `Move step ${index + 1} up`, "up", "wb-move-up"),
        icon("↓", `Move step ${index + 1} down`, "down", "wb-move-down"),
        icon("✕", `Remove step ${index + 1}`, "remove", "wb-remove-step"),
      ]),
    ]), h("div", {class: "wb-step-body"}, [
      note ? h("p", {class: "errornote wb-card-error", role: "alert", text: note}) : null,
      h("code", {text: JSON.stringify(step)})]));
    bindTools(place);
  }

  /**
   * The server's card, bound to its step: the step's values shown in its inputs,
   * each param's editor mounted into its placeholder (`[data-param]`, holding the
   * input the server rendered for one literal of the param's type), and every change
   * written to the definition.
   */
  function bindCard(place) {
    const {app, step, card, path, meta} = place;
    const scopeIndex = place.where.scopeIndex(place.index);
    bindTools(place);
    // The inputs are the card's, not the builder form's (the definition is).
    card.querySelectorAll(".wb-step-body [name]").forEach((node) => {
      if (!node.closest(".wb-param-input")) node.removeAttribute("name");
    });
    const keyInput = card.querySelector(".wb-step-key");
    keyInput.value = WB.display(step.key);
    keyInput.addEventListener("change", () => {
      step.key = keyInput.value.trim();
      app.structureChanged();
    });
    const labelInput = card.querySelector(".wb-step-label");
    labelInput.value = WB.display(step.label);
    labelInput.addEventListener("input", () => {
      const before = step.label;
      if (labelInput.value) step.label = labelInput.value;
      else delete step.label;
      if (WB.steps.followLabel(app, step, before)) {
        keyInput.value = step.key;
        app.structureChanged();
      } else {
        app.changed();
      }
    });
    const invalid = card.querySelector("[data-params-value]");
    if (invalid) invalid.textContent = JSON.stringify(step.params);
    else mountParams(app, card, step, scopeIndex, meta);
    bindOptions(app, card, step, scopeIndex, path);
  }

  function mountParams(app, card, step, index, meta) {
    // Attached to the step on the first change only: rendering never edits the definition.
    const params = WB.isObject(step.params) ? step.params : {};
    card.querySelectorAll(".wb-param-input[data-param]").forEach((slot) => {
      const param = meta.params.find((item) => item.name === slot.dataset.param);
      if (!param) return;
      const row = slot.closest("[data-path]");
      // Its id goes to the editor's first input (labelFor): the mode select, if any.
      slot.querySelectorAll("[id]").forEach((node) => node.removeAttribute("id"));
      const html = slot.innerHTML.trim() || null;
      // The input the server rendered for one literal (of a list: of one item).
      let spec = param.value_type;
      if (html && "item" in slot.dataset && spec.item) {
        spec = {...spec, item: {...spec.item, input: {...spec.item.input, html}}};
      } else if (html) {
        spec = {...spec, input: {...spec.input, html}};
      }
      const editor = WB.valueEditor(app, {
        spec, value: params[param.name], path: row.dataset.path, stepIndex: index,
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
      slot.replaceWith(editor);
      labelFor(row, editor);
    });
    card.querySelectorAll("[data-unknown-param]").forEach((code) => {
      const name = code.dataset.unknownParam;
      code.textContent = JSON.stringify(params[name]);
      const button = code.parentNode.querySelector("[data-remove-param]");
      if (button) {
        button.addEventListener("click", () => {
          delete params[name];
          app.changed();
          app.render();
        });
      }
    });
  }

  /** The row's label names the editor's first input (as Django admin's rows do). */
  function labelFor(row, editor) {
    const label = row.querySelector(".wb-row-inner > label");
    const field = editor.matches("input, select, textarea") ? editor
      : editor.querySelector("input, select, textarea");
    if (!label) return;
    if (field && !field.id) field.id = label.htmlFor;
    else if (field) label.htmlFor = field.id;
    else label.removeAttribute("for");
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

  /** "Run only if…", "If it fails" and the retries, in the server's card. */
  function bindOptions(app, card, step, index, path) {
    const details = card.querySelector(".wb-step-options");
    details.open = step.when !== undefined || step.on_error !== undefined || step.retry !== undefined;

    const whenPath = WB.join(path, "when");
    const whenBox = card.querySelector(".wb-when");
    const toggle = card.querySelector(`[data-focus="${CSS.escape(`${whenPath}|toggle`)}"]`);
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
    toggle.checked = step.when !== undefined;
    toggle.addEventListener("change", () => {
      if (toggle.checked) step.when = WB.newLeaf();
      else delete step.when;
      app.changed();
      WB.redraw(app, whenBox, drawWhen);
    });
    drawWhen();

    const onError = card.querySelector(`[data-focus="${CSS.escape(`${path}.on_error|value`)}"]`);
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

    const retry = WB.isObject(step.retry) ? step.retry : {};
    ["max_attempts", "backoff_seconds"].forEach((name) => {
      const input = card.querySelector(`[data-focus="${CSS.escape(`${path}.retry.${name}|value`)}"]`);
      input.value = WB.display(retry[name]);
      input.addEventListener("input", () => {
        const text = input.value.trim();
        if (!WB.isObject(step.retry)) step.retry = retry;
        if (text === "") delete retry[name];
        else retry[name] = Number.isFinite(Number(text)) ? Number(text) : text;
        if (!Object.keys(retry).length) delete step.retry;
        app.changed();
      });
    });
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
