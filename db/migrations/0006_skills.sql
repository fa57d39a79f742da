CREATE TABLE `skill_assessments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`level` integer NOT NULL,
	`kind` text NOT NULL,
	`area_scores` text,
	`score` real,
	`hours` real,
	`note` text,
	`assessor_id` integer NOT NULL,
	`assessed_at` integer NOT NULL,
	`region_path` text NOT NULL,
	`institution_id` integer,
	`policy_id` integer NOT NULL,
	`policy_version` text NOT NULL,
	`corrects_id` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`assessor_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`institution_id`) REFERENCES `institutions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`policy_id`) REFERENCES `policies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `skill_assessments_user_idx` ON `skill_assessments` (`user_id`,`kind`,`level`);--> statement-breakpoint
CREATE INDEX `skill_assessments_path_idx` ON `skill_assessments` (`region_path`);--> statement-breakpoint
CREATE UNIQUE INDEX `skill_assessments_corrects_uq` ON `skill_assessments` (`corrects_id`) WHERE corrects_id is not null;