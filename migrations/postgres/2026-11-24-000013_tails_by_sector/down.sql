DROP INDEX name_tails_by_sector;
