//! Diesel table definitions, shared by both backends (portable SQL types only).

diesel::table! {
    provinces (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        kind -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        successor_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    districts (id) {
        id -> BigInt,
        province_id -> BigInt,
        code -> Text,
        name -> Text,
        kind -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        successor_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    sectors (id) {
        id -> BigInt,
        code -> Text,
        name_vi -> Text,
        name_en -> Text,
        sector_group -> Text,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        kind -> Text,
        registration_number -> Text,
        name -> Text,
        name_en -> Nullable<Text>,
        abbreviation -> Nullable<Text>,
        name_key -> Text,
        search_text -> Text,
        sector_id -> BigInt,
        province_id -> BigInt,
        district_id -> Nullable<BigInt>,
        address -> Text,
        legal_representative -> Text,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        registration_date -> Date,
        status -> Text,
        dissolution_date -> Nullable<Date>,
        charter_capital -> BigInt,
        member_count -> Integer,
        alliance_admission_date -> Nullable<Date>,
        alliance_batch -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    capital_entries (id) {
        id -> BigInt,
        organization_id -> BigInt,
        effective_date -> Date,
        charter_capital -> BigInt,
        note -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    member_entries (id) {
        id -> BigInt,
        organization_id -> BigInt,
        effective_date -> Date,
        member_count -> Integer,
        note -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    location_entries (id) {
        id -> BigInt,
        organization_id -> BigInt,
        effective_date -> Date,
        province_id -> BigInt,
        district_id -> Nullable<BigInt>,
        address -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    union_memberships (id) {
        id -> BigInt,
        union_id -> BigInt,
        union_kind -> Text,
        cooperative_id -> BigInt,
        cooperative_kind -> Text,
        joined_on -> Date,
        left_on -> Nullable<Date>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    cooperative_groups (id) {
        id -> BigInt,
        name -> Text,
        name_key -> Text,
        search_text -> Text,
        sector_id -> BigInt,
        province_id -> BigInt,
        district_id -> Nullable<BigInt>,
        address -> Nullable<Text>,
        representative -> Nullable<Text>,
        founding_date -> Date,
        member_count -> Integer,
        status -> Text,
        dissolution_date -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    /// A name's key from each word after the first on (migration `name_tails`).
    name_tails (organization_id, word) {
        organization_id -> BigInt,
        word -> Integer,
        tail -> Text,
        /// Copies of the organization's filtered columns (migration `tail_filters`).
        kind -> Text,
        status -> Text,
        sector_id -> BigInt,
        province_id -> BigInt,
        district_id -> Nullable<BigInt>,
        registration_date -> Date,
    }
}

diesel::joinable!(districts -> provinces (province_id));
diesel::joinable!(organizations -> sectors (sector_id));
diesel::joinable!(organizations -> provinces (province_id));
diesel::joinable!(organizations -> districts (district_id));
diesel::joinable!(capital_entries -> organizations (organization_id));
diesel::joinable!(member_entries -> organizations (organization_id));
diesel::joinable!(location_entries -> organizations (organization_id));
diesel::joinable!(name_tails -> organizations (organization_id));
diesel::joinable!(cooperative_groups -> sectors (sector_id));
diesel::joinable!(cooperative_groups -> provinces (province_id));
diesel::joinable!(cooperative_groups -> districts (district_id));

diesel::table! {
    stat_keys (id) {
        id -> BigInt,
        kind -> Text,
        province_id -> BigInt,
        district_key -> BigInt,
        sector_id -> BigInt,
    }
}

diesel::table! {
    stat_daily (key_id, day) {
        key_id -> BigInt,
        day -> Date,
        active -> BigInt,
        capital -> BigInt,
        members -> BigInt,
        registered -> BigInt,
        dissolved -> BigInt,
        admitted -> BigInt,
    }
}

diesel::table! {
    stat_monthly (key_id, month) {
        key_id -> BigInt,
        month -> Date,
        active -> BigInt,
        capital -> BigInt,
        members -> BigInt,
        registered -> BigInt,
        dissolved -> BigInt,
        admitted -> BigInt,
    }
}

diesel::table! {
    plan_targets (id) {
        id -> BigInt,
        province_id -> BigInt,
        district_key -> BigInt,
        year -> Integer,
        quarter -> Integer,
        target -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(stat_daily -> stat_keys (key_id));
diesel::joinable!(stat_monthly -> stat_keys (key_id));

diesel::allow_tables_to_appear_in_same_query!(
    provinces,
    districts,
    sectors,
    organizations,
    capital_entries,
    member_entries,
    location_entries,
    name_tails,
    union_memberships,
    cooperative_groups,
    stat_keys,
    stat_daily,
    stat_monthly,
    plan_targets,
);

// Accounts, submissions and the audit trail (migration 000006).

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        role -> Text,
        district_id -> Nullable<BigInt>,
        secret_hash -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    submissions (id) {
        id -> BigInt,
        kind -> Text,
        unit -> Text,
        target_id -> Nullable<BigInt>,
        district_id -> BigInt,
        payload -> Text,
        status -> Text,
        submitted_by -> BigInt,
        submitted_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    audit_entries (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor_role -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> BigInt,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (owner, key) {
        owner -> Text,
        key -> Text,
        request_hash -> Text,
        created_at -> Timestamp,
        status -> Nullable<Integer>,
        headers -> Nullable<Text>,
        body -> Nullable<Binary>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(api_tokens, submissions, audit_entries, districts);
