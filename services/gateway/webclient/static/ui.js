// GOV.UK Design System components (govuk-frontend, vendored) as the client builds them: headings, tags, summary
// lists, notification banners, form fields with their error messages, the error summary mapped from the API's
// problem+json, tables that sort, filter, search, page and export to CSV, and the confirm-with-reason pattern
// for consequential actions (UI.md). Markup follows govuk-frontend's templates, so its styles apply as they are.

import { ApiError, download, focusOn, h } from "./core.js";
import { toCsv } from "./csv.js";
import { labelOf } from "./format.js";
import { problemMessages } from "./problems.js";
import { ErrorSummary } from "./vendor/govuk-frontend.min.js";

// --- text and status ---------------------------------------------------------------------------

export function heading(text, caption = "") {
  return h("h1", { class: "govuk-heading-l" }, caption ? h("span", { class: "govuk-caption-l" }, caption) : "",
    text);
}

export const h2 = (text, attrs = {}) => h("h2", { class: "govuk-heading-m", ...attrs }, text);
export const para = (...children) => h("p", { class: "govuk-body" }, ...children);
export const hint = (...children) => h("p", { class: "govuk-hint" }, ...children);
export const link = (href, text, attrs = {}) => h("a", { class: "govuk-link", href, ...attrs }, text);

// Colour is never the only signal: every tag says its state in words.
const TAG_COLOURS = {
  red: "red", amber: "yellow", green: "green", open: "blue", lifted: "grey", ended: "grey", active: "green",
  inactive: "grey", deregistered: "red", suspended: "yellow", issued: "blue", acknowledged: "green",
  invoice: "blue", credit_note: "purple", supplementary_invoice: "turquoise", sourcing: "blue", placed: "green",
  unsourced: "orange", cancelled: "grey", accepted: "green", declined: "orange", expired: "grey",
  withdrawn: "grey", hospital_discharge: "red", crisis: "orange", routine: "grey", high: "red", medium: "yellow",
  low: "grey", outstanding: "green", good: "green", requires_improvement: "yellow", inadequate: "red",
  done: "green", in_progress: "blue", overdue: "red", closed: "grey", recorded: "green", corrected: "blue",
  duplicate: "grey", rejected: "red", delivered: "green", missed: "red", frustrated: "yellow",
  cancelled_by_client: "grey", pending: "yellow", approved: "green", refused: "red", safeguarding: "red",
  disabled: "grey", revoked: "grey",
};

export function tag(value, text = labelOf(value)) {
  const colour = TAG_COLOURS[value];
  return h("strong", { class: `govuk-tag${colour ? ` govuk-tag--${colour}` : ""}`, "data-value": value }, text);
}

// "Name (role)" facts as a GOV.UK summary list; rows whose value is null are left out.
export function summaryList(rows, attrs = {}) {
  return h("dl", { class: "govuk-summary-list", ...attrs }, rows.filter((row) => row && row[1] !== null
    && row[1] !== undefined).map(([key, value, action]) => h("div", { class: "govuk-summary-list__row" },
    h("dt", { class: "govuk-summary-list__key" }, key),
    h("dd", { class: "govuk-summary-list__value" }, value === "" ? "None" : value),
    action ? h("dd", { class: "govuk-summary-list__actions" }, action) : "")));
}

export function warningText(...children) {
  return h("div", { class: "govuk-warning-text" },
    h("span", { class: "govuk-warning-text__icon", "aria-hidden": "true" }, "!"),
    h("strong", { class: "govuk-warning-text__text" }, h("span", { class: "govuk-visually-hidden" }, "Warning"),
      ...children));
}

export function detailsBox(summary, ...children) {
  return h("details", { class: "govuk-details" },
    h("summary", { class: "govuk-details__summary" }, h("span", { class: "govuk-details__summary-text" }, summary)),
    h("div", { class: "govuk-details__text" }, ...children));
}

export function notificationBanner(title, children, { success = false, id } = {}) {
  const titleId = `${id || "banner"}-title`;
  return h("div", { class: `govuk-notification-banner${success ? " govuk-notification-banner--success" : ""}`,
    role: success ? "alert" : "region", "aria-labelledby": titleId, id, "data-module": "govuk-notification-banner" },
  h("div", { class: "govuk-notification-banner__header" },
    h("h2", { class: "govuk-notification-banner__title", id: titleId }, title)),
  h("div", { class: "govuk-notification-banner__content" },
    [children].flat().map((child) => (typeof child === "string"
      ? h("p", { class: "govuk-notification-banner__heading" }, child) : child))));
}

