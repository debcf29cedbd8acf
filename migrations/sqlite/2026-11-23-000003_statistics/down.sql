DROP TABLE plan_targets;
DROP TABLE stat_monthly;
DROP TABLE stat_daily;
DROP TABLE stat_keys;
