DROP TABLE name_tails;
