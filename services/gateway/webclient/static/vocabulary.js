// The API's closed sets the forms offer (API.md and the OpenAPI schema name them).

export const CLIENT_GROUPS = ["older_people", "learning_disability", "physical_disability", "mental_health",
  "carer_support"];
export const SKILLS = ["dementia", "peg_feeding", "catheter_care", "stoma_care", "acquired_brain_injury",
  "complex_behaviour", "medication", "night_support", "end_of_life", "sensory_impairment", "substance_misuse",
  "eating_disorders"];
export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
export const TIERS = ["block", "primary", "framework", "second_tier"];
export const CQC_RATINGS = ["outstanding", "good", "requires_improvement", "inadequate"];
export const KEY_QUESTIONS = ["safe", "effective", "caring", "responsive", "well_led"];
export const CARE_INSPECTORATE_THEMES = ["care_and_support", "environment", "staffing", "management_and_leadership"];
export const DECLINE_REASONS = [["no_capacity", "No capacity"], ["no_staff_in_area", "No staff in the area"],
  ["skills", "We lack the skills it needs"], ["travel", "Too far to travel"], ["other", "Another reason"]];
export const ROLES = ["broker", "commissioner", "quality_officer", "finance", "provider", "admin", "dpo"];
