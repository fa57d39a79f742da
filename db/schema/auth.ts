import { sqliteTable, integer, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { regions, institutions } from './org';

/** evaluator: 第三方评估 — read-only, aggregates of a jurisdiction only, never personal data (M17, ADR 0017) */
export const ROLES = ['director', 'supervisor', 'trainer', 'official', 'caregiver', 'admin', 'evaluator'] as const;
export type Role = (typeof ROLES)[number];

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    phone: text('phone').notNull(),
    name: text('name').notNull(),
    /** 居民身份证号; optional, always masked in lists */
    idNumber: text('id_number'),
    passwordHash: text('password_hash').notNull(),
    mustChangePassword: integer('must_change_password', { mode: 'boolean' }).notNull().default(false),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    passwordChangedAt: integer('password_changed_at').notNull(),
  },
  (t) => [uniqueIndex('users_phone_uq').on(t.phone), uniqueIndex('users_id_number_uq').on(t.idNumber)],
);

/** A person may hold several roles, each at a region (and for caregivers, an institution). */
export const roleAssignments = sqliteTable(
  'role_assignments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id),
    role: text('role', { enum: ROLES }).notNull(),
    regionId: integer('region_id').notNull().references(() => regions.id),
    /** copy of regions.path: the assignment's jurisdiction, filterable without a join */
    regionPath: text('region_path').notNull(),
    institutionId: integer('institution_id').references(() => institutions.id),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** onboarding gate: 'pending' (待上岗) until the onboarding curriculum is completed, then 'done'; null when no gate applies */
    onboarding: text('onboarding', { enum: ['pending', 'done'] }),
    createdAt: integer('created_at').notNull(),
    /** when the role was ended (active = false); subsidy proration counts days in post from these */
    endedAt: integer('ended_at'),
  },
  (t) => [
    index('ra_user_idx').on(t.userId),
    index('ra_path_idx').on(t.regionPath, t.role),
    index('ra_role_path_idx').on(t.role, t.regionPath),
    // "who holds this role at this region" (vacancy lists, a township's supervisor)
    index('ra_region_role_idx').on(t.regionId, t.role),
  ],
);

/** Lucia-pattern sessions: id is the SHA-256 (hex) of the cookie token; the token itself is never stored. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id').notNull().references(() => users.id),
    assignmentId: integer('assignment_id').references(() => roleAssignments.id),
    expiresAt: integer('expires_at').notNull(),
    createdAt: integer('created_at').notNull(),
    /** last request seen, at most a minute stale (src/lib/auth/session.ts); null before the first */
    lastSeenAt: integer('last_seen_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** Sign-in throttling per key ("phone:139…" or "ip:1.2.3.4"); kept in the database so it survives restarts. */
export const authThrottle = sqliteTable('auth_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  windowStart: integer('window_start').notNull(),
  lockedUntil: integer('locked_until'),
});

