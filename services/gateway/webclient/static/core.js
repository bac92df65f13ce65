// What every screen of the web client shares: the API call, the session, the element helper and the
// small pieces of display (pills, dates, the problem box). Every piece of text is set as a text node or
// attribute (never innerHTML), so nothing that comes from the API is ever read as markup.

export const main = document.getElementById("main");
export const CLIENT_GROUPS = ["older_people", "learning_disability", "physical_disability", "mental_health",
  "carer_support"];

export class ApiError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || "The request failed");
    this.problem = problem;
  }
}

// The token's claims, read for display only (which links to show): the server checks every request.
function claimsOf(token) {
  try {
    const part = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
  } catch {
    return {};
  }
}

export const session = {
  get token() { return sessionStorage.getItem("token"); },
  get name() { return sessionStorage.getItem("name"); },
  get roles() { return this.token ? claimsOf(this.token).roles || [] : []; },
  has(role) { return this.roles.includes(role); },
  start(token, name) { sessionStorage.setItem("token", token); sessionStorage.setItem("name", name); },
  end() { sessionStorage.clear(); },
};

export async function api(method, path, { json, form, params } = {}) {
  const url = new URL("/api/v1" + path, location.origin);
  Object.entries(params || {}).forEach(([k, v]) => v !== undefined && v !== null && v !== ""
    && url.searchParams.set(k, v));
  const headers = { Accept: "application/json" };
  if (session.token) headers.Authorization = "Bearer " + session.token;
  let body;
  if (json !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(json); }
  if (form !== undefined) body = new URLSearchParams(form);
  const answer = await fetch(url, { method, headers, body });
  const text = await answer.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { title: answer.statusText, detail: text }; }
  if (answer.status === 401 && path !== "/auth/token") { session.end(); location.hash = "#/login"; }
  if (!answer.ok) throw new ApiError(data || { title: answer.statusText, status: answer.status });
  return data;
}

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  }
  return node;
}

export const label = (value) => String(value ?? "").replaceAll("_", " ");
export const pill = (value) => h("span", { class: "pill " + value }, label(value));
export const when = (iso) => (iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium",
  timeStyle: "short" }) : "");
// Today in the user's own time zone (toISOString would give the UTC date, a day out near midnight).
export const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);

export function problemBox(error) {
  const problem = error.problem || { title: String(error.message || error) };
  const fields = (problem.errors || []).map((e) => h("li", {}, `${e.field}: ${e.message}`));
  return h("div", { class: "problem", role: "alert" }, h("strong", {}, problem.title || "Refused"),
    problem.detail ? h("div", {}, problem.detail) : "", fields.length ? h("ul", {}, fields) : "");
}

export const notice = (...children) => h("div", { class: "notice", role: "status" }, ...children);

export function show(...nodes) { main.replaceChildren(...nodes); }

export function table(id, headings, rows, empty = "Nothing here.") {
  return h("table", { id }, h("thead", {}, h("tr", {}, headings.map((c) => h("th", {}, c)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: headings.length, class: "muted" }, empty))));
}

export function select(attrs, options, chosen) {
  return h("select", attrs, options.map(([value, text]) => h("option", { value, selected: value === chosen },
    text)));
}

// A labelled field in a form row.
export const field = (id, text, control) => h("div", {}, h("label", { for: id }, text), control);

// Re-rendering the current screen, and the one refresh timer, belong to the router in app.js.
let rerenderHook = () => {};
let refreshTimer = null;
export function onRerender(hook) { rerenderHook = hook; }
export function rerender() { return rerenderHook(); }
export function refreshIn(ms) { clearTimeout(refreshTimer); refreshTimer = setTimeout(rerender, ms); }
export function cancelRefresh() { clearTimeout(refreshTimer); }
