DROP TRIGGER posts_notify ON posts;
DROP FUNCTION colloquy_post_changed();
DROP TRIGGER comments_notify_delete ON comments;
DROP TRIGGER comments_notify_update ON comments;
DROP TRIGGER comments_notify_insert ON comments;
DROP FUNCTION colloquy_comment_changed();
