import type { APIRoute } from 'astro';
import { getDb } from '../server/db';

export const GET: APIRoute = () => {
  let dbOk = false;
  try {
    dbOk = getDb().$client.prepare('select 1 as ok').get() !== undefined;
  } catch {
    dbOk = false;
  }
  return new Response(JSON.stringify({ status: dbOk ? 'ok' : 'error', db: dbOk ? 'ok' : 'error' }), {
    status: dbOk ? 200 : 503,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  });
};
