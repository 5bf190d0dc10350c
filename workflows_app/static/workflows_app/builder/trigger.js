/*
 * Workflow builder: the trigger picker (server-rendered radio buttons, grouped, with
 * each trigger's label and description) and the trigger's settings, generated from
 * its config params.
 */
(function (window) {
  "use strict";

  const WB = window.WorkflowBuilder;
  const h = WB.h;

  WB.trigger = {};

  function trigger(app) {
    return WB.isObject(app.definition.trigger) ? app.definition.trigger : null;
  }

  /** Switch to trigger `key`, keeping the settings the new trigger also has. */
  WB.trigger.select = function (app, key) {
    const meta = app.triggerMeta(key);
    const old = trigger(app) || {};
    const next = {type: key};
    ((meta && meta.config) || []).forEach((param) => {
      if (param.name in old) next[param.name] = old[param.name];
    });
    app.definition.trigger = next;
    WB.trigger.renderConfig(app);
    app.structureChanged({immediate: true});
  };

  /** The settings of the chosen trigger. */
  WB.trigger.renderConfig = function (app) {
    const container = app.root.querySelector("#wb-trigger-config");
    container.replaceChildren();
    const current = trigger(app);
    if (!current) {
      if (app.definition.trigger !== undefined) {
        container.appendChild(h("p", {class: "wb-invalid-condition"}, [
          "The trigger is not an object: ", h("code", {text: JSON.stringify(app.definition.trigger)})]));
      } else {
        container.appendChild(h("p", {class: "help", text: "Choose what starts the workflow."}));
      }
      app.decorate(container);
      return;
    }
    const meta = app.triggerMeta(current.type);
    if (!meta) {
      container.appendChild(h("p", {class: "wb-invalid-condition"}, [
        "Unknown trigger ", h("code", {text: JSON.stringify(current.type)})]));
      app.decorate(container);
      return;
    }
    if (!meta.config.length) {
      container.appendChild(h("p", {class: "help", text: "Nothing to set up for this trigger."}));
    }
    meta.config.forEach((param) => {
      const path = WB.join("trigger", param.name);
      const id = WB.uid("wb-trigger");
      const editor = WB.valueEditor(app, {
        spec: param.value_type, value: current[param.name], path, refs: false,
        required: param.required, label: param.label, param, siblings: current,
        onChange: (value) => {
          if (value === undefined) delete current[param.name];
          else current[param.name] = value;
          app.structureChanged();
        },
      });
      const help = WB.helpText(param);
      container.appendChild(WB.row({label: param.label, path, id, help, control: editor,
        required: param.required}));
    });
    app.decorate(container);
  };

  /** Wire the radio buttons and render the settings of the current trigger. */
  WB.trigger.bind = function (app) {
    const picker = app.root.querySelector("#wb-trigger-picker");
    const current = trigger(app);
    picker.querySelectorAll('input[name="wb-trigger"]').forEach((radio) => {
      radio.checked = Boolean(current) && radio.value === current.type;
      radio.addEventListener("change", () => {
        if (radio.checked) WB.trigger.select(app, radio.value);
      });
    });
    WB.trigger.renderConfig(app);
  };
})(window);