// What a finished action says on the next screen drawn (a success banner that takes focus).
let flashed = null;
export function flash(...children) { flashed = children; }
export function takeFlash() {
  const children = flashed;
  flashed = null;
  return children ? notificationBanner("Success", children, { success: true, id: "flash" }) : null;
}

// Runs `then` once the node is in the page (components that measure or focus need it there).
export function whenShown(node, then, tries = 60) {
  if (node.isConnected) { then(); return; }
  if (tries > 0) requestAnimationFrame(() => whenShown(node, then, tries - 1));
}

// --- buttons and form fields -----------------------------------------------------------------

export function button(text, { kind = "", type = "submit", ...attrs } = {}) {
  return h("button", { type, class: `govuk-button${kind ? ` govuk-button--${kind}` : ""}`,
    "data-module": "govuk-button", ...attrs }, text);
}

export const buttonGroup = (...children) => h("div", { class: "govuk-button-group" }, ...children);

// A control's error text and label come from `data-label` (and `data-paths`, the API field paths it answers
// for; its name when there are none): bindForm maps a refusal onto the fields this way.
function described(id, hintText) {
  return hintText ? h("div", { class: "govuk-hint", id: `${id}-hint` }, hintText) : "";
}

function groupOf(id, labelText, hintText, control, { legend = false } = {}) {
  const labelNode = legend ? "" : h("label", { class: "govuk-label", for: id }, labelText);
  return h("div", { class: "govuk-form-group" }, labelNode, described(id, hintText), control);
}

function controlAttrs({ id, name, label, hint: hintText, paths, required, types }) {
  return { id, name, "data-label": label, "data-paths": paths, "data-required": required, "data-types": types,
    "aria-describedby": hintText ? `${id}-hint` : null };
}

export function textField({ id, name = id, label, hint: hintText, value = "", type = "text", width, inputmode,
  autocomplete, paths, required, types, ...attrs }) {
  const input = h("input", { class: `govuk-input${width ? ` govuk-input--width-${width}` : ""}`, type,
    value: value ?? "", inputmode, autocomplete, spellcheck: type === "text" ? "false" : null,
    ...controlAttrs({ id, name, label, hint: hintText, paths, required, types }), ...attrs });
  return groupOf(id, label, hintText, input);
}

// The ISO date of day, month and year fields as typed ("" when all are blank): a date that is not real
// ("2026-02-30") goes to the API as it is, which refuses it with the field named.
export function isoDate(day, month, year) {
  if (![day, month, year].some((part) => part.trim())) return "";
  return `${year.trim().padStart(4, "0")}-${month.trim().padStart(2, "0")}-${day.trim().padStart(2, "0")}`;
}

// GOV.UK's date input (day, month and year: the UK order whatever the browser's language), kept in a hidden
// field named `name` as an ISO date, so a form reads it as one value. The day field stands for the date in
// the error summary (`id`); month and year are `id-month` and `id-year`.
export function dateField({ id, name = id, label, hint: hintText, value = "", paths, required, ...attrs }) {
  const [year = "", month = "", day = ""] = (value || "").split("-");
  const hidden = h("input", { type: "hidden", name, value: value || "" });
  const part = (partId, text, width, partValue, extra = {}) => h("div", { class: "govuk-date-input__item" },
    h("div", { class: "govuk-form-group" },
      h("label", { class: "govuk-label govuk-date-input__label", for: partId }, text),
      h("input", { class: `govuk-input govuk-date-input__input govuk-input--width-${width}`, id: partId, type: "text",
        inputmode: "numeric", autocomplete: "off", value: partValue.replace(/^0+(?=\d)/, ""), ...extra })));
  const inputs = h("div", { class: "govuk-date-input", id: `${id}-parts` },
    part(id, "Day", 2, day, { "data-label": label, "data-paths": paths || name, "data-required": required, ...attrs }),
    part(`${id}-month`, "Month", 2, month), part(`${id}-year`, "Year", 4, year));
  const [dayInput, monthInput, yearInput] = inputs.querySelectorAll("input");
  inputs.addEventListener("input", () => {
    hidden.value = isoDate(dayInput.value, monthInput.value, yearInput.value);
  });
  return h("div", { class: "govuk-form-group app-date" },
    h("fieldset", { class: "govuk-fieldset", role: "group", "aria-describedby": hintText ? `${id}-hint` : null },
      h("legend", { class: "govuk-fieldset__legend govuk-fieldset__legend--s" }, label),
      described(id, hintText), inputs, hidden));
}

export function textArea({ id, name = id, label, hint: hintText, value = "", rows = 3, paths, required, ...attrs }) {
  const area = h("textarea", { class: "govuk-textarea", rows,
    ...controlAttrs({ id, name, label, hint: hintText, paths, required }), ...attrs });
  area.value = value ?? "";
  return groupOf(id, label, hintText, area);
}

export function selectField({ id, name = id, label, hint: hintText, options, value = "", paths, required,
  ...attrs }) {
  const select = h("select", { class: "govuk-select", ...controlAttrs({ id, name, label, hint: hintText, paths,
    required }), ...attrs }, options.map(([optionValue, text]) => h("option", { value: optionValue,
    selected: String(optionValue) === String(value ?? "") }, text)));
  return groupOf(id, label, hintText, select);
}

function choices(kind, { name, legend, hint: hintText, items, values = [], inline = false, paths, required,
  small = false, id = name }) {
  const type = kind === "radios" ? "radio" : "checkbox";
  return h("div", { class: "govuk-form-group" },
    h("fieldset", { class: "govuk-fieldset", "aria-describedby": hintText ? `${id}-hint` : null },
      h("legend", { class: "govuk-fieldset__legend govuk-fieldset__legend--s" }, legend),
      described(id, hintText),
      h("div", { class: `govuk-${kind}${inline ? ` govuk-${kind}--inline` : ""}${small ? ` govuk-${kind}--small` : ""}`,
        "data-module": `govuk-${kind}` },
      items.map(([value, text, itemHint], index) => {
        const itemId = index === 0 ? id : `${id}-${index + 1}`;
        return h("div", { class: `govuk-${kind}__item` },
          h("input", { class: `govuk-${kind}__input`, id: itemId, name, type, value,
            checked: values.map(String).includes(String(value)),
            ...(index === 0 ? { "data-label": legend, "data-paths": paths, "data-required": required } : {}),
            "aria-describedby": itemHint ? `${itemId}-item-hint` : null }),
          h("label", { class: `govuk-label govuk-${kind}__label`, for: itemId }, text),
          itemHint ? h("div", { class: `govuk-hint govuk-${kind}__hint`, id: `${itemId}-item-hint` }, itemHint) : "");
      }))));
}

export const radios = (spec) => choices("radios", { ...spec, values: [spec.value] });
export const checkboxes = (spec) => choices("checkboxes", spec);

export function fileField({ id, name = id, label, hint: hintText, accept }) {
  const input = h("input", { class: "govuk-file-upload", type: "file", accept,
    ...controlAttrs({ id, name, label, hint: hintText }) });
  return groupOf(id, label, hintText, input);
}

// --- errors -----------------------------------------------------------------------------------------------

function clearErrors(form) {
  form.querySelectorAll(".app-form-errors").forEach((node) => node.remove());
  form.querySelectorAll(".govuk-error-message").forEach((node) => node.remove());
  form.querySelectorAll(".govuk-form-group--error").forEach((node) => node.classList.remove("govuk-form-group--error"));
  form.querySelectorAll("[aria-invalid]").forEach((control) => {
    control.removeAttribute("aria-invalid");
    control.classList.remove("govuk-input--error", "govuk-select--error", "govuk-textarea--error",
      "govuk-file-upload--error");
    const ids = (control.getAttribute("aria-describedby") || "").split(" ").filter((each) => !each.endsWith("-error"));
    if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
    else control.removeAttribute("aria-describedby");
  });
  document.title = document.title.replace(/^Error: /, "");
}

// The form's fields as problems.js matches them: a control inside a repeated row (`data-row-of="actions"`)
// answers for `actions.<its row's position>.<its data-key>`.
function fieldsOf(form) {
  return [...form.querySelectorAll("[data-label]")].map((control) => {
    const row = control.closest("[data-row-of]");
    let paths = control.dataset.paths ? control.dataset.paths.split(" ") : [control.name];
    if (row && control.dataset.key) {
      const siblings = [...row.parentElement.children].filter((each) => each.dataset.rowOf === row.dataset.rowOf);
      paths = [`${row.dataset.rowOf}.${siblings.indexOf(row)}.${control.dataset.key}`];
    }
    return { name: control.name, id: control.id, label: control.dataset.label, paths,
      required: control.dataset.required, types: control.dataset.types ? control.dataset.types.split(" ") : [] };
  });
}

function markField(form, id, text) {
  const control = form.querySelector(`#${CSS.escape(id)}`);
  const group = control && (control.closest(".app-date") || control.closest(".govuk-form-group"));
  if (!group) return;
  group.classList.add("govuk-form-group--error");
  const errorId = `${id}-error`;
  const message = h("p", { class: "govuk-error-message", id: errorId },
    h("span", { class: "govuk-visually-hidden" }, "Error: "), text);
  const fieldset = control.closest(".govuk-fieldset");
  if (fieldset && group.contains(fieldset)) fieldset.querySelector("legend").after(message);
  else control.before(message);
  const kind = control.tagName === "SELECT" ? "select" : control.tagName === "TEXTAREA" ? "textarea"
    : control.type === "file" ? "file-upload" : "input";
  const parts = control.closest(".govuk-date-input");
  (parts ? [...parts.querySelectorAll("input")] : [control]).forEach((each) => {
    if (each.type !== "radio" && each.type !== "checkbox") each.classList.add(`govuk-${kind}--error`);
    each.setAttribute("aria-invalid", "true");
  });
  control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), errorId].filter(Boolean)
    .join(" "));
}

export function errorSummary(items) {
  return h("div", { class: "govuk-error-summary app-form-errors", "data-module": "govuk-error-summary" },
    h("div", { role: "alert" },
      h("h2", { class: "govuk-error-summary__title" }, "There is a problem"),
      h("div", { class: "govuk-error-summary__body" },
        h("ul", { class: "govuk-list govuk-error-summary__list" }, items.map(({ text, id }) => h("li", {},
          id ? h("a", { href: `#${id}` }, text) : text))))));
}

// Shows a refusal on the form: the error summary first in the form (focused, so it is read out) and each
// mapped field's message beside it.
export function showProblem(form, problem) {
  clearErrors(form);
  const { items, byField } = problemMessages(problem, fieldsOf(form));
  const summary = errorSummary(items);
  form.prepend(summary);
  Object.entries(byField).forEach(([id, text]) => markField(form, id, text));
  document.title = `Error: ${document.title}`;
  focusOn(summary);
  new ErrorSummary(summary, { disableAutoFocus: true });
}

// A refusal the client makes itself (before asking the API), said as the API would: [{field, text}].
export function localProblem(errors) {
  return new ApiError({ title: "The form is not complete", status: 422,
    errors: errors.map(({ field, text }) => ({ field, message: `Value error, ${text}` })) });
}

// A form that sends itself to the API: `submit(data, submitter)` runs once at a time; a refusal shows as an
// error summary and field messages, and any other failure is thrown on.
export function bindForm(form, submit) {
  form.setAttribute("novalidate", "");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = "true";
    try {
      clearErrors(form);
      await submit(new FormData(form), event.submitter);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showProblem(form, error.problem);
    } finally {
      delete form.dataset.busy;
    }
  });
  return form;
}

export function form(attrs, ...children) {
  return h("form", { class: "app-form", ...attrs }, ...children);
}

// --- confirm with a reason -------------------------------------------------------------------------------

