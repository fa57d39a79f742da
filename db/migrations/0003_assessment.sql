CREATE TABLE `attempt_items` (
	`attempt_id` integer NOT NULL,
	`ord` integer NOT NULL,
	`question_id` integer NOT NULL,
	`option_order` text NOT NULL,
	`response` text,
	`saved_at` integer,
	`correct` integer,
	PRIMARY KEY(`attempt_id`, `ord`),
	FOREIGN KEY (`attempt_id`) REFERENCES `attempts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`question_id`) REFERENCES `questions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `attempt_items_question_idx` ON `attempt_items` (`question_id`);--> statement-breakpoint
CREATE TABLE `attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`exam_id` integer,
	`region_path` text NOT NULL,
	`number` integer NOT NULL,
	`started_at` integer NOT NULL,
	`deadline_at` integer NOT NULL,
	`submitted_at` integer,
	`timed_out` integer DEFAULT false NOT NULL,
	`correct` integer,
	`total` integer NOT NULL,
	`score` real,
	`passed` integer,
	`pass_mark` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`exam_id`) REFERENCES `exam_windows`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `attempts_user_course_idx` ON `attempts` (`user_id`,`course_id`);--> statement-breakpoint
CREATE INDEX `attempts_course_path_idx` ON `attempts` (`course_id`,`region_path`);--> statement-breakpoint
CREATE UNIQUE INDEX `attempts_exam_user_uq` ON `attempts` (`exam_id`,`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `attempts_quiz_number_uq` ON `attempts` (`user_id`,`course_id`,`number`) WHERE exam_id is null;--> statement-breakpoint
CREATE TABLE `exam_windows` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`title` text NOT NULL,
	`role` text NOT NULL,
	`region_id` integer NOT NULL,
	`region_path` text NOT NULL,
	`opens_at` integer NOT NULL,
	`closes_at` integer NOT NULL,
	`duration_minutes` integer NOT NULL,
	`per_topic` integer NOT NULL,
	`pass_mark` integer NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`released_at` integer,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `exam_windows_path_idx` ON `exam_windows` (`region_path`);--> statement-breakpoint
CREATE TABLE `questions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`qid` text NOT NULL,
	`type` text NOT NULL,
	`topic` text NOT NULL,
	`difficulty` integer NOT NULL,
	`stem` text NOT NULL,
	`options` text NOT NULL,
	`answer` text,
	`explanation` text NOT NULL,
	`citation` text,
	`active` integer DEFAULT true NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `questions_course_qid_uq` ON `questions` (`course_id`,`qid`);--> statement-breakpoint
CREATE TABLE `quizzes` (
	`course_id` integer PRIMARY KEY NOT NULL,
	`per_topic` integer NOT NULL,
	`time_limit_minutes` integer NOT NULL,
	`max_attempts` integer NOT NULL,
	`pass_mark` integer NOT NULL,
	`review` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `course_progress` ADD `quiz_passed_at` integer;