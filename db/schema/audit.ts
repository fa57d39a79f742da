import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';

/** Append-only: who did what, when, and the state before → after. Never updated or deleted by the app. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actorUserId: integer('actor_user_id'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    /** the jurisdiction the change belongs to, so administrators only browse their own region's rows */
    regionPath: text('region_path'),
    before: text('before_json'),
    after: text('after_json'),
    ip: text('ip'),
  },
  (t) => [index('audit_at_idx').on(t.at), index('audit_path_idx').on(t.regionPath, t.at), index('audit_entity_idx').on(t.entityType, t.entityId)],
);
