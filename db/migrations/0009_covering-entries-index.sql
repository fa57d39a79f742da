DROP INDEX `work_entries_path_type_day_idx`;--> statement-breakpoint
CREATE INDEX `work_entries_path_type_day_idx` ON `work_entries` (`region_path`,`type`,`day`,`status`,`case_id`);