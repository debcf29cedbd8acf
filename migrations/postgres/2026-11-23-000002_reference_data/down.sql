DELETE FROM sectors;
DELETE FROM districts;
UPDATE provinces SET successor_id = NULL;
DELETE FROM provinces;
