CREATE TABLE `course_progress` (
	`user_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`lessons_done` integer DEFAULT 0 NOT NULL,
	`lessons_total` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	`completed_version` text,
	`hours` real DEFAULT 0 NOT NULL,
	`last_lesson_id` integer,
	`last_activity_at` integer,
	PRIMARY KEY(`user_id`, `course_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `course_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`version` text NOT NULL,
	`date` text NOT NULL,
	`note` text NOT NULL,
	`content_hash` text NOT NULL,
	`recorded_at` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `course_versions_uq` ON `course_versions` (`course_id`,`version`);--> statement-breakpoint
CREATE TABLE `courses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`tier` text NOT NULL,
	`roles` text NOT NULL,
	`hours` real NOT NULL,
	`required` integer NOT NULL,
	`version` text NOT NULL,
	`prerequisites` text NOT NULL,
	`summary` text NOT NULL,
	`lesson_count` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `courses_slug_unique` ON `courses` (`slug`);--> statement-breakpoint
CREATE TABLE `curricula` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`roles` text NOT NULL,
	`onboarding` integer NOT NULL,
	`required_hours` real NOT NULL,
	`validity_months` integer,
	`version` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `curricula_slug_unique` ON `curricula` (`slug`);--> statement-breakpoint
CREATE TABLE `curriculum_courses` (
	`curriculum_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`ord` integer NOT NULL,
	PRIMARY KEY(`curriculum_id`, `course_id`),
	FOREIGN KEY (`curriculum_id`) REFERENCES `curricula`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `enrollments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`assignment_id` integer NOT NULL,
	`role_assignment_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`due_date` text NOT NULL,
	`enrolled_at` integer NOT NULL,
	`courses_total` integer NOT NULL,
	`courses_done` integer DEFAULT 0 NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`assignment_id`) REFERENCES `learning_assignments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`role_assignment_id`) REFERENCES `role_assignments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollments_user_assignment_uq` ON `enrollments` (`user_id`,`assignment_id`);--> statement-breakpoint
CREATE INDEX `enrollments_assignment_idx` ON `enrollments` (`assignment_id`,`region_path`);--> statement-breakpoint
CREATE INDEX `enrollments_path_due_idx` ON `enrollments` (`region_path`,`due_date`);--> statement-breakpoint
CREATE TABLE `learner_summary` (
	`user_id` integer NOT NULL,
	`year` integer NOT NULL,
	`hours` real DEFAULT 0 NOT NULL,
	`courses_completed` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`user_id`, `year`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `learning_assignments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`curriculum_id` integer,
	`course_id` integer,
	`role` text NOT NULL,
	`region_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`due_date` text,
	`due_days` integer,
	`new_members_only` integer DEFAULT false NOT NULL,
	`onboarding` integer DEFAULT false NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	FOREIGN KEY (`curriculum_id`) REFERENCES `curricula`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `la_role_path_idx` ON `learning_assignments` (`role`,`region_path`);--> statement-breakpoint
CREATE TABLE `lesson_completions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`lesson_id` integer NOT NULL,
	`completed_at` integer NOT NULL,
	`client_id` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lesson_id`) REFERENCES `lessons`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lesson_completions_uq` ON `lesson_completions` (`user_id`,`lesson_id`);--> statement-breakpoint
CREATE TABLE `lessons` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`slug` text NOT NULL,
	`ord` integer NOT NULL,
	`title` text NOT NULL,
	`minutes` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lessons_course_slug_uq` ON `lessons` (`course_id`,`slug`);--> statement-breakpoint
CREATE TABLE `notices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`link` text,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`read_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `notices_user_idx` ON `notices` (`user_id`,`read_at`);--> statement-breakpoint
CREATE TABLE `region_assignment_rollup` (
	`region_id` integer NOT NULL,
	`assignment_id` integer NOT NULL,
	`enrolled` integer DEFAULT 0 NOT NULL,
	`completed` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`assignment_id`, `region_id`),
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`assignment_id`) REFERENCES `learning_assignments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `region_course_rollup` (
	`region_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`year` integer NOT NULL,
	`completed` integer DEFAULT 0 NOT NULL,
	`hours` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`region_id`, `course_id`, `year`),
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `policies` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`region_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`version` text NOT NULL,
	`effective_from` text NOT NULL,
	`body` text NOT NULL,
	`note` text,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `policies_kind_idx` ON `policies` (`kind`,`region_path`);--> statement-breakpoint
CREATE UNIQUE INDEX `policies_uq` ON `policies` (`kind`,`region_id`,`version`);--> statement-breakpoint
ALTER TABLE `role_assignments` ADD `onboarding` text;