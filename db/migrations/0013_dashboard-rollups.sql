CREATE TABLE `region_stats` (
	`region_id` integer NOT NULL,
	`metric` text NOT NULL,
	`period` text DEFAULT '' NOT NULL,
	`value` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`region_id`, `metric`, `period`),
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `rollup_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
