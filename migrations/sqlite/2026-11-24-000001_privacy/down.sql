DROP INDEX comments_personal;
DROP TABLE cache_invalidations;
