// People and organisations by name, never by id (UI.md): providers, areas, and the users who did something
// ("lifted by Jo Patel"), read once per screen from the API and looked up while the screen is drawn.

import { api, apiAll, session } from "./core.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
let people = new Map();
let providers = null;
let areas = null;

// A new screen reads names afresh (a provider renamed or a user added a moment ago shows as it is now).
export function forgetNames() {
  people = new Map();
  providers = null;
  areas = null;
}

// The display names of users and API clients by id (the gateway's `GET /users`, staff only).
export async function loadPeople(ids) {
  const wanted = [...new Set(ids.filter((id) => id && UUID.test(id) && !people.has(id)))];
  for (let start = 0; start < wanted.length && session.isStaff; start += 100) {
    const chunk = wanted.slice(start, start + 100);
    const found = await api("GET", "/users", { params: { id: chunk } });
    found.items.forEach((person) => people.set(person.id, person.display_name));
  }
  wanted.forEach((id) => people.has(id) || people.set(id, null));
}

// Who did something: their name, a username kept as it was, or a plain word when they are not known.
export function personName(id) {
  if (!id) return "";
  if (!UUID.test(id)) return id;
  return people.get(id) || "a former user";
}

export async function providerMap() {
  if (!providers) {
    const list = session.isStaff ? await apiAll("/providers")
      : session.providerId ? [await api("GET", `/providers/${session.providerId}`)] : [];
    providers = new Map(list.map((provider) => [provider.id, provider]));
  }
  return providers;
}

export async function providerName(id) {
  return (await providerMap()).get(id)?.name || "a provider no longer registered";
}

// Areas by code (staff only: a provider's staff see the codes their contracts and offers name).
export async function areaMap() {
  areas ||= new Map(session.isStaff ? (await apiAll("/areas")).map((area) => [area.code, area]) : []);
  return areas;
}

// "Oakham (OAK)", or the code alone for an area not (or no longer) known.
export function areaLabel(map, code) {
  const area = map.get(code);
  return area ? `${area.name} (${code})` : code || "";
}

export async function areaOptions() {
  return [...(await areaMap()).values()].map((area) => [area.code, `${area.name} (${area.code})`]);
}