// A consequential action (issue an invoice run, lift an embargo, disable a user...) asks for a reason and a
// confirmation in place of the button that started it; Cancel puts the button back. `reasons` ([value, text])
// offers a list before the free text; `confirm({reason, detail})` does the action.
// `refusalsOn` (a form the trigger belongs to) shows the API's refusal there, with the form put back.
export function confirmWithReason(trigger, { title, facts = [], warning, reasons, reasonLabel = "Reason",
  reasonHint, needsReason = true, confirmText, confirm, refusalsOn }) {
  const id = `confirm-${Math.random().toString(36).slice(2, 8)}`;
  const fields = [
    reasons ? radios({ name: "reason", id: `${id}-reason`, legend: reasonLabel, items: reasons }) : "",
    needsReason || reasons ? textArea({ id: `${id}-detail`, name: "detail", label: reasons ? "Details"
      : reasonLabel, hint: reasonHint, paths: "reason detail", rows: 3 }) : "",
  ];
  const cancel = button("Cancel", { kind: "secondary", type: "button" });
  const panel = form({ class: "app-card app-confirm", id },
    h("h2", { class: "govuk-heading-m" }, title),
    facts.length ? summaryList(facts) : "",
    warning ? warningText(warning) : "",
    fields,
    buttonGroup(button(confirmText, { kind: "warning" }), cancel));
  bindForm(panel, async (data) => {
    const reason = data.get("reason") || "";
    const detail = String(data.get("detail") || "").trim();
    if (reasons && !reason) throw localProblem([{ field: "reason", text: `Select ${reasonLabel.toLowerCase()}` }]);
    if (needsReason && !reasons && !detail) {
      throw localProblem([{ field: "detail", text: `Enter ${reasonLabel.toLowerCase()}` }]);
    }
    try {
      await confirm({ reason, detail });
    } catch (error) {
      if (!(refusalsOn && error instanceof ApiError)) throw error;
      panel.replaceWith(trigger);
      showProblem(refusalsOn, error.problem);
    }
  });
  cancel.addEventListener("click", () => { panel.replaceWith(trigger); trigger.focus(); });
  trigger.replaceWith(panel);
  focusOn(panel.querySelector("h2"));
  return panel;
}

// --- tables ------------------------------------------------------------------------------------------------

export function simpleTable({ id, caption, head, rows, numeric = [], empty = "Nothing to show.", captionSize = "m" }) {
  const cellClass = (index, header = false) => `govuk-table__${header ? "header" : "cell"}`
    + (numeric.includes(index) ? ` govuk-table__${header ? "header" : "cell"}--numeric` : "");
  return h("div", { class: "app-table-wrapper", role: "region", "aria-label": caption, tabindex: "0" },
    h("table", { class: "govuk-table", id },
      h("caption", { class: `govuk-table__caption govuk-table__caption--${captionSize}` }, caption),
      h("thead", { class: "govuk-table__head" }, h("tr", { class: "govuk-table__row" },
        head.map((text, index) => h("th", { scope: "col", class: cellClass(index, true) }, text)))),
      h("tbody", { class: "govuk-table__body" }, rows.length ? rows.map((row) => (row instanceof Node ? row
        : h("tr", { class: "govuk-table__row" }, row.map((cell, index) => h("td", { class: cellClass(index) }, cell)))))
        : h("tr", { class: "govuk-table__row" }, h("td", { class: "govuk-table__cell", colspan: head.length }, empty)))));
}

const textOf = (value) => (value instanceof Node ? value.textContent : String(value ?? "")).trim();

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined || a === "") return 1;
  if (b === null || b === undefined || b === "") return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), "en-GB", { numeric: true });
}

function paginationNav(caption, page, pages, go) {
  if (pages <= 1) return h("div");
  const pageLink = (number, text, attrs = {}) => {
    const anchor = h("a", { class: "govuk-link govuk-pagination__link", href: location.hash || "#/", ...attrs }, text);
    anchor.addEventListener("click", (event) => { event.preventDefault(); go(number); });
    return anchor;
  };
  const numbers = [...new Set([1, page - 1, page, page + 1, pages])].filter((n) => n >= 1 && n <= pages);
  return h("nav", { class: "govuk-pagination", "aria-label": `Pages of ${caption}` },
    page > 1 ? h("div", { class: "govuk-pagination__prev" }, pageLink(page - 1, h("span", {
      class: "govuk-pagination__link-title" }, "Previous", h("span", { class: "govuk-visually-hidden" }, " page")),
    { rel: "prev" })) : "",
    h("ul", { class: "govuk-pagination__list" }, numbers.map((number) => h("li", {
      class: `govuk-pagination__item${number === page ? " govuk-pagination__item--current" : ""}` },
    pageLink(number, String(number), { "aria-label": `Page ${number}`, "aria-current": number === page ? "page"
      : null })))),
    page < pages ? h("div", { class: "govuk-pagination__next" }, pageLink(page + 1, h("span", {
      class: "govuk-pagination__link-title" }, "Next", h("span", { class: "govuk-visually-hidden" }, " page")),
    { rel: "next" })) : "");
}

