CREATE TABLE `certificates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`serial` text NOT NULL,
	`year` integer NOT NULL,
	`seq` integer NOT NULL,
	`user_id` integer NOT NULL,
	`kind` text NOT NULL,
	`curriculum_id` integer,
	`course_id` integer,
	`level` text,
	`title` text NOT NULL,
	`hours` real,
	`issued_at` integer NOT NULL,
	`issued_on` text NOT NULL,
	`expires_on` text,
	`issuer` text NOT NULL,
	`holder_name` text NOT NULL,
	`holder_masked` text NOT NULL,
	`token` text NOT NULL,
	`based_on` text NOT NULL,
	`region_path` text NOT NULL,
	`status` text DEFAULT 'valid' NOT NULL,
	`revoked_at` integer,
	`revoked_by` integer,
	`revoke_reason` text,
	`supersedes_id` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`curriculum_id`) REFERENCES `curricula`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`revoked_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_code_uq` ON `certificates` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_serial_uq` ON `certificates` (`serial`);--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_year_seq_uq` ON `certificates` (`year`,`seq`);--> statement-breakpoint
CREATE INDEX `certificates_user_idx` ON `certificates` (`user_id`,`status`);--> statement-breakpoint
CREATE INDEX `certificates_path_idx` ON `certificates` (`region_path`,`status`);--> statement-breakpoint
CREATE TABLE `serial_counters` (
	`year` integer PRIMARY KEY NOT NULL,
	`next` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `courses` ADD `certifying` integer DEFAULT false NOT NULL;