// The web client's entry point: sign-in, the navigation each role sees, and the hash routes to the
// broker's, the commissioner's and the quality officer's screens (broker.js, commissioner.js, quality.js).
// Which links show is taken from the token's roles for display only; the server enforces every access and a
// refusal (403) shows in the problem box.

import { queueView, referralView, newReferralView } from "./broker.js";
import { providersView, providerView, rateCardsView, rateCardView } from "./commissioner.js";
import { api, cancelRefresh, h, onRerender, problemBox, session, show } from "./core.js";
import { concernsView, riskMatrixView } from "./quality.js";

const UUID = "([0-9a-f-]{36})";
const ROUTES = [
  [/^\/referrals\/new$/, () => newReferralView()],
  [new RegExp(`^/referrals/${UUID}$`), (m) => referralView(m[1])],
  [/^\/referrals$/, (m, params) => queueView(params)],
  [/^\/providers$/, (m, params) => providersView(params)],
  [new RegExp(`^/providers/${UUID}$`), (m) => providerView(m[1])],
  [/^\/rate-cards$/, (m, params) => rateCardsView(params)],
  [new RegExp(`^/rate-cards/${UUID}$`), (m) => rateCardView(m[1])],
  [/^\/risk-matrix$/, (m, params) => riskMatrixView(params)],
  [/^\/concerns$/, (m, params) => concernsView(params)],
];
// Where each role starts, in this order when a user holds several.
const HOMES = [["broker", "#/referrals?status=sourcing"], ["commissioner", "#/providers"],
  ["quality_officer", "#/risk-matrix"]];

function home() {
  const found = HOMES.find(([role]) => session.has(role));
  return found ? found[1] : null;
}

function loginView() {
  const error = h("div");
  const form = h("form", { class: "card", id: "login" },
    h("h1", {}, "Sign in"),
    h("label", { for: "username" }, "Username"), h("input", { id: "username", name: "username", required: true,
      autocomplete: "username" }),
    h("label", { for: "password" }, "Password"), h("input", { id: "password", name: "password", type: "password",
      required: true, autocomplete: "current-password" }),
    h("p", {}, h("button", { type: "submit" }, "Sign in")), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      const token = await api("POST", "/auth/token", { form: { grant_type: "password",
        username: data.get("username"), password: data.get("password") } });
      session.start(token.access_token, data.get("username"));
      const start = home() || "#/";
      if (location.hash === start) route(); else location.hash = start;
    } catch (e) { error.replaceChildren(problemBox(e)); }
  });
  show(form);
}

function showNav(signedIn) {
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("who").textContent = signedIn ? session.name || "" : "";
  for (const link of document.querySelectorAll("#nav [data-role]")) {
    link.hidden = !signedIn || !session.has(link.dataset.role);
  }
  document.querySelector(".brand").setAttribute("href", (signedIn && home()) || "#/");
}

async function route() {
  cancelRefresh();
  const [path, query] = location.hash.slice(1).split("?");
  const params = new URLSearchParams(query || "");
  const signedIn = Boolean(session.token);
  showNav(signedIn);
  if (!signedIn || path === "/login") return loginView();
  try {
    for (const [pattern, view] of ROUTES) {
      const match = (path || "").match(pattern);
      if (match) return await view(match, params);
    }
    const start = home();
    if (start) { location.hash = start; return undefined; }
    return show(h("h1", {}, "Home care"), h("p", { class: "muted" },
      "Your account holds no role with screens in this client (broker, commissioner or quality officer)."));
  } catch (e) { return show(problemBox(e)); }
}

onRerender(route);
document.getElementById("sign-out").addEventListener("click", () => { session.end(); location.hash = "#/login"; });
window.addEventListener("hashchange", route);
route();
