DROP TABLE auto_closed_posts;
DROP TABLE claims;
DROP TABLE terms;
DROP TABLE bans;
