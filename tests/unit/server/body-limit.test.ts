import { describe, it, expect } from 'vitest';
import { bodyLimitRules, checkRequestBody } from '../../../src/server/body-limit';

const rules = bodyLimitRules(20);
const MB = 1024 * 1024;

describe('request body limits (before Astro reads a body into memory)', () => {
  it('refuses a 1 GB upload by its declared length, with the reason', () => {
    const r = checkRequestBody('POST', '/train/h5p', { 'content-length': String(1024 * MB) }, rules);
    expect(r).toMatchObject({ status: 413 });
    expect(r!.message).toMatch(/1024\.0 MB，超过此处允许的 21 MB/);
  });
  it('refuses bodies without a declared length (chunked), which could be of any size', () => {
    expect(checkRequestBody('POST', '/work/log/visit', { 'transfer-encoding': 'chunked' }, rules)).toMatchObject({ status: 411 });
    expect(checkRequestBody('POST', '/x', { 'content-length': 'abc' }, rules)).toMatchObject({ status: 411 });
  });
  it('lets ordinary forms and an .h5p within its limit through; ignores reads', () => {
    expect(checkRequestBody('POST', '/train/h5p', { 'content-length': String(20 * MB) }, rules)).toBeNull();
    expect(checkRequestBody('POST', '/login', { 'content-length': '60' }, rules)).toBeNull();
    expect(checkRequestBody('POST', '/logout', {}, rules)).toBeNull();
    expect(checkRequestBody('POST', '/login', { 'content-length': String(11 * MB) }, rules)).toMatchObject({ status: 413 });
    expect(checkRequestBody('GET', '/', { 'transfer-encoding': 'chunked' }, rules)).toBeNull();
  });
});
