// Every screen of the client by its hash route, and the service navigation each role sees (in the order a
// user's home is chosen: the first link of the first role they hold).

import { newReferralView, queueView, referralView } from "./broker.js";
import {
  actionPlanView, actionPlansView, concernsView, feedbackView, monitoringVisitsView, newActionPlanView,
} from "./intelligence.js";
import { importView, newProviderView, providersView, providerView } from "./providers.js";
import { reviewsView, riskMatrixView } from "./quality.js";
import { newRateCardView, rateCardsView, rateCardView } from "./ratecards.js";

const UUID = "([0-9a-f-]{36})";
const path = (pattern) => new RegExp(`^${pattern.replaceAll("{id}", UUID)}$`);

export const ROUTES = [
  [path("/referrals/new"), newReferralView],
  [path("/referrals/{id}"), referralView],
  [path("/referrals"), queueView],
  [path("/providers/new"), newProviderView],
  [path("/providers/import"), importView],
  [path("/providers/{id}"), providerView],
  [path("/providers"), providersView],
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
];

export const NAVIGATION = [
  { role: "broker", href: "#/referrals?status=sourcing", text: "Sourcing" },
  { role: "broker", href: "#/referrals?status=unsourced", text: "Waiting list" },
  { role: "broker", href: "#/referrals?status=placed", text: "Placed" },
  { role: "broker", href: "#/referrals/new", text: "New referral" },
  { role: "commissioner", href: "#/providers", text: "Providers" },
  { role: "commissioner", href: "#/rate-cards", text: "Rate cards" },
  { role: "quality_officer", href: "#/risk-matrix", text: "Risk matrix" },
  { role: "quality_officer", href: "#/concerns", text: "Concerns" },
  { role: "quality_officer", href: "#/monitoring-visits", text: "Monitoring visits" },
  { role: "quality_officer", href: "#/feedback", text: "Feedback" },
  { role: "quality_officer", href: "#/action-plans", text: "Action plans" },
  { role: "quality_officer", href: "#/risk-matrix/reviews", text: "Reviews" },
];