// A list people work through (UI.md: filter, sort, search, page, CSV). `columns`: [{key, label, value(row)
// (sorts and filters; defaults to row[key]), cell(row) (what shows; defaults to the value), csv(row) (defaults
// to the cell's text), numeric}]; `filters`: [{key, label, options: [[value, text]], test(row, value)}];
// `search(row)`: the text a search looks in. Rows carry `data-id` (row.id). Everything happens in the page over
// the rows given, so a screen reader hears only the changing count (`aria-live` on it alone). `chosen` sets
// filters at the start ({key: value}); `sort`: {key, descending}. The block returned has `update(rows)`, which
// shows fresh rows with the search, filters, sort and page kept.
export function dataTable({ id, caption, columns, rows, filters = [], search, pageSize = 25, csvName,
  empty = "Nothing to show.", sort = null, chosen = {} }) {
  const state = { query: "", chosen: { ...chosen }, sort: sort || { key: null, descending: false }, page: 1 };
  const valueOf = (column, row) => (column.value ? column.value(row) : row[column.key]);
  const body = h("tbody", { class: "govuk-table__body" });
  const count = h("p", { class: "govuk-body app-table__count", "aria-live": "polite", id: `${id}-count` });
  const pager = h("div");
  const headers = columns.map((column) => {
    const th = h("th", { scope: "col", class: `govuk-table__header${column.numeric ? " govuk-table__header--numeric" : ""}`,
      "aria-sort": column.sortable === false ? null : "none" });
    if (column.sortable === false) th.append(column.label);
    else {
      th.append(h("button", { type: "button", class: "app-table__sort", "data-key": column.key, onclick: () => {
        state.sort = { key: column.key, descending: state.sort.key === column.key && !state.sort.descending };
        state.page = 1;
        draw();
      } }, column.label));
    }
    return th;
  });

  function visible() {
    const query = state.query.toLowerCase();
    let shown = rows.filter((row) => (!query || (search ? search(row) : columns.map((c) => textOf(valueOf(c, row)))
      .join(" ")).toLowerCase().includes(query))
      && filters.every((filter) => !state.chosen[filter.key] || filter.test(row, state.chosen[filter.key])));
    const column = columns.find((c) => c.key === state.sort.key);
    if (column) {
      shown = [...shown].sort((a, b) => compare(valueOf(column, a), valueOf(column, b)) * (state.sort.descending
        ? -1 : 1));
    }
    return shown;
  }

  function draw() {
    const shown = visible();
    const pages = Math.max(1, Math.ceil(shown.length / pageSize));
    state.page = Math.min(state.page, pages);
    const first = (state.page - 1) * pageSize;
    const slice = shown.slice(first, first + pageSize);
    headers.forEach((th, index) => {
      if (th.hasAttribute("aria-sort")) {
        th.setAttribute("aria-sort", columns[index].key === state.sort.key
          ? (state.sort.descending ? "descending" : "ascending") : "none");
      }
    });
    const drawn = slice.length ? slice.map((row) => keep(h("tr", { class: "govuk-table__row",
      "data-id": row.id ?? null }, columns.map((column) => h("td", { class: `govuk-table__cell${column.numeric
      ? " govuk-table__cell--numeric" : ""}` }, column.cell ? column.cell(row) : valueOf(column, row))))))
      : [h("tr", { class: "govuk-table__row" }, h("td", { class: "govuk-table__cell", colspan: columns.length },
        rows.length ? "Nothing matches the search and filters." : empty))];
    const wanted = new Set(drawn);
    [...body.children].forEach((row) => wanted.has(row) || row.remove());
    drawn.forEach((row, index) => body.children[index] === row || body.insertBefore(row, body.children[index] || null));
    const counted = shown.length === rows.length
      ? `${rows.length} ${rows.length === 1 ? "row" : "rows"}${pages > 1 ? `, showing ${first + 1} to ${first + slice.length}` : ""}`
      : `${shown.length} of ${rows.length} rows match${pages > 1 ? `, showing ${first + 1} to ${first + slice.length}` : ""}`;
    if (count.textContent !== counted) count.textContent = counted;  // a live region: said only when it changes
    if (pager.dataset.shows === `${state.page}/${pages}`) return;  // unchanged: a focused page link keeps focus
    pager.dataset.shows = `${state.page}/${pages}`;
    pager.replaceChildren(paginationNav(caption, state.page, pages, (number) => {
      state.page = number;
      draw();
      count.scrollIntoView({ block: "nearest" });
    }));
  }

  const tools = h("div", { class: "app-table-tools" },
    search || columns.length ? textField({ id: `${id}-search`, name: "search", label: "Search", type: "search",
      width: 20, oninput: (event) => { state.query = event.target.value.trim(); state.page = 1; draw(); } }) : "",
    filters.map((filter) => selectField({ id: `${id}-${filter.key}`, name: filter.key, label: filter.label,
      options: [["", "All"], ...filter.options], value: state.chosen[filter.key] || "", onchange: (event) => {
        state.chosen[filter.key] = event.target.value;
        state.page = 1;
        draw();
      } })),
    button("Download CSV", { kind: "secondary", type: "button", id: `${id}-csv`, onclick: () => {
      const lines = visible().map((row) => columns.map((column) => (column.csv ? column.csv(row)
        : textOf(column.cell ? column.cell(row) : valueOf(column, row)))));
      download(`${csvName || id}.csv`, toCsv([columns.map((column) => column.label), ...lines]));
    } }));
  // A row already shown (by `data-id`) stays in the page, only its changed cells redrawn, so a refresh of the
  // rows (`update`) neither moves focus nor makes a screen reader read the table again.
  function keep(fresh) {
    const shown = fresh.dataset.id && [...body.children].find((row) => row.dataset.id === fresh.dataset.id);
    if (!shown) return fresh;
    [...fresh.children].forEach((cell, index) => {
      const old = shown.children[index];
      if (!old.isEqualNode(cell)) old.replaceChildren(...cell.childNodes);
    });
    return shown;
  }

  draw();
  const block = h("div", { class: "app-data-table", id: `${id}-block` },
    h("h2", { class: "govuk-heading-m" }, caption), tools, count,
    h("div", { class: "app-table-wrapper", role: "region", "aria-label": caption, tabindex: "0" },
      h("table", { class: "govuk-table", id },
        h("caption", { class: "govuk-table__caption govuk-visually-hidden" }, caption),
        h("thead", { class: "govuk-table__head" }, h("tr", { class: "govuk-table__row" }, headers)), body)),
    pager);
  block.update = (fresh) => { rows = fresh; draw(); };
  return block;
}

