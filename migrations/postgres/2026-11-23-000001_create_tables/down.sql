DROP TABLE instance_secrets;
DROP TABLE flags;
DROP TABLE moderation_log;
DROP FUNCTION moderation_log_append_only();
DROP TABLE sessions;
DROP TABLE comments;
DROP TABLE moderators;
DROP TABLE posts;
