CREATE TABLE `adjustments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`role` text NOT NULL,
	`region_path` text NOT NULL,
	`periods` text NOT NULL,
	`action` text NOT NULL,
	`note` text NOT NULL,
	`recorded_by` integer NOT NULL,
	`recorded_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recorded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `adjustments_uq` ON `adjustments` (`user_id`,`role`,`periods`);--> statement-breakpoint
CREATE INDEX `adjustments_path_idx` ON `adjustments` (`region_path`);--> statement-breakpoint
CREATE TABLE `cases` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`village_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`category` text NOT NULL,
	`guardian_situation` text NOT NULL,
	`risk` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`opened_on` text NOT NULL,
	`closed_on` text,
	`close_reason` text,
	`note` text,
	`last_visit_day` text,
	`last_verified_visit_day` text,
	`interval_days` integer NOT NULL,
	`interval_history` text NOT NULL,
	`next_due_day` text,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`village_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cases_village_code_uq` ON `cases` (`village_id`,`code`);--> statement-breakpoint
CREATE INDEX `cases_path_due_idx` ON `cases` (`region_path`,`status`,`next_due_day`);--> statement-breakpoint
CREATE TABLE `commendations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`year` integer NOT NULL,
	`user_id` integer NOT NULL,
	`role` text NOT NULL,
	`region_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`nominator_path` text NOT NULL,
	`nominated_by` integer NOT NULL,
	`nominated_at` integer NOT NULL,
	`reason` text NOT NULL,
	`evidence` text NOT NULL,
	`status` text DEFAULT 'nominated' NOT NULL,
	`decided_by` integer,
	`decided_at` integer,
	`decision_note` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`nominated_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `commendations_uq` ON `commendations` (`year`,`user_id`);--> statement-breakpoint
CREATE INDEX `commendations_path_idx` ON `commendations` (`year`,`region_path`);--> statement-breakpoint
CREATE TABLE `performance_ratings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`role` text NOT NULL,
	`region_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`period_kind` text NOT NULL,
	`period` text NOT NULL,
	`policy_id` integer NOT NULL,
	`policy_version` text NOT NULL,
	`indicators` text NOT NULL,
	`score` real NOT NULL,
	`rating` text NOT NULL,
	`computed_at` integer NOT NULL,
	`computed_by` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`policy_id`) REFERENCES `policies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`computed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `performance_uq` ON `performance_ratings` (`user_id`,`role`,`period`);--> statement-breakpoint
CREATE INDEX `performance_path_idx` ON `performance_ratings` (`period_kind`,`period`,`region_path`);--> statement-breakpoint
CREATE TABLE `work_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`client_id` text NOT NULL,
	`type` text NOT NULL,
	`case_id` integer,
	`village_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`day` text NOT NULL,
	`data` text NOT NULL,
	`flagged` integer DEFAULT false NOT NULL,
	`situations` text NOT NULL,
	`linked_entry_id` integer,
	`report_due_at` integer,
	`escalated_at` integer,
	`status` text DEFAULT 'submitted' NOT NULL,
	`submitted_at` integer NOT NULL,
	`decided_at` integer,
	`decided_by` integer,
	`comment` text,
	`revision` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`village_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `work_entries_client_uq` ON `work_entries` (`user_id`,`client_id`);--> statement-breakpoint
CREATE INDEX `work_entries_path_status_idx` ON `work_entries` (`region_path`,`status`,`submitted_at`);--> statement-breakpoint
CREATE INDEX `work_entries_case_idx` ON `work_entries` (`case_id`,`type`,`day`);--> statement-breakpoint
CREATE INDEX `work_entries_user_idx` ON `work_entries` (`user_id`,`day`);--> statement-breakpoint
CREATE INDEX `work_entries_path_type_day_idx` ON `work_entries` (`region_path`,`type`,`day`);--> statement-breakpoint
CREATE INDEX `work_entries_flag_idx` ON `work_entries` (`flagged`,`escalated_at`,`report_due_at`);