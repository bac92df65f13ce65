// The administrator's screens: people who sign in (with their roles and, for a provider's staff, their
// provider), created, changed, disabled and given a new password; and API clients (a provider's software, the
// council's ledger), created, given a new secret and revoked. A secret is shown once, here, and never again.

import { api, focusOn, h, rerender, session, show } from "./core.js";
import { labelOf } from "./format.js";
import { providerMap } from "./names.js";
import {
  bindForm, button, buttonGroup, checkboxes, confirmWithReason, dataTable, flash, form, h2, heading, hint, link,
  localProblem, notificationBanner, para, selectField, summaryList, tag, textField, warningText,
} from "./ui.js";
import { ROLES } from "./vocabulary.js";

const ROLE_HINTS = { broker: "sources care", commissioner: "keeps the provider registry and rate cards",
  quality_officer: "records concerns and keeps the risk matrix", finance: "runs invoices and reconciles",
  provider: "a provider's own staff: offers, visits, invoices of that provider only", admin: "manages accounts",
  dpo: "answers subject access requests" };
const CLIENT_ROLES = ["provider", "finance", "broker", "commissioner", "quality_officer"];

function providerOptions(providers) {
  return [["", "Not a provider's account"], ...[...providers.values()].map((p) => [p.id, p.name])];
}

// The roles ticked and the provider chosen, as the API takes them.
function rolesAndProvider(data) {
  return { roles: data.getAll("roles"), provider_id: data.get("provider_id") || null };
}

function secretShown(title, created) {
  return notificationBanner("Important", [h("h3", { class: "govuk-notification-banner__heading" }, title),
    para("Give this to whoever configures the client now: it is shown once and only its hash is kept."),
    summaryList([["Client id", h("span", { class: "app-secret", id: "client-id" }, created.client_id)],
      ["Client secret", h("span", { class: "app-secret", id: "client-secret" }, created.client_secret)]])],
  { id: "secret" });
}

export async function usersView() {
  const [{ items: users }, providers] = await Promise.all([api("GET", "/admin/users"), providerMap()]);
  const name = (id) => (id ? providers.get(id)?.name || "a provider no longer registered" : "");
  show(heading("Users"),
    link("#/admin/users/new", "Add a user", { class: "govuk-button", role: "button", draggable: "false" }),
    dataTable({ id: "users", caption: "People who sign in", rows: users, csvName: "users",
      sort: { key: "username" },
      filters: [{ key: "role", label: "Role", options: ROLES.map((r) => [r, labelOf(r)]),
        test: (u, role) => u.roles.includes(role) }, { key: "active", label: "Status",
        options: [["yes", "Active"], ["no", "Disabled"]], test: (u, value) => u.active === (value === "yes") }],
      columns: [
        { key: "username", label: "Username", cell: (u) => link(`#/admin/users/${u.id}`, u.username) },
        { key: "display_name", label: "Name", value: (u) => u.display_name || "" },
        { key: "roles", label: "Roles", value: (u) => u.roles.map(labelOf).join(", ") },
        { key: "provider_id", label: "Provider", value: (u) => name(u.provider_id) },
        { key: "active", label: "Status", value: (u) => (u.active ? "Active" : "Disabled"),
          cell: (u) => tag(u.active ? "active" : "disabled", u.active ? "Active" : "Disabled") },
      ] }));
}

function accountFields(providers, { roles = [], provider_id: providerId = "" } = {}) {
  return [checkboxes({ name: "roles", legend: "Roles", values: roles, small: true,
    items: ROLES.map((r) => [r, labelOf(r), ROLE_HINTS[r]]) }),
  selectField({ id: "provider_id", label: "Provider (for a provider's staff only)", value: providerId || "",
    options: providerOptions(providers), paths: "provider_id body" })];
}

export async function newUserView() {
  const providers = await providerMap();
  show(bindForm(form({ id: "new-user" }, heading("Add a user"),
    textField({ id: "username", label: "Username", hint: "Letters, numbers and . _ @ -", width: 20,
      autocomplete: "off" }),
    textField({ id: "display_name", label: "Name others see", hint: "For example, Jo Patel", autocomplete: "off" }),
    textField({ id: "new-password", name: "password", label: "Password", hint: "At least 12 characters, not a common word or "
      + "the username; give it to the person to change", type: "password", width: 20, autocomplete: "new-password" }),
    ...accountFields(providers), button("Add the user")), async (data) => {
    const user = await api("POST", "/admin/users", { json: { username: data.get("username"),
      display_name: data.get("display_name") || null, password: data.get("password"), ...rolesAndProvider(data) } });
    flash(`${user.display_name || user.username} can now sign in.`);
    location.hash = `#/admin/users/${user.id}`;
  }));
}

function userActions(user) {
  const own = user.id === session.subject;
  const toggle = button(user.active ? "Disable the account" : "Enable the account", { type: "button",
    kind: user.active ? "warning" : "secondary", id: "toggle-user", disabled: own });
  toggle.addEventListener("click", () => confirmWithReason(toggle, {
    title: `${user.active ? "Disable" : "Enable"} ${user.display_name || user.username}`,
    warning: user.active ? "They are signed out at once and cannot sign in until enabled again." : "They can sign in "
      + "again with their password.", reasonLabel: "Why", confirmText: user.active ? "Disable the account"
      : "Enable the account",
    confirm: async () => {
      await api("PATCH", `/admin/users/${user.id}`, { json: { active: !user.active } });
      flash(`${user.display_name || user.username} is ${user.active ? "disabled" : "enabled"}.`);
      await rerender();
    } }));
  return [buttonGroup(toggle), own ? hint("You cannot disable your own account.") : ""];
}

