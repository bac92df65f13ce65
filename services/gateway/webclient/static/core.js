// What every screen shares: the API call, the session, the element helper, showing a screen and moving focus,
// and re-rendering. Every piece of text is set as a text node or attribute (never innerHTML), so nothing that
// comes from the API is ever read as markup. The GOV.UK pieces built from these are in ui.js.

export const main = document.getElementById("main-content");

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
  get claims() { return this.token ? claimsOf(this.token) : {}; },
  get roles() { return this.claims.roles || []; },
  get subject() { return this.claims.sub || null; },
  get providerId() { return this.claims.provider_id || null; },
  get name() { return sessionStorage.getItem("display_name") || this.claims.name || ""; },
  has(role) { return this.roles.includes(role); },
  get isStaff() { return this.roles.some((role) => role !== "provider"); },
  start(token) { sessionStorage.clear(); sessionStorage.setItem("token", token); },
  remember(displayName) { if (displayName) sessionStorage.setItem("display_name", displayName); },
  end() { sessionStorage.clear(); },
};

function urlOf(path, params) {
  const url = new URL("/api/v1" + path, location.origin);
  Object.entries(params || {}).forEach(([key, value]) => {
    if (Array.isArray(value)) value.forEach((each) => url.searchParams.append(key, each));
    else if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  });
  return url;
}

// One call to the public API. JSON by default; `accept: "text/csv"` answers the body as text, and `body` with
// `contentType` sends a file as it is. A refusal throws an ApiError carrying the problem+json.
export async function api(method, path, { json, form, params, accept, body, contentType } = {}) {
  const headers = { Accept: accept || "application/json" };
  if (session.token) headers.Authorization = "Bearer " + session.token;
  let payload = body;
  if (json !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(json); }
  if (form !== undefined) payload = new URLSearchParams(form);
  if (contentType) headers["Content-Type"] = contentType;
  const answer = await fetch(urlOf(path, params), { method, headers, body: payload });
  const text = await answer.text();
  if (answer.status === 401 && path !== "/auth/token") { session.end(); location.hash = "#/login"; }
  if (answer.ok && accept && accept !== "application/json") return text;
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { title: answer.statusText, detail: text }; }
  if (!answer.ok) throw new ApiError(data || { title: answer.statusText, status: answer.status });
  return data;
}

// A file sent as it is, with the share sent so far reported to `onProgress(fraction)` (fetch cannot report
// an upload's progress; XMLHttpRequest can). Answers the JSON reply or throws an ApiError.
export function apiUpload(path, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", urlOf(path, {}));
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("Content-Type", contentType);
    if (session.token) request.setRequestHeader("Authorization", "Bearer " + session.token);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      let data = null;
      try { data = JSON.parse(request.responseText); } catch { data = { title: request.statusText,
        detail: request.responseText }; }
      if (request.status >= 200 && request.status < 300) resolve(data);
      else reject(new ApiError(data || { title: request.statusText, status: request.status }));
    });
    request.addEventListener("error", () => reject(new ApiError({ title: "The upload failed",
      detail: "The connection to the server was lost." })));
    request.send(file);
  });
}

// Every page of a list (the API gives at most 500 at a time), up to `most` items.
export async function apiAll(path, params = {}, most = 5000) {
  const items = [];
  let cursor = null;
  do {
    const page = await api("GET", path, { params: { ...params, limit: 500, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < most);
  return items;
}

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === "") continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function show(...nodes) { main.replaceChildren(...nodes.flat().filter(Boolean)); }

// Focus for keyboard and screen reader users: to an element that is not itself focusable (a heading, an
// error summary, a banner) by making it focusable for the moment.
export function focusOn(element) {
  if (!element) return;
  if (!element.hasAttribute("tabindex")) {
    element.setAttribute("tabindex", "-1");
    element.addEventListener("blur", () => element.removeAttribute("tabindex"), { once: true });
  }
  element.focus();
}

export function focusHeading() { focusOn(main.querySelector("h1")); }

// A file the browser saves (CSV exports), made in the page so nothing else is asked of the server.
export function download(filename, text, type = "text/csv") {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Re-rendering the current screen belongs to the router in app.js.
let rerenderHook = async () => {};
export function onRerender(hook) { rerenderHook = hook; }
export function rerender() { return rerenderHook({ keepFocus: true }); }

// Runs `task` every `ms` while `node` is in the page (a screen's rows kept fresh in place); stops for good once
// the screen is left. A failed run (the network gone for a moment) is left for the next to put right.
export function pollWhileShown(node, ms, task) {
  const tick = async () => {
    if (!node.isConnected) return;
    await task().catch(() => {});
    if (node.isConnected) setTimeout(tick, ms);
  };
  setTimeout(tick, ms);
}
