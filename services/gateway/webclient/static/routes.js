// Every screen of the client by its hash route, and the service navigation each role sees (in the order a
// user's home is chosen: the first link of the first role they hold).

import { clientsView, newUserView, usersView, userView } from "./admin.js";
import { dashboardView } from "./dashboard.js";
import {
  invoiceRunsView, invoicesView, invoiceView, reconciliationView, remittanceView,
} from "./finance.js";
import {
  actionPlanView, actionPlansView, concernsView, feedbackView, monitoringVisitsView, newActionPlanView,
} from "./intelligence.js";
import { notificationsView } from "./notifications.js";
import { packagesView, packageView } from "./packages.js";
import { queueView } from "./queue.js";
import { referralView } from "./referral.js";
import { amendReferralView, newReferralView, recordPlacementView } from "./referral-form.js";
import { capacityView, offersView, offerView, visitsUploadView } from "./provider.js";
import { contractsView, importView, newProviderView, providersView, providerView } from "./providers.js";
import { reviewsView, riskMatrixView } from "./quality.js";
import { newRateCardView, rateCardsView, rateCardView } from "./ratecards.js";

const UUID = "([0-9a-f-]{36})";
const path = (pattern) => new RegExp(`^${pattern.replaceAll("{id}", UUID)}$`);

export const ROUTES = [
  [path("/referrals/new"), newReferralView],
  [path("/referrals/record"), recordPlacementView],
  [path("/referrals/{id}/amend"), amendReferralView],
  [path("/referrals/{id}"), referralView],
  [path("/referrals"), queueView],
  [path("/dashboard"), dashboardView],
  [path("/notifications"), notificationsView],
  [path("/providers/new"), newProviderView],
  [path("/providers/import"), importView],
  [path("/providers/{id}"), providerView],
  [path("/providers"), providersView],
  [path("/contracts"), contractsView],
  [path("/rate-cards/new"), newRateCardView],
  [path("/rate-cards/{id}"), rateCardView],
  [path("/rate-cards"), rateCardsView],
  [path("/risk-matrix/reviews"), reviewsView],
  [path("/risk-matrix"), riskMatrixView],
  [path("/concerns"), concernsView],
  [path("/monitoring-visits"), monitoringVisitsView],
  [path("/feedback"), feedbackView],
  [path("/action-plans/new"), newActionPlanView],
  [path("/action-plans/{id}"), actionPlanView],
  [path("/action-plans"), actionPlansView],
  [path("/invoice-runs"), invoiceRunsView],
  [path("/invoices/{id}"), invoiceView],
  [path("/invoices"), invoicesView],
  [path("/remittances"), remittanceView],
  [path("/reconciliation"), reconciliationView],
  [path("/packages/{id}"), packageView],
  [path("/packages"), packagesView],
  [path("/offers/{id}"), offerView],
  [path("/offers"), offersView],
  [path("/visits/upload"), visitsUploadView],
  [path("/capacity"), capacityView],
  [path("/admin/users/new"), newUserView],
  [path("/admin/users/{id}"), userView],
  [path("/admin/users"), usersView],
  [path("/admin/clients"), clientsView],
];

export const NAVIGATION = [
  { role: "broker", href: "#/referrals?status=sourcing", text: "Sourcing" },
  { role: "broker", href: "#/referrals?status=unsourced", text: "Waiting list" },
  { role: "broker", href: "#/referrals?status=placed", text: "Placed" },
  { role: "broker", href: "#/referrals?status=cancelled", text: "Cancelled" },
  { role: "broker", href: "#/referrals/new", text: "New referral" },
  { role: "broker", href: "#/notifications", text: "Notifications" },
  { role: "broker", href: "#/dashboard", text: "Dashboard" },
  { role: "commissioner", href: "#/providers", text: "Providers" },
  { role: "commissioner", href: "#/contracts", text: "Contracts" },
  { role: "commissioner", href: "#/rate-cards", text: "Rate cards" },
  { role: "commissioner", href: "#/providers/import", text: "CQC import" },
  { role: "commissioner", href: "#/dashboard", text: "Dashboard" },
  { role: "quality_officer", href: "#/risk-matrix", text: "Risk matrix" },
  { role: "quality_officer", href: "#/concerns", text: "Concerns" },
  { role: "quality_officer", href: "#/monitoring-visits", text: "Monitoring visits" },
  { role: "quality_officer", href: "#/feedback", text: "Feedback" },
  { role: "quality_officer", href: "#/action-plans", text: "Action plans" },
  { role: "quality_officer", href: "#/risk-matrix/reviews", text: "Reviews" },
  { role: "quality_officer", href: "#/dashboard", text: "Dashboard" },
  { role: "finance", href: "#/invoices", text: "Invoices" },
  { role: "finance", href: "#/invoice-runs", text: "Invoice runs" },
  { role: "finance", href: "#/reconciliation", text: "Reconciliation" },
  { role: "finance", href: "#/packages", text: "Packages" },
  { role: "finance", href: "#/remittances", text: "Remittances" },
  { role: "provider", href: "#/offers", text: "Offers" },
  { role: "provider", href: "#/packages", text: "Packages" },
  { role: "provider", href: "#/visits/upload", text: "Report visits" },
  { role: "provider", href: "#/invoices", text: "Invoices" },
  { role: "provider", href: "#/remittances", text: "Remittances" },
  { role: "provider", href: "#/capacity", text: "Capacity" },
  { role: "admin", href: "#/admin/users", text: "Users" },
  { role: "admin", href: "#/admin/clients", text: "API clients" },
];
