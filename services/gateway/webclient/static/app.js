// The web client's shell: sign-in, the header and the service navigation each role sees, the hash routes to
// every role's screens, and focus after navigation (to the page heading, or to the success banner of what
// was just done). Which links show is read from the token's roles for display only: the server enforces
// every access, and a refusal shows as the API said it.

import { api, focusHeading, focusOn, h, main, onRerender, session, show } from "./core.js";
import { forgetNames } from "./names.js";
import { NAVIGATION, ROUTES } from "./routes.js";
import { bindForm, button, errorSummary, heading, para, takeFlash, textField } from "./ui.js";
import { ServiceNavigation } from "./vendor/govuk-frontend.min.js";
import { problemMessages } from "./problems.js";

const SERVICE = "Home care";

// Where a user starts: the first of their roles in NAVIGATION's order.
function home() {
  const first = NAVIGATION.find((item) => session.has(item.role));
  return first ? first.href : null;
}

// Keeps the suite's token (from a password or from single sign-on) and goes to the user's first screen.
async function startSession(token) {
  session.start(token);
  const me = await api("GET", "/users/me").catch(() => null);
  session.remember(me && me.display_name);
  const start = home() || "#/";
  if (location.hash === start) route(); else location.hash = start;
}

function loginView() {
  const loginForm = bindForm(h("form", { id: "login", class: "app-form" },
    heading("Sign in"),
    textField({ id: "username", label: "Username", autocomplete: "username", width: 20 }),
    textField({ id: "password", label: "Password", type: "password", autocomplete: "current-password",
      width: 20 }),
    button("Sign in")), async (data) => {
    const token = await api("POST", "/auth/token", { form: { grant_type: "password",
      username: data.get("username"), password: data.get("password") } });
    await startSession(token.access_token);
  });
  show(loginForm);
  offerSingleSignOn(loginForm);
}

// Where the council's identity provider is configured, its sign-in comes first (the one primary button); the
// password form stays for local accounts (and the break-glass admin).
async function offerSingleSignOn(loginForm) {
  const offered = await api("GET", "/auth/oidc").catch(() => null);
  if (!offered || !loginForm.isConnected) return;
  loginForm.querySelector("button[type=submit]").classList.add("govuk-button--secondary");
  loginForm.querySelector("h1").after(
    h("a", { id: "single-sign-on", href: offered.login_url, role: "button", draggable: "false",
      class: "govuk-button", "data-module": "govuk-button" }, `Sign in with ${offered.display_name}`),
    para("Or sign in with a username and password."));
}

// The gateway sends the browser here after single sign-on with the suite's token in the fragment (which is
// never sent to a server): it is taken out of the address and the history at once, then kept as after a
// password sign-in. A refused sign-in comes back with the problem's type only, worded here from a fixed list
// (never text taken from the address) above the sign-in form.
async function signedIn(params) {
  history.replaceState(null, "", location.pathname + "#/");
  const token = params.get("token");
  if (token) { await startSession(token); return; }
  await route();
  const loginForm = document.getElementById("login");
  const problem = params.get("problem");
  if (!problem || !loginForm) return;
  const summary = errorSummary([{ text: Object.hasOwn(SINGLE_SIGN_ON_REFUSALS, problem)
    ? SINGLE_SIGN_ON_REFUSALS[problem] : SINGLE_SIGN_ON_REFUSALS["invalid-grant"] }]);
  loginForm.prepend(summary);
  focusOn(summary);
}

const SINGLE_SIGN_ON_REFUSALS = {
  "invalid-state": "Your sign-in took too long, or was started in another window. Sign in again.",
  "invalid-grant": "The council's sign-in service did not sign you in. Try again, or sign in with a username "
    + "and password.",
  "no-role": "You signed in, but your account holds no role in this service. Ask the service's administrator "
    + "to add you to a group that gives one.",
  forbidden: "Your account is disabled in this service. Ask the service's administrator.",
  unavailable: "The council's sign-in service did not answer. Try again in a few minutes.",
};

// The navigation of the roles the user holds, each link once, the current one marked.
function drawShell(path) {
  const signedIn = Boolean(session.token);
  document.getElementById("service-navigation").hidden = !signedIn;
  document.getElementById("who").hidden = !signedIn;
  document.getElementById("who-name").textContent = signedIn ? `Signed in as ${session.name}` : "";
  document.getElementById("home-link").setAttribute("href", (signedIn && home()) || "#/");
  const seen = new Set();
  const items = signedIn ? NAVIGATION.filter((item) => session.has(item.role) && !seen.has(item.href)
    && seen.add(item.href)) : [];
  const current = items.find((item) => item.href === location.hash)
    || items.find((item) => path.startsWith(item.href.slice(1).split("?")[0]));
  document.getElementById("navigation").replaceChildren(...items.map((item) => h("li", {
    class: `govuk-service-navigation__item${item === current ? " govuk-service-navigation__item--active" : ""}` },
  h("a", { class: "govuk-service-navigation__link", href: item.href, "data-role": item.role,
    "aria-current": item === current ? "page" : null },
  item === current ? h("strong", { class: "govuk-service-navigation__active-fallback" }, item.text) : item.text))));
}

function failure(error) {
  const problem = error.problem || { title: "Something went wrong", detail: String(error.message || error) };
  const summary = errorSummary(problemMessages(problem).items);
  return [heading(problem.status === 403 ? "You cannot use this page" : problem.status === 404
    ? "Page not found" : "Something went wrong"), summary];
}

function matchRoute(path, params) {
  for (const [pattern, view] of ROUTES) {
    const match = path.match(pattern);
    if (match) return () => view(match, params);
  }
  return null;
}

// Draws the screen the hash names. `keepFocus` (a re-render after an action or a refresh) puts focus back on
// the control that had it, where it still exists.
async function route({ keepFocus = false } = {}) {
  const hash = location.hash || "#/";
  if (!hash.startsWith("#/")) return;
  forgetNames();
  const focusedId = keepFocus && document.activeElement ? document.activeElement.id : "";
  const [path, query] = hash.slice(1).split("?");
  if (path === "/signed-in") { await signedIn(new URLSearchParams(query || "")); return; }
  drawShell(path);
  if (!session.token || path === "/login") { loginView(); focusHeading(); return; }
  const view = matchRoute(path, new URLSearchParams(query || ""));
  try {
    if (view) await view();
    else if (home()) { location.replace(home()); return; }
    else show(heading(SERVICE), para("Your account holds no role with screens in this client."));
  } catch (error) {
    show(...failure(error));
  }
  const title = main.querySelector("h1");
  document.title = `${title ? title.textContent : SERVICE} - ${SERVICE}`;
  const banner = takeFlash();
  if (banner) { main.prepend(banner); focusOn(banner); }
  else if (focusedId && document.getElementById(focusedId)) document.getElementById(focusedId).focus();
  else if (!keepFocus) focusHeading();
}

// GOV.UK Frontend's scripts read its stylesheet's custom properties (breakpoints), so they start once it loaded.
document.body.classList.add("govuk-frontend-supported");
if (document.readyState !== "complete") await new Promise((done) => window.addEventListener("load", done, { once: true }));
new ServiceNavigation(document.getElementById("service-navigation"));
document.getElementById("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  focusOn(main);
});
document.getElementById("sign-out").addEventListener("click", () => {
  session.end();
  location.hash = "#/login";
});
onRerender(route);
window.addEventListener("hashchange", () => route());
route();