// --- charts ---------------------------------------------------------------------------------------------------

let chartLibrary = null;
// Chart.js (vendored UMD build) is loaded the first time a chart is drawn.
function chartJs() {
  chartLibrary ||= new Promise((resolve, reject) => {
    if (window.Chart) { resolve(window.Chart); return; }
    const script = h("script", { src: "/app/vendor/chart.umd.min.js" });
    script.addEventListener("load", () => resolve(window.Chart));
    script.addEventListener("error", () => reject(new Error("Chart.js did not load")));
    document.head.append(script);
  });
  return chartLibrary;
}

const SERIES_COLOURS = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f"];

// A chart with its figures as a table beside it (UI.md: people copy numbers, and a screen reader reads the
// table). `series`: [{label, data}] over `labels`; `format` writes each figure for the table.
export function chart({ id, title, type = "line", labels, series, format = String, yTitle = "" }) {
  const canvas = h("canvas", { id: `${id}-canvas`, role: "img", "aria-label": `${title}. The figures are in the `
    + "table below the chart." });
  const node = h("figure", { class: "app-figure", id },
    h("figcaption", { class: "govuk-heading-s" }, title),
    h("div", { class: "app-chart" }, canvas),
    detailsBox("The figures as a table", simpleTable({ id: `${id}-table`, caption: title, captionSize: "s",
      head: ["", ...series.map((s) => s.label)], numeric: series.map((_, index) => index + 1),
      rows: labels.map((label, index) => [label, ...series.map((s) => format(s.data[index]))]) }),
    button("Download CSV", { kind: "secondary", type: "button", onclick: () => download(`${id}.csv`,
      toCsv([["", ...series.map((s) => s.label)], ...labels.map((label, index) => [label,
        ...series.map((s) => s.data[index])])])) })));
  whenShown(node, async () => {
    const Chart = await chartJs();
    new Chart(canvas, { type, data: { labels, datasets: series.map((s, index) => ({ label: s.label,
      data: s.data.map(Number), borderColor: SERIES_COLOURS[index % SERIES_COLOURS.length],
      backgroundColor: SERIES_COLOURS[index % SERIES_COLOURS.length], stepped: s.stepped || false })) },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      font: { family: "arial, sans-serif" }, scales: { y: { beginAtZero: true, title: { display: Boolean(yTitle),
        text: yTitle } } } } });
  });
  return node;
}
