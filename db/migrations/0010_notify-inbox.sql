CREATE TABLE `cohort_notices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sender_id` integer NOT NULL,
	`sender_role` text NOT NULL,
	`role` text NOT NULL,
	`region_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`link` text,
	`recipients` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`sender_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `cohort_notices_sender_idx` ON `cohort_notices` (`sender_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `cohort_notices_path_idx` ON `cohort_notices` (`region_path`);--> statement-breakpoint
CREATE TABLE `notify_prefs` (
	`user_id` integer NOT NULL,
	`category` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `category`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sms_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`notice_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`text` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`claimed_at` integer,
	`provider` text,
	`provider_id` text,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`notice_id`) REFERENCES `notices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sms_outbox_notice_uq` ON `sms_outbox` (`notice_id`);--> statement-breakpoint
CREATE INDEX `sms_outbox_due_idx` ON `sms_outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
ALTER TABLE `notices` ADD `category` text DEFAULT 'assignment' NOT NULL;--> statement-breakpoint
ALTER TABLE `notices` ADD `dedupe_key` text;--> statement-breakpoint
CREATE INDEX `notices_user_id_idx` ON `notices` (`user_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `notices_user_dedupe_uq` ON `notices` (`user_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `enrollments_due_idx` ON `enrollments` (`due_date`);--> statement-breakpoint
CREATE INDEX `certificates_expires_idx` ON `certificates` (`expires_on`);--> statement-breakpoint
CREATE INDEX `cases_due_idx` ON `cases` (`next_due_day`);