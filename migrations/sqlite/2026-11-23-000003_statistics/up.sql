-- Statistics "as of any date" without scanning the register.
--
-- Every change to the register is turned into dated deltas per statistics key
-- (kind, province, district, sector), written in the same transaction as the change:
--   stat_daily   holds the deltas of each day (flows: active, capital, members,
--                registered, dissolved, admitted);
--   stat_monthly holds, per key, the running totals at the end of each month, from the
--                key's first month to the latest month with any event (every key has
--                a row for every month in that range).
-- "As of D" reads one month's totals and the deltas of at most one month.
CREATE TABLE stat_keys (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('cooperative', 'union', 'group')),
    province_id BIGINT NOT NULL REFERENCES provinces (id),
    -- 0 where the unit has no district (the district level ended in 2025)
    district_key BIGINT NOT NULL,
    sector_id BIGINT NOT NULL REFERENCES sectors (id),
    UNIQUE (kind, province_id, district_key, sector_id)
);

CREATE TABLE stat_daily (
    key_id BIGINT NOT NULL REFERENCES stat_keys (id),
    day DATE NOT NULL,
    active BIGINT NOT NULL,
    capital BIGINT NOT NULL,
    members BIGINT NOT NULL,
    registered BIGINT NOT NULL,
    dissolved BIGINT NOT NULL,
    admitted BIGINT NOT NULL,
    PRIMARY KEY (key_id, day)
);
CREATE INDEX stat_daily_day ON stat_daily (day, key_id);

CREATE TABLE stat_monthly (
    key_id BIGINT NOT NULL REFERENCES stat_keys (id),
    -- first day of the month whose end the totals describe
    month DATE NOT NULL,
    active BIGINT NOT NULL,
    capital BIGINT NOT NULL,
    members BIGINT NOT NULL,
    registered BIGINT NOT NULL,
    dissolved BIGINT NOT NULL,
    admitted BIGINT NOT NULL,
    PRIMARY KEY (key_id, month)
);
CREATE INDEX stat_monthly_month ON stat_monthly (month, key_id);

-- Targets of new cooperatives per year (quarter 0) or quarter, for a province or a
-- district (district_key 0 for the whole province).
CREATE TABLE plan_targets (
    id INTEGER PRIMARY KEY,
    province_id BIGINT NOT NULL REFERENCES provinces (id),
    district_key BIGINT NOT NULL,
    year INTEGER NOT NULL CHECK (year BETWEEN 1945 AND 2100),
    quarter INTEGER NOT NULL CHECK (quarter BETWEEN 0 AND 4),
    target INTEGER NOT NULL CHECK (target >= 0),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (province_id, district_key, year, quarter)
);
