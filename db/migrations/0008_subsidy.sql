CREATE TABLE `subsidy_appeals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`line_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	`supervisor_opinion` text,
	`supervisor_id` integer,
	`supervisor_at` integer,
	`status` text DEFAULT 'open' NOT NULL,
	`decided_by` integer,
	`decided_at` integer,
	`decision` text,
	`corrected_fen` integer,
	`adjustment_line_id` integer,
	FOREIGN KEY (`line_id`) REFERENCES `subsidy_lines`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`supervisor_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `subsidy_appeals_line_idx` ON `subsidy_appeals` (`line_id`);--> statement-breakpoint
CREATE INDEX `subsidy_appeals_path_idx` ON `subsidy_appeals` (`region_path`,`status`);--> statement-breakpoint
CREATE TABLE `subsidy_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`role` text NOT NULL,
	`role_assignment_id` integer NOT NULL,
	`region_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`township_id` integer NOT NULL,
	`month` text NOT NULL,
	`kind` text DEFAULT 'regular' NOT NULL,
	`adjusts_line_id` integer,
	`appeal_id` integer,
	`days_in_post` integer NOT NULL,
	`days_in_month` integer NOT NULL,
	`criteria` text NOT NULL,
	`components` text NOT NULL,
	`rating` text,
	`multiplier` real NOT NULL,
	`eligible` integer NOT NULL,
	`amount_fen` integer NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `subsidy_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`role_assignment_id`) REFERENCES `role_assignments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`township_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `subsidy_lines_run_idx` ON `subsidy_lines` (`run_id`,`township_id`);--> statement-breakpoint
CREATE INDEX `subsidy_lines_user_idx` ON `subsidy_lines` (`user_id`,`month`);--> statement-breakpoint
CREATE INDEX `subsidy_lines_adjusts_idx` ON `subsidy_lines` (`adjusts_line_id`);--> statement-breakpoint
CREATE TABLE `subsidy_reviews` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`township_id` integer NOT NULL,
	`reviewed_by` integer NOT NULL,
	`reviewed_at` integer NOT NULL,
	`note` text,
	FOREIGN KEY (`run_id`) REFERENCES `subsidy_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`township_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reviewed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subsidy_reviews_uq` ON `subsidy_reviews` (`run_id`,`township_id`);--> statement-breakpoint
CREATE TABLE `subsidy_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`county_id` integer NOT NULL,
	`county_path` text NOT NULL,
	`month` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`policy_id` integer NOT NULL,
	`policy_version` text NOT NULL,
	`line_count` integer DEFAULT 0 NOT NULL,
	`eligible_count` integer DEFAULT 0 NOT NULL,
	`total_fen` integer DEFAULT 0 NOT NULL,
	`adjustment_fen` integer DEFAULT 0 NOT NULL,
	`created_by` integer NOT NULL,
	`created_at` integer NOT NULL,
	`computed_by` integer,
	`computed_at` integer,
	`submitted_at` integer,
	`approved_by` integer,
	`approved_at` integer,
	FOREIGN KEY (`county_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`policy_id`) REFERENCES `policies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`computed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`approved_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subsidy_runs_uq` ON `subsidy_runs` (`county_id`,`month`);--> statement-breakpoint
CREATE INDEX `subsidy_runs_path_idx` ON `subsidy_runs` (`county_path`,`month`);--> statement-breakpoint
ALTER TABLE `role_assignments` ADD `ended_at` integer;