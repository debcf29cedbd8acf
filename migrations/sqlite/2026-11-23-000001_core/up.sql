-- Administrative units of their time: Vietnam reorganised provinces and removed the
-- district level in 2025; the register and its statistics still speak of the old units.
CREATE TABLE provinces (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('province', 'municipality')),
    valid_from DATE NOT NULL,
    valid_to DATE,
    successor_id BIGINT REFERENCES provinces (id),
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    CHECK (successor_id IS NULL OR valid_to IS NOT NULL),
    UNIQUE (code, valid_from)
);

CREATE TABLE districts (
    id INTEGER PRIMARY KEY,
    province_id BIGINT NOT NULL REFERENCES provinces (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('city', 'district', 'town')),
    valid_from DATE NOT NULL,
    valid_to DATE,
    successor_id BIGINT REFERENCES districts (id),
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    CHECK (successor_id IS NULL OR valid_to IS NOT NULL),
    UNIQUE (code, valid_from),
    -- target of the (district, province) foreign keys below: a district always lies in
    -- the province recorded beside it
    UNIQUE (id, province_id)
);
CREATE INDEX districts_province ON districts (province_id);

CREATE TABLE sectors (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sector_group TEXT NOT NULL
        CHECK (sector_group IN ('agriculture_forestry_fisheries', 'non_agriculture', 'people_credit_fund'))
);

-- name_key is the folded name (lower case, no diacritics, đ -> d) that lists sort by;
-- PostgreSQL compares it byte-wise (COLLATE "C") so both backends order alike.
-- Cooperatives (HTX) and cooperative unions (liên hiệp HTX) share every core field,
-- so they share one table; `kind` tells them apart.
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('cooperative', 'union')),
    registration_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT,
    abbreviation TEXT,
    name_key TEXT NOT NULL,
    search_text TEXT NOT NULL,
    sector_id BIGINT NOT NULL REFERENCES sectors (id),
    province_id BIGINT NOT NULL REFERENCES provinces (id),
    district_id BIGINT,
    address TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    registration_date DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'dissolved')),
    dissolution_date DATE,
    charter_capital BIGINT NOT NULL CHECK (charter_capital >= 0),
    member_count INTEGER NOT NULL CHECK (member_count >= 0),
    alliance_admission_date DATE,
    alliance_batch TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    FOREIGN KEY (district_id, province_id) REFERENCES districts (id, province_id),
    CHECK ((status = 'dissolved' AND dissolution_date IS NOT NULL)
        OR (status <> 'dissolved' AND dissolution_date IS NULL)),
    CHECK (dissolution_date IS NULL OR dissolution_date >= registration_date),
    CHECK (alliance_admission_date IS NULL OR alliance_admission_date >= registration_date),
    CHECK (alliance_batch IS NULL OR alliance_admission_date IS NOT NULL),
    UNIQUE (id, kind)
);
CREATE INDEX organizations_kind_name ON organizations (kind, name_key, id);
CREATE INDEX organizations_kind_registered ON organizations (kind, registration_date, id);
CREATE INDEX organizations_kind_number ON organizations (kind, registration_number, id);
CREATE INDEX organizations_province ON organizations (province_id);
CREATE INDEX organizations_district ON organizations (district_id);
CREATE INDEX organizations_sector ON organizations (sector_id);

-- Dated histories; the current values on `organizations` are those of the latest entry.
CREATE TABLE capital_entries (
    id INTEGER PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    effective_date DATE NOT NULL,
    charter_capital BIGINT NOT NULL CHECK (charter_capital >= 0),
    note TEXT,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (organization_id, effective_date)
);

CREATE TABLE member_entries (
    id INTEGER PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    effective_date DATE NOT NULL,
    member_count INTEGER NOT NULL CHECK (member_count >= 0),
    note TEXT,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (organization_id, effective_date)
);

CREATE TABLE location_entries (
    id INTEGER PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    effective_date DATE NOT NULL,
    province_id BIGINT NOT NULL REFERENCES provinces (id),
    district_id BIGINT,
    address TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    FOREIGN KEY (district_id, province_id) REFERENCES districts (id, province_id),
    UNIQUE (organization_id, effective_date)
);

-- Membership of cooperatives in unions; leaving sets left_on, nothing is forgotten.
CREATE TABLE union_memberships (
    id INTEGER PRIMARY KEY,
    union_id BIGINT NOT NULL,
    union_kind TEXT NOT NULL DEFAULT 'union' CHECK (union_kind = 'union'),
    cooperative_id BIGINT NOT NULL,
    cooperative_kind TEXT NOT NULL DEFAULT 'cooperative' CHECK (cooperative_kind = 'cooperative'),
    joined_on DATE NOT NULL,
    left_on DATE,
    recorded_at TIMESTAMP NOT NULL,
    FOREIGN KEY (union_id, union_kind) REFERENCES organizations (id, kind),
    FOREIGN KEY (cooperative_id, cooperative_kind) REFERENCES organizations (id, kind),
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
CREATE UNIQUE INDEX union_memberships_open ON union_memberships (union_id, cooperative_id) WHERE left_on IS NULL;
CREATE INDEX union_memberships_cooperative ON union_memberships (cooperative_id);

-- Cooperative groups (tổ hợp tác): lighter, contract-based groups of individuals.
CREATE TABLE cooperative_groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    search_text TEXT NOT NULL,
    sector_id BIGINT NOT NULL REFERENCES sectors (id),
    province_id BIGINT NOT NULL REFERENCES provinces (id),
    district_id BIGINT,
    address TEXT,
    representative TEXT,
    founding_date DATE NOT NULL,
    member_count INTEGER NOT NULL CHECK (member_count >= 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'dissolved')),
    dissolution_date DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    FOREIGN KEY (district_id, province_id) REFERENCES districts (id, province_id),
    CHECK ((status = 'dissolved' AND dissolution_date IS NOT NULL)
        OR (status <> 'dissolved' AND dissolution_date IS NULL)),
    CHECK (dissolution_date IS NULL OR dissolution_date >= founding_date)
);
CREATE INDEX cooperative_groups_name ON cooperative_groups (name_key, id);
CREATE INDEX cooperative_groups_founded ON cooperative_groups (founding_date, id);
CREATE INDEX cooperative_groups_province ON cooperative_groups (province_id);
CREATE INDEX cooperative_groups_district ON cooperative_groups (district_id);
