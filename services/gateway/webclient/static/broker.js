// The broker's queue of referrals (sourcing, waiting list of unmet need, placed, cancelled). One referral, and
// the forms that make or change one, are in referral.js and referral-form.js. They speak only the public API.

import { apiAll, refreshIn, show } from "./core.js";
import { formatDate, formatHours, labelOf } from "./format.js";
import { areaLabel, areaMap } from "./names.js";
import { dataTable, heading, link, para, tag } from "./ui.js";

const REFRESH_MS = 10000;
const TITLES = { sourcing: "Being sourced", unsourced: "Waiting list: unmet need", placed: "Placed",
  cancelled: "Cancelled" };

export async function queueView(_match, params) {
  const status = params.get("status") || "sourcing";
  const [referrals, areas] = await Promise.all([apiAll("/referrals", { status }, 2000), areaMap()]);
  const hours = referrals.reduce((sum, r) => sum + Number(r.weekly_hours || 0), 0);
  show(heading(TITLES[status] || labelOf(status)),
    para(`${referrals.length} referrals, ${formatHours(hours)} of care a week.`),
    dataTable({ id: "queue", caption: TITLES[status] || labelOf(status), rows: referrals, csvName: `referrals-${status}`,
      columns: [
        { key: "client_ref", label: "Client", cell: (r) => link(`#/referrals/${r.id}`, r.client_ref) },
        { key: "area", label: "Area", value: (r) => areaLabel(areas, r.area) },
        { key: "urgency", label: "Urgency", cell: (r) => tag(r.urgency), csv: (r) => labelOf(r.urgency) },
        { key: "weekly_hours", label: "Hours a week", value: (r) => Number(r.weekly_hours),
          cell: (r) => formatHours(r.weekly_hours), numeric: true },
        { key: "start_on", label: "Start", cell: (r) => formatDate(r.start_on) },
        { key: "status", label: "Status", cell: (r) => tag(r.status), csv: (r) => labelOf(r.status) },
      ] }));
  refreshIn(REFRESH_MS);
}
