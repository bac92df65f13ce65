// A broker's notifications: the referrals they made where something happened that a broker acts on (an offer declined or
// left to expire, a referral gone to the waiting list, a placement or award) since they last looked. Fed by
// polling `GET /referrals?mine=true&event_since=...` (each referral answers its newest such step); "seen up to" is kept in
// this browser per user. The queue shows a short banner of them; #/notifications lists them all.

import { apiAll, h, pollWhileShown, rerender, session, show } from "./core.js";
import { formatDateTime, labelOf } from "./format.js";
import { DECLINE_REASONS } from "./vocabulary.js";
import { button, dataTable, flash, heading, link, notificationBanner, para } from "./ui.js";

const POLL_MS = 15000;
const FIRST_LOOK_HOURS = 24;
const REASONS = new Map(DECLINE_REASONS);
const seenKey = () => `notifications-seen:${session.subject}`;

// The time up to which the user has seen their notifications (a day back the first time).
function seenUpTo() {
  return localStorage.getItem(seenKey())
    || new Date(Date.now() - FIRST_LOOK_HOURS * 3600000).toISOString();
}

function whatHappened(event) {
  const who = event.provider_name || "a provider";
  switch (event.event) {
    case "declined": return `Declined by ${who}${event.reason ? `: ${REASONS.get(event.reason) || labelOf(event.reason)}`
      : ""}`;
    case "expired": return `Offer to ${who} expired unanswered`;
    case "unsourced": return "Gone to the waiting list: nobody could take it";
    case "placed": return `Placed with ${who}`;
    case "awarded": return `Awarded directly to ${who}`;
    default: return labelOf(event.event);
  }
}

async function unseen() {
  const since = seenUpTo();
  const rows = await apiAll("/referrals", { event_since: since, mine: true }, 500);
  const when = (row) => new Date(row.last_event.at).getTime();
  return rows.filter((row) => row.last_event && when(row) > new Date(since).getTime())
    .sort((a, b) => when(b) - when(a));
}

const line = (row) => h("li", {}, link(`#/referrals/${row.id}`, row.client_ref), `: ${whatHappened(row.last_event)}`);

// The queue's banner of what happened since the user last looked, kept fresh; empty when nothing did.
export function notificationsBanner() {
  const holder = h("div", { id: "notifications-banner" });
  const count = h("p", { class: "govuk-visually-hidden", "aria-live": "polite" });
  let drawn = "";
  const draw = async () => {
    const rows = await unseen();
    const said = rows.length ? `${rows.length} new ${rows.length === 1 ? "notification" : "notifications"}` : "";
    const signature = rows.map((row) => `${row.id} ${row.last_event.at}`).join();
    if (signature === drawn) return;  // unchanged: left as it is, so focus inside it stays
    drawn = signature;
    count.textContent = said;
    holder.replaceChildren(rows.length ? notificationBanner(said, [
      h("ul", { class: "govuk-list" }, rows.slice(0, 5).map(line)),
      link("#/notifications", "See all notifications", { class: "govuk-notification-banner__link" })],
    { id: "notifications" }) : "");
  };
  draw().catch(() => {});
  pollWhileShown(count, POLL_MS, draw);
  return [count, holder];
}

export async function notificationsView() {
  const rows = await unseen();
  const newest = rows[0]?.last_event.at;
  show(heading("Notifications"),
    para(rows.length ? `${rows.length} since ${formatDateTime(seenUpTo())}.`
      : `Nothing new since ${formatDateTime(seenUpTo())}.`),
    rows.length ? button("Mark all as seen", { kind: "secondary", type: "button", id: "mark-seen", onclick: async () => {
      localStorage.setItem(seenKey(), newest);
      flash("Every notification is marked as seen.");
      await rerender();
    } }) : "",
    dataTable({ id: "notifications-list", caption: "What happened", rows, csvName: "notifications",
      sort: { key: "at", descending: true }, empty: "Nothing new.", columns: [
        { key: "at", label: "When", value: (r) => r.last_event.at, cell: (r) => formatDateTime(r.last_event.at) },
        { key: "client_ref", label: "Client", cell: (r) => link(`#/referrals/${r.id}`, r.client_ref) },
        { key: "what", label: "What happened", value: (r) => whatHappened(r.last_event) },
        { key: "status", label: "Now", value: (r) => labelOf(r.status) },
      ] }));
}