function resetPasswordForm(user) {
  return bindForm(form({ id: "reset-password" }, h2("Reset the password"),
    textField({ id: "reset-password-value", name: "password", label: "New password", type: "password", width: 20,
      autocomplete: "new-password", hint: "At least 12 characters, not a common word or the username" }),
    button("Reset the password", { kind: "secondary" })), async (data) => {
    if (!data.get("password")) throw localProblem([{ field: "password", text: "Enter the new password" }]);
    await api("PATCH", `/admin/users/${user.id}`, { json: { password: data.get("password") } });
    flash(`The password of ${user.display_name || user.username} is reset.`);
    await rerender();
  });
}

export async function userView(match) {
  const [{ items: users }, providers] = await Promise.all([api("GET", "/admin/users"), providerMap()]);
  const user = users.find((u) => u.id === match[1]);
  if (!user) return show(heading("No such user"), para(link("#/admin/users", "All users")));
  return show(heading(user.display_name || user.username, "User"),
    para(tag(user.active ? "active" : "disabled", user.active ? "Active" : "Disabled")),
    summaryList([["Username", user.username], ["Name others see", user.display_name || "Not given"],
      ["Roles", user.roles.map(labelOf).join(", ")],
      ["Provider", user.provider_id ? providers.get(user.provider_id)?.name || "a provider no longer registered" : null]],
    { id: "user-facts" }),
    userActions(user),
    bindForm(form({ id: "change-user" }, h2("Change the account"),
      textField({ id: "display_name", label: "Name others see", value: user.display_name || "" }),
      ...accountFields(providers, user), button("Save the changes", { kind: "secondary" })), async (data) => {
      await api("PATCH", `/admin/users/${user.id}`, { json: { display_name: data.get("display_name") || null,
        ...rolesAndProvider(data) } });
      flash(`${data.get("display_name") || user.username} is changed.`);
      await rerender();
    }),
    resetPasswordForm(user),
    para(link("#/admin/users", "All users")));
}

// --- API clients ----------------------------------------------------------------------------------------------

function clientActions(client, host) {
  const reset = button("New secret", { kind: "secondary", type: "button", "data-client": client.client_id });
  reset.addEventListener("click", () => confirmWithReason(reset, { title: `A new secret for ${client.name}`,
    warning: "The old secret stops working at once: the client's software must be given the new one.",
    reasonLabel: "Why", confirmText: "Make a new secret", confirm: async () => {
      const created = await api("POST", `/admin/clients/${client.client_id}/secret`);
      await rerender();
      document.getElementById(host).replaceChildren(secretShown(`The new secret of ${client.name}`, created));
      focusOn(document.getElementById("secret"));
    } }));
  const revoke = button("Revoke", { kind: "warning", type: "button", "data-client": client.client_id });
  revoke.addEventListener("click", () => confirmWithReason(revoke, { title: `Revoke ${client.name}`,
    warning: "The client is refused at once, for good; a new client would have a new id and secret.",
    reasonLabel: "Why", confirmText: "Revoke the client", confirm: async () => {
      await api("DELETE", `/admin/clients/${client.client_id}`);
      flash(`${client.name} is revoked.`);
      await rerender();
    } }));
  return client.active ? h("div", { class: "app-actions" }, reset, revoke) : "";
}

export async function clientsView() {
  const [{ items: clients }, providers] = await Promise.all([api("GET", "/admin/clients"), providerMap()]);
  const name = (id) => (id ? providers.get(id)?.name || "a provider no longer registered" : "");
  const secret = h("div", { id: "client-secret-area" });
  const create = bindForm(form({ id: "new-client" }, h2("Add an API client"),
    textField({ id: "client-name", name: "name", label: "Name", hint: "What the client is, for example Acme Care "
      + "rostering" }),
    checkboxes({ name: "roles", legend: "Roles", small: true, items: CLIENT_ROLES.map((r) => [r, labelOf(r)]) }),
    selectField({ id: "client-provider", name: "provider_id", label: "Provider (for a provider's software)",
      options: providerOptions(providers), paths: "provider_id body" }),
    button("Add the client")), async (data) => {
    if (!data.get("name")) throw localProblem([{ field: "name", text: "Enter the client's name" }]);
    const created = await api("POST", "/admin/clients", { json: { name: data.get("name"), ...rolesAndProvider(data) } });
    await rerender();
    document.getElementById("client-secret-area").replaceChildren(secretShown(`${created.name} is added`, created));
    focusOn(document.getElementById("secret"));
  });
  show(heading("API clients"), secret,
    warningText("A client's secret is shown once, when it is made. Keep it only in the client's configuration."),
    dataTable({ id: "clients", caption: "API clients", rows: clients.map((c) => ({ ...c, id: c.client_id })),
      csvName: "api-clients", columns: [
        { key: "name", label: "Name" },
        { key: "roles", label: "Roles", value: (c) => c.roles.map(labelOf).join(", ") },
        { key: "provider_id", label: "Provider", value: (c) => name(c.provider_id) },
        { key: "active", label: "Status", value: (c) => (c.active ? "Active" : "Revoked"),
          cell: (c) => tag(c.active ? "active" : "revoked", c.active ? "Active" : "Revoked") },
        { key: "client_id", label: "Client id", cell: (c) => h("span", { class: "app-break" }, c.client_id) },
        { key: "actions", label: "Actions", sortable: false, cell: (c) => clientActions(c, "client-secret-area"),
          csv: () => "" },
      ] }),
    create);
}
