/*
 * Workflow builder: the application. Reads the definition from the hidden
 * <textarea name="definition"> and the metadata from
 * <script type="application/json" id="workflow-builder-metadata">, renders the editor,
 * writes the definition back on every change, refreshes the scope from the server
 * when the structure changes (trigger, steps, references), and shows the server's
 * validation errors next to the element with the matching data-path.
 */
(function (window, document) {
  "use strict";

  const WB = window.WorkflowBuilder;
  const h = WB.h;

  /**
   * Re-render `container` with `fill`, keeping the keyboard focus (and caret) on the
   * element that had it, then re-apply read-only mode and the error messages.
   */
  WB.redraw = function (app, container, fill) {
    const active = document.activeElement;
    const key = active && container.contains(active) ? active.dataset.focus : null;
    let caret = null;
    try {
      if (key && typeof active.selectionStart === "number") {
        caret = [active.selectionStart, active.selectionEnd];
      }
    } catch (error) {
      caret = null;  // inputs such as type=number have no caret position
    }
    fill();
    app.decorate(container);
    if (!key) return;
    const next = container.querySelector(`[data-focus="${CSS.escape(key)}"]`);
    if (!next) return;
    next.focus();
    if (caret) {
      try {
        next.setSelectionRange(caret[0], caret[1]);
      } catch (error) {
        // not a text input
      }
    }
  };

  class Builder {
    constructor(root, meta, textarea) {
      this.root = root;
      this.meta = meta;
      this.textarea = textarea;
      this.readonly = Boolean(meta.readonly);
      this.errors = meta.errors || [];
      this.scope = new WB.Scope(meta.scope);
      this.definition = Builder.parse(textarea.value);
      this.stepsByKey = new Map();
      (meta.steps || []).forEach((group) => group.items.forEach((step) => this.stepsByKey.set(step.key, step)));
      this.triggersByKey = new Map();
      (meta.triggers || []).forEach((group) => group.items.forEach((trigger) => this.triggersByKey.set(trigger.key, trigger)));
      this.form = root.closest("form");
      const token = this.form && this.form.querySelector("[name=csrfmiddlewaretoken]");
      this.csrfToken = token ? token.value : "";
      this.scopeTicket = 0;
      this.refreshScopeSoon = WB.debounce(() => this.refreshScope(), 350);
    }

    static parse(text) {
      try {
        const value = JSON.parse(text);
        return WB.isObject(value) ? value : {};
      } catch (error) {
        return {};
      }
    }

    stepMeta(key) {
      return this.stepsByKey.get(key);
    }

    triggerMeta(key) {
      return this.triggersByKey.get(key);
    }

    // -- changes ---------------------------------------------------------------------

    /** The definition changed: write it back to the form. */
    changed() {
      this.textarea.value = JSON.stringify(this.definition, null, 2);
      const preview = document.getElementById("wb-json-preview");
      if (preview) preview.textContent = this.textarea.value;
      // For inputs the server renders that read another value (a schedule's timezone).
      this.root.dispatchEvent(new CustomEvent("wb:changed"));
    }

    /** Something the scope depends on changed (trigger, steps, a reference). */
    structureChanged(options) {
      this.changed();
      if (this.readonly) return;
      // Loading from now on (the page's rows are redrawn when the new scope comes).
      this.root.dataset.scopeLoading = "true";
      if (options && options.immediate) this.refreshScope();
      else this.refreshScopeSoon();
    }

    async refreshScope() {
      const ticket = ++this.scopeTicket;
      this.root.dataset.scopeLoading = "true";
      try {
        const response = await fetch(this.meta.urls.scope, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", Accept: "application/json",
            "X-CSRFToken": this.csrfToken},
          body: JSON.stringify(this.definition),
        });
        if (!response.ok || ticket !== this.scopeTicket) return;
        const data = await response.json();
        if (ticket !== this.scopeTicket) return;
        this.scope = new WB.Scope(data);
        this.render();
      } catch (error) {
        // Offline or logged out: keep the current scope; saving reports any problem.
      } finally {
        if (ticket === this.scopeTicket) this.root.dataset.scopeLoading = "false";
      }
    }

    // -- rendering -------------------------------------------------------------------

    renderGeneral() {
      const container = this.root.querySelector("#wb-general");
      container.replaceChildren(
        WB.row({
          label: "Name", path: "name", required: true, id: "id_name",
          control: h("input", {
            type: "text", class: "vTextField", maxlength: "200", value: WB.display(this.definition.name),
            dataset: {focus: "name|value"},
            oninput: (event) => {
              this.definition.name = event.target.value;
              this.changed();
            },
          }),
        }),
        WB.row({
          label: "Description", path: "description", id: "id_description",
          help: "What the workflow is for, in a sentence.",
          control: h("textarea", {
            class: "vLargeTextField", rows: "2", value: WB.display(this.definition.description),
            dataset: {focus: "description|value"},
            oninput: (event) => {
              this.definition.description = event.target.value;
              this.changed();
            },
          }),
        }),
      );
    }

    /** Render the parts that depend on the scope: conditions and steps. */
    render() {
      const conditions = this.root.querySelector("#wb-conditions");
      WB.redraw(this, conditions, () => conditions.replaceChildren(WB.conditionEditor(this, {
        get: () => this.definition.conditions,
        set: (next) => {
          if (next === undefined) delete this.definition.conditions;
          else this.definition.conditions = next;
        },
        path: "conditions", stepIndex: null,
        emptyText: "No conditions: the workflow runs every time its trigger fires.",
      })));
      const steps = this.root.querySelector("#wb-steps");
      WB.redraw(this, steps, () => WB.steps.render(this, steps));
      WB.afterScope.forEach((callback) => callback(this));
    }

    /** Re-apply read-only mode and error messages inside `element`. */
    decorate(element) {
      this.applyReadonly(element);
      this.placeErrors();
    }

    applyReadonly(element) {
      if (!this.readonly) return;
      element.querySelectorAll("input, select, textarea, button").forEach((node) => {
        node.disabled = true;
      });
    }

    // -- errors ----------------------------------------------------------------------

    /** The element errors about `path` belong to: its own, or its nearest parent's. */
    errorTarget(path) {
      let current = path;
      while (current) {
        const found = this.root.querySelector(`[data-path="${CSS.escape(current)}"]`);
        if (found) return found;
        current = WB.parentPath(current);
      }
      return null;
    }

    placeErrors() {
      this.root.querySelectorAll(".wb-inline-errors").forEach((node) => node.remove());
      this.root.querySelectorAll(".wb-has-error").forEach((node) => node.classList.remove("wb-has-error", "errors"));
      this.errors.forEach((error) => {
        const target = this.errorTarget(error.path);
        if (!target) return;
        let list = target.querySelector(":scope > .wb-inline-errors");
        if (!list) {
          list = h("ul", {class: "errorlist wb-inline-errors"});
          target.prepend(list);
        }
        list.appendChild(h("li", {text: error.plain || error.message, title: error.message,
          dataset: {errorPath: error.path}}));
        target.classList.add("wb-has-error", "errors");
        const details = target.closest("details");
        if (details) details.open = true;
      });
    }

    bindErrorSummary() {
      document.querySelectorAll("#wb-error-summary [data-error-path]").forEach((item) => {
        const target = this.errorTarget(item.dataset.errorPath);
        if (!target) return;
        const link = h("a", {href: "#", class: "wb-error-link", text: "Show",
          onclick: (event) => {
            event.preventDefault();
            target.scrollIntoView({block: "center"});
            const field = target.querySelector("input, select, textarea");
            if (field && !field.disabled) field.focus();
          }});
        item.append(" ", link);
      });
    }

    bindForm() {
      if (!this.form) return;
      this.form.addEventListener("submit", (event) => {
        // An input the server is still reading (a row just typed): save once it answered.
        if (WB.pendingWidgets(this.root)) {
          event.preventDefault();
          const submitter = event.submitter;
          const again = () => {
            if (WB.pendingWidgets(this.root)) return;
            this.root.removeEventListener("wb:widget-settled", again);
            window.clearTimeout(this.pendingSave);
            this.form.requestSubmit(submitter && submitter.form === this.form ? submitter : undefined);
          };
          this.root.addEventListener("wb:widget-settled", again);
          // An answer that never comes (the server is gone) must not hold Save forever.
          this.pendingSave = window.setTimeout(() => {
            this.root.removeEventListener("wb:widget-settled", again);
            this.root.querySelectorAll("[data-wb-pending]").forEach((node) => {
              delete node.dataset.wbPending;
            });
            this.showBlocked(this.root.querySelector(".wb-server-widget"));
          }, 15000);
          return;
        }
        this.changed();
        // A box whose text could not be read blocks Save: saving would drop the text.
        const invalid = this.root.querySelector("[data-invalid]");
        if (invalid || WB.drafts.all(this).size) {
          event.preventDefault();
          this.showBlocked(invalid);
        }
      });
    }

    /** Say, above the form and at the box, why Save did nothing. */
    showBlocked(invalid) {
      let note = document.getElementById("wb-blocked");
      if (!note) {
        note = h("p", {id: "wb-blocked", class: "errornote", role: "alert"});
        this.form.prepend(note);
      }
      note.textContent = "Nothing was saved: a box below holds text that could not be " +
        "read. Fix it (or clear it) and save again.";
      if (invalid) {
        const details = invalid.closest("details");
        if (details) details.open = true;
        // In a box of several inputs (rows), the one marked wrong.
        const input = invalid.matches("input, select, textarea") ? invalid
          : invalid.querySelector('[aria-invalid="true"]') ||
            invalid.querySelector("input, select, textarea") || invalid;
        input.scrollIntoView({block: "center"});
        input.focus();
      }
    }

    start() {
      this.root.classList.toggle("wb-readonly", this.readonly);
      this.renderGeneral();
      WB.trigger.bind(this);
      WB.steps.bindCatalogue(this, this.root);
      WB.steps.takeRendered(this.root);
      this.render();
      this.applyReadonly(this.root);
      this.placeErrors();
      this.bindErrorSummary();
      this.bindForm();
      const preview = document.getElementById("wb-json-preview");
      if (preview) preview.textContent = JSON.stringify(this.definition, null, 2);
      this.root.dataset.ready = "true";
    }
  }

  WB.Builder = Builder;

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("workflow-builder");
    const metadata = document.getElementById("workflow-builder-metadata");
    const textarea = document.getElementById("id_definition");
    if (!root || !metadata || !textarea) return;
    // The check form only carries the inputs' requests (htmx): never submitted itself.
    const checkForm = document.getElementById("wb-check-form");
    if (checkForm) checkForm.addEventListener("submit", (event) => event.preventDefault());
    WB.app = new Builder(root, JSON.parse(metadata.textContent), textarea);
    WB.app.start();
  });
})(window, document);
