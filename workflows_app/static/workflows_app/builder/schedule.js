/*
 * Workflow builder: the schedule picker (widget "schedule", the schedule trigger's
 * `cron`). Common schedules in words — every day at, weekdays at, every N minutes,
 * monthly on — write the cron text, which stays editable below them as the advanced
 * form; cron text typed there selects the matching choice. The server composes and
 * reads the cron text and lists the next five runs in the workflow's timezone
 * (builder/cron/, workflows_app/triggers/schedule/picker.py): nothing about cron is
 * taught here.
 */
(function (window) {
  "use strict";

  const WB = window.WorkflowBuilder;
  const h = WB.h;
  const KINDS = [
    ["daily", "Every day at"],
    ["weekdays", "Weekdays (Monday to Friday) at"],
    ["minutes", "Every N minutes"],
    ["monthly", "Monthly, on day"],
    ["advanced", "Advanced (cron text)"],
  ];

  WB.widgets.register("schedule", (app, opts) => {
    const kind = h("select", {class: "wb-schedule-kind", "aria-label": "How often"},
      KINDS.map(([value, text]) => h("option", {value, text})));
    const day = h("input", {type: "number", min: "1", max: "31", value: "1",
      class: "vIntegerField wb-schedule-day", "aria-label": "Day of the month"});
    const dayLabel = h("span", {class: "wb-schedule-word", text: "at"});
    const at = h("input", {type: "time", value: "09:00", class: "wb-schedule-at",
      "aria-label": "Time of day"});
    const minutes = h("input", {type: "number", min: "1", max: "59", value: "15",
      class: "vIntegerField wb-schedule-minutes", "aria-label": "Every how many minutes"});
    const minutesLabel = h("span", {class: "wb-schedule-word", text: "minutes"});
    const cron = h("input", {
      type: "text", class: "vTextField wb-input wb-cron", value: WB.display(opts.value),
      placeholder: "0 9 * * 1-5", "aria-label": opts.label, spellcheck: "false",
      dataset: {focus: `${opts.path}|value`},
    });
    const reading = h("div", {class: "wb-cron-description", "aria-live": "polite"});
    const runs = h("div", {class: "wb-next-runs", "aria-live": "polite"});
    let asked = 0;

    function showFields() {
      const chosen = kind.value;
      day.hidden = chosen !== "monthly";
      dayLabel.hidden = chosen !== "monthly";
      at.hidden = !["daily", "weekdays", "monthly"].includes(chosen);
      minutes.hidden = chosen !== "minutes";
      minutesLabel.hidden = chosen !== "minutes";
    }

    function timezone() {
      const trigger = (app.definition && app.definition.trigger) || {};
      return trigger.timezone || "UTC";
    }

    function write(value) {
      if (value !== opts.value) opts.onChange(value === "" ? WB.emptyValue(opts) : value);
    }

    async function ask(params, fromPicker) {
      const ticket = ++asked;
      const query = new URLSearchParams({...params, timezone: timezone()});
      let data;
      try {
        const response = await fetch(`${app.meta.urls.cron}?${query}`, {
          credentials: "same-origin", headers: {Accept: "application/json"}});
        data = await response.json();
      } catch (error) {
        return;
      }
      if (ticket !== asked) return;
      reading.textContent = data.problem || data.description || "";
      reading.classList.toggle("wb-cron-problem", Boolean(data.problem));
      runs.replaceChildren();
      if (data.next_runs && data.next_runs.length) {
        runs.append(h("span", {text: `Next runs (${data.timezone}): `}),
          h("span", {class: "wb-next-runs-list", text: data.next_runs.map((run) => run.text).join(" · ")}));
      } else if (data.timezone_problem) {
        runs.textContent = `Timezone: ${data.timezone_problem}`;
      }
      if (fromPicker) {
        if (!data.problem) {
          cron.value = data.cron;
          write(data.cron);
        }
      } else if (data.picker) {
        kind.value = data.picker.kind;
        at.value = data.picker.at;
        minutes.value = String(data.picker.minutes);
        day.value = String(data.picker.day);
        showFields();
      }
    }

    const fromPicker = WB.debounce(() => {
      showFields();
      if (kind.value === "advanced") {
        cron.focus();
        return;
      }
      ask({kind: kind.value, at: at.value, minutes: minutes.value, day: day.value}, true);
    }, 150);
    const fromText = WB.debounce(() => ask({cron: cron.value.trim()}, false), 200);

    [kind, at, minutes, day].forEach((input) => input.addEventListener("input", fromPicker));
    kind.addEventListener("change", fromPicker);
    cron.addEventListener("input", () => {
      write(cron.value.trim());
      fromText();
    });
    // The timezone is another setting of the trigger: list the runs again when it changes.
    document.addEventListener("input", (event) => {
      if (event.target instanceof Element && event.target.getAttribute("list") === "wb-timezone-list"
          && document.body.contains(cron)) fromText();
    });

    if (cron.value.trim()) {
      ask({cron: cron.value.trim()}, false);
    } else {
      kind.value = "weekdays";
      ask({kind: kind.value, at: at.value}, true);
    }
    showFields();
    return h("div", {class: "wb-schedule"}, [
      h("div", {class: "wb-schedule-picker"}, [kind, day, dayLabel, at, minutes, minutesLabel]),
      h("label", {class: "wb-schedule-cron"}, [h("span", {text: "Cron text: "}), cron]),
      reading, runs,
    ]);
  });
})(window);
