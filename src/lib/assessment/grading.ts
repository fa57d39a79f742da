import { randomInt } from 'node:crypto';
import type { QuestionType } from './bank';

/** Random source for drawing and shuffling; tests pass a seeded one. */
export interface Rng {
  int(n: number): number;
}
export const cryptoRng: Rng = { int: (n) => randomInt(n) };

export function shuffle<T>(xs: readonly T[], rng: Rng): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Draws `perTopic` questions from every topic (all of a topic when it has fewer) and mixes them. */
export function drawQuestions<Q extends { topic: string }>(pool: readonly Q[], perTopic: number, rng: Rng): Q[] {
  const byTopic = new Map<string, Q[]>();
  for (const q of pool) byTopic.set(q.topic, [...(byTopic.get(q.topic) ?? []), q]);
  const drawn = [...byTopic.keys()].sort().flatMap((topic) => shuffle(byTopic.get(topic)!, rng).slice(0, perTopic));
  return shuffle(drawn, rng);
}

/** The order options are shown in: a permutation of the bank's option indices (empty for true/false and fill). */
export function optionOrderFor(type: QuestionType, optionCount: number, rng: Rng): number[] {
  if (type === 'truefalse' || type === 'fill') return [];
  const ids = Array.from({ length: optionCount }, (_, i) => i);
  // an ordering question must not be shown already in the right order
  for (let tries = 0; tries < 10; tries++) {
    const p = shuffle(ids, rng);
    if (type !== 'ordering' || p.some((v, i) => v !== i)) return p;
  }
  return ids.slice(1).concat(ids[0]!);
}

/**
 * A response in display terms:
 * single → the position chosen; multiple → positions chosen; truefalse → boolean; fill → text;
 * ordering → for each displayed item, the rank (1…n) the learner gave it.
 * Returns the normalised response, or null when its shape does not fit the question.
 */
export function normaliseResponse(type: QuestionType, optionCount: number, r: unknown): unknown | null {
  const isPos = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < optionCount;
  switch (type) {
    case 'single':
      return isPos(r) ? r : null;
    case 'multiple':
      return Array.isArray(r) && r.length <= optionCount && r.every(isPos) && new Set(r).size === r.length ? [...r].sort((a, b) => a - b) : null;
    case 'truefalse':
      return typeof r === 'boolean' ? r : null;
    case 'fill':
      return typeof r === 'string' && r.length <= 200 ? r : null;
    case 'ordering':
      return Array.isArray(r) && r.length === optionCount && r.every((x) => Number.isInteger(x) && x >= 1 && x <= optionCount) ? r : null;
  }
}

const squash = (s: string) => s.replace(/[\s　]/g, '').toLowerCase();

/** Grades one response against the key. Unanswered (null) is wrong. */
export function isCorrect(type: QuestionType, answer: unknown, optionOrder: number[], response: unknown): boolean {
  if (response === null || response === undefined) return false;
  switch (type) {
    case 'single':
      return optionOrder[response as number] === answer;
    case 'multiple': {
      const chosen = new Set((response as number[]).map((p) => optionOrder[p]));
      const key = new Set(answer as number[]);
      return chosen.size === key.size && [...key].every((k) => chosen.has(k));
    }
    case 'truefalse':
      return response === answer;
    case 'fill':
      return (answer as string[]).some((a) => squash(a) === squash(response as string));
    case 'ordering':
      // displayed item i is bank option optionOrder[i]; its right rank is optionOrder[i] + 1
      return (response as number[]).every((rank, i) => rank === optionOrder[i]! + 1);
  }
}

/** The right answer in display terms, for review. */
export function keyForDisplay(type: QuestionType, answer: unknown, optionOrder: number[]): unknown {
  switch (type) {
    case 'single':
      return optionOrder.indexOf(answer as number);
    case 'multiple':
      return (answer as number[]).map((a) => optionOrder.indexOf(a)).sort((a, b) => a - b);
    case 'ordering':
      return optionOrder.map((bankIndex) => bankIndex + 1);
    default:
      return answer;
  }
}

export function scorePercent(correct: number, total: number): number {
  return total === 0 ? 0 : Math.round((correct / total) * 1000) / 10;
}
