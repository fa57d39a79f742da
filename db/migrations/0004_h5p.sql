CREATE TABLE `h5p_packages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`main_library` text NOT NULL,
	`uploaded_by` integer NOT NULL,
	`region_path` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`file_count` integer NOT NULL,
	`unpacked_bytes` integer NOT NULL,
	`created_at` integer NOT NULL,
	`status` text NOT NULL,
	FOREIGN KEY (`uploaded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `h5p_packages_slug_unique` ON `h5p_packages` (`slug`);--> statement-breakpoint
CREATE INDEX `h5p_packages_path_idx` ON `h5p_packages` (`region_path`,`created_at`);--> statement-breakpoint
CREATE TABLE `xapi_statements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`activity_id` text NOT NULL,
	`lesson_id` integer,
	`verb` text NOT NULL,
	`score_raw` real,
	`score_max` real,
	`scaled` real,
	`success` integer,
	`completion` integer,
	`sub_content` integer DEFAULT false NOT NULL,
	`statement` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lesson_id`) REFERENCES `lessons`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `xapi_user_activity_idx` ON `xapi_statements` (`user_id`,`activity_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `xapi_activity_idx` ON `xapi_statements` (`activity_id`,`created_at`);