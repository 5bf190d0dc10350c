/*
 * Workflow builder: structural editors a param may ask for with
 * Param(extra={"widget": ...}) (widgets with inputs of their own - timezone, cron,
 * schedule, a request's body as rows, a manual trigger's inputs - are the server's
 * Django form fields: workflows_app.forms.builder_widgets):
 *
 *   record_fields the fields of a chosen record and their new values (record.update);
 *   condition     a condition tree (the filter step).
 *
 * And by type, whatever the step: `struct` (an object of declared, typed fields,
 * one input each; a list of them is a repeated row group) and `steps` (a nested
 * step list, in steps.js).
 */
(function (window) {
  "use strict";

  const WB = window.WorkflowBuilder;
  const h = WB.h;

  /** The fields of the record chosen in the sibling param (default "record"). */
  WB.wholeWidgets.register("record_fields", (app, opts) => {
    const recordParam = (opts.param && opts.param.extra && opts.param.extra.record_param) ||
      "record";
    const wrap = h("div", {class: "wb-record-fields"});
    let fields = WB.isObject(opts.value) ? opts.value : {};
    const emit = () => opts.onChange(Object.keys(fields).length ? fields : undefined);

    function model() {
      const record = (opts.siblings || {})[recordParam];
      const entry = WB.isRef(record) ? app.scope.entry(record.ref, opts.stepIndex) : null;
      return entry && entry.model ? app.meta.models[entry.model] : null;
    }

    function draw() {
      WB.redraw(app, wrap, () => {
        wrap.replaceChildren();
        const chosen = model();
        const known = chosen ? chosen.fields : [];
        const editable = known.filter((field) => field.editable);
        if (!chosen) {
          wrap.appendChild(h("p", {class: "help",
            text: "Choose the record first, then the fields to set."}));
        }
        Object.entries(fields).forEach(([name, value]) => {
          const path = WB.join(opts.path, name);
          const field = known.find((item) => item.name === name);
          const nameSelect = h("select", {"aria-label": "Field", dataset: {focus: `${path}|field`}},
            editable.map((item) => h("option", {value: item.name, text: item.label})));
          if (!field || !field.editable) {
            nameSelect.appendChild(h("option", {value: name,
              text: `${field ? field.label : name} (cannot be set)`}));
          }
          nameSelect.value = name;
          nameSelect.addEventListener("change", () => {
            const renamed = {};
            Object.entries(fields).forEach(([key, current]) => {
              if (key === name) renamed[nameSelect.value] = "";
              else renamed[key] = current;
            });
            fields = renamed;
            emit();
            draw();
          });
          const editor = field ? WB.valueEditor(app, {
            spec: field.value_type, value, path, stepIndex: opts.stepIndex, refs: true,
            required: true, label: field.label,
            onChange: (next) => {
              fields[name] = next === undefined ? "" : next;
              emit();
            },
          }) : h("code", {text: JSON.stringify(value)});
          wrap.appendChild(h("div", {class: "wb-record-field", dataset: {path}}, [
            nameSelect, h("span", {class: "wb-becomes", text: "becomes"}), editor,
            WB.iconButton("✕", `Do not change ${field ? field.label : name}`, () => {
              delete fields[name];
              emit();
              draw();
            }),
          ]));
        });
        const unused = editable.filter((field) => !(field.name in fields));
        if (chosen && unused.length) {
          const adder = h("select", {class: "wb-add-field wb-edit-only", "aria-label": "Add a field to set"},
            [h("option", {value: "", text: "+ Set a field…"}),
              ...unused.map((field) => h("option", {value: field.name, text: field.label}))]);
          adder.addEventListener("change", () => {
            if (!adder.value) return;
            fields[adder.value] = "";
            emit();
            draw();
          });
          wrap.appendChild(adder);
        }
      });
    }
    draw();
    return wrap;
  });

  /** A condition tree as a param value (the filter step). */
  WB.wholeWidgets.register("condition", (app, opts) => {
    let value = opts.value;
    return WB.conditionEditor(app, {
      get: () => value,
      set: (next) => {
        value = next;
        opts.onChange(next);
      },
      path: opts.path, stepIndex: opts.stepIndex,
      emptyText: "No condition yet: every run would continue.",
    });
  });

  /** An object with declared, typed fields (a branch's path: label, when, steps). */
  WB.wholeWidgets.register("struct", (app, opts) => {
    const value = WB.isObject(opts.value) ? opts.value : {};
    const box = h("div", {class: "wb-struct", dataset: {path: opts.path}});
    (opts.spec.fields || []).forEach((field) => {
      const path = WB.join(opts.path, field.name);
      const editor = WB.valueEditor(app, {
        spec: field.value_type, value: value[field.name], path, stepIndex: opts.stepIndex,
        refs: true, required: field.required, label: field.label, param: field,
        siblings: value,
        onChange: (next) => {
          if (next === undefined) delete value[field.name];
          else value[field.name] = next;
          opts.onChange(value);
        },
      });
      box.appendChild(WB.row({label: field.label, path, id: WB.uid("wb-field"),
        help: field.help, control: editor, required: field.required}));
    });
    return box;
  });
})(window);
