//! Diesel table definitions; common SQL types only, so one schema serves both backends.

diesel::table! {
    establishments (id) {
        id -> Text,
        tax_code -> Text,
        name -> Text,
        vsic_code -> Text,
        vsic_section -> Text,
        ownership_type -> Text,
        commune_code -> Text,
        address -> Nullable<Text>,
        workers_total -> BigInt,
        workers_female -> BigInt,
        workers_hazardous -> BigInt,
        bhxh_unit_code -> Nullable<Text>,
        external_ref -> Nullable<Text>,
        external_ref_owner -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    establishment_revisions (establishment_id, version) {
        establishment_id -> Text,
        version -> BigInt,
        changed_at -> Timestamp,
        changed_by -> Text,
        change_reason -> Text,
        snapshot -> Text,
    }
}

diesel::joinable!(establishment_revisions -> establishments (establishment_id));
diesel::allow_tables_to_appear_in_same_query!(establishments, establishment_revisions);
