import type { subsidyZh } from './subsidy.zh-CN';

/** Message catalog of the subsidy module (English): the same keys as subsidy.zh-CN.ts. */
export const subsidyEn: Record<keyof typeof subsidyZh, string> = {
  'field.month': 'Month',
  'field.correctedYuan': 'Corrected amount',
  'field.lineId': 'Subsidy month',
  'field.appealReason': 'Reason for the appeal',
  'field.decision': 'Decision',
  'field.opinion': "Supervisor's opinion",
  'v.subsidy.officialsOnly': '{field}: only officials compute and approve subsidies.',
  'v.subsidy.noPolicy': '{field}: no subsidy rules are in force for that month.',
  'v.subsidy.notPaymentMonth': '{field}: paid quarterly; compute it in the last month of a quarter.',
  'v.subsidy.month': '{field}: choose a month, e.g. 2026-11.',
  'v.subsidy.county': '{field}: choose a county inside your jurisdiction.',
  'v.subsidy.futureMonth': '{field}: that month has not started.',
  'v.subsidy.locked': '{field}: this month is approved and locked; later corrections become adjustments of a later month.',
  'v.subsidy.underReview': '{field}: this month is under township review; return it to draft before recomputing.',
  'v.subsidy.notDraft': '{field}: only a draft can be sent for review.',
  'v.subsidy.notReviewing': '{field}: this month is not under review.',
  'v.subsidy.reviewsMissing': '{field}: these townships have not reviewed their lists yet: {names}.',
  'v.subsidy.appealNotApproved': '{field}: only approved lines can be appealed.',
  'v.subsidy.appealAdjustment': '{field}: appeal the original line, not an adjustment.',
  'v.subsidy.appealExists': '{field}: this line already has an appeal.',
  'v.subsidy.appealDecided': '{field}: this appeal has been decided.',
  'v.subsidy.amount': '{field}: enter an amount of 0 yuan or more.',
};
