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

diesel::table! {
    accidents (id) {
        id -> Text,
        sector -> Text,
        establishment_id -> Nullable<Text>,
        establishment_tax_code -> Nullable<Text>,
        vsic_section -> Nullable<Text>,
        ownership_type -> Nullable<Text>,
        reporting_commune -> Nullable<Text>,
        commune_code -> Text,
        place -> Text,
        occurred_at -> Timestamp,
        notified_at -> Timestamp,
        description -> Text,
        injury_factor_code -> Nullable<Text>,
        cause_codes -> Text,
        commute_accident -> Bool,
        police_notified_at -> Nullable<Timestamp>,
        needs_examination -> Bool,
        case_severity -> Text,
        requires_immediate_declaration -> Bool,
        requires_police_notice -> Bool,
        investigation_level -> Text,
        investigation_days -> BigInt,
        extension_days -> Nullable<BigInt>,
        deadline_at -> Timestamp,
        status -> Text,
        external_ref -> Nullable<Text>,
        external_ref_owner -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// Bookkeeping of the overdue job, not part of the record (nor of `AccidentRow`).
        overdue_announced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    casualties (id) {
        id -> Text,
        accident_id -> Text,
        position -> BigInt,
        personal_id -> Text,
        full_name -> Text,
        gender -> Text,
        birth_date -> Nullable<Date>,
        birth_year -> BigInt,
        occupation_code -> Nullable<Text>,
        contract_type -> Text,
        severity -> Text,
        injury_codes -> Text,
        days_off -> BigInt,
        cost_medical -> BigInt,
        cost_wages -> BigInt,
        cost_compensation -> BigInt,
        id_type -> Text,
        nationality -> Text,
    }
}

diesel::table! {
    severity_changes (casualty_id, changed_at) {
        casualty_id -> Text,
        changed_at -> Timestamp,
        from_severity -> Text,
        to_severity -> Text,
        document_reference -> Text,
        changed_by -> Text,
    }
}

diesel::table! {
    accident_revisions (accident_id, version) {
        accident_id -> Text,
        version -> BigInt,
        changed_at -> Timestamp,
        changed_by -> Text,
        change_reason -> Text,
        snapshot -> Text,
    }
}

diesel::table! {
    investigations (accident_id) {
        accident_id -> Text,
        record -> Text,
        record_announced_on -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(casualties -> accidents (accident_id));
diesel::allow_tables_to_appear_in_same_query!(accidents, casualties, establishments);

diesel::table! {
    accident_stat_deltas (dim_kind, period_month, changed_on, sector, dim_value, slot) {
        period_month -> Text,
        dim_kind -> Text,
        changed_on -> Date,
        sector -> Text,
        dim_value -> Text,
        slot -> SmallInt,
        cases -> BigInt,
        cases_fatal -> BigInt,
        cases_multi -> BigInt,
        casualties -> BigInt,
        fatal -> BigInt,
        serious -> BigInt,
        minor -> BigInt,
        female -> BigInt,
        days_off -> BigInt,
        cost_medical -> BigInt,
        cost_wages -> BigInt,
        cost_compensation -> BigInt,
    }
}

diesel::table! {
    accident_reports (id) {
        id -> Text,
        kind -> Text,
        period -> Text,
        reporter -> Text,
        establishment_id -> Nullable<Text>,
        commune_code -> Text,
        nil_report -> Bool,
        workers_total -> Nullable<BigInt>,
        workers_female -> Nullable<BigInt>,
        figures -> Nullable<Text>,
        due_on -> Nullable<Date>,
        first_received_at -> Timestamp,
        received_at -> Timestamp,
        on_time -> Bool,
        submitted_by -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    accident_report_revisions (report_id, version) {
        report_id -> Text,
        version -> BigInt,
        received_at -> Timestamp,
        submitted_by -> Text,
        change_reason -> Text,
        snapshot -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(accident_reports, establishments);

diesel::allow_tables_to_appear_in_same_query!(accidents, investigations);

diesel::table! {
    quick_reports (accident_id, revision) {
        accident_id -> Text,
        revision -> BigInt,
        status -> Text,
        accident_version -> BigInt,
        prepared_at -> Timestamp,
        change_reason -> Text,
        content -> Text,
    }
}
