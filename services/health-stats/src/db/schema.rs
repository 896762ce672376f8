//! Diesel table definitions of the establishments, health reports, disease cases and
//! monitoring reports.

diesel::table! {
    establishments (tax_code) {
        tax_code -> Text,
        name -> Text,
        commune_code -> Nullable<Text>,
        vsic_section -> Nullable<Text>,
        ownership_type -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    health_exam_reports (id) {
        id -> Text,
        period -> Text,
        tax_code -> Text,
        commune_code -> Nullable<Text>,
        vsic_section -> Nullable<Text>,
        ownership_type -> Nullable<Text>,
        nil_report -> Bool,
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
    health_exam_report_revisions (report_id, version) {
        report_id -> Text,
        version -> BigInt,
        received_at -> Timestamp,
        submitted_by -> Text,
        change_reason -> Text,
        snapshot -> Text,
    }
}

diesel::table! {
    disease_cases (id) {
        id -> Text,
        personal_id -> Text,
        full_name -> Text,
        gender -> Text,
        birth_date -> Nullable<Date>,
        tax_code -> Text,
        commune_code -> Nullable<Text>,
        vsic_section -> Nullable<Text>,
        ownership_type -> Nullable<Text>,
        disease_code -> Text,
        exposure_factor -> Nullable<Text>,
        diagnosed_on -> Date,
        diagnosis_facility -> Text,
        capacity_loss_percent -> Nullable<BigInt>,
        assessed_on -> Nullable<Date>,
        status -> Text,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    disease_case_revisions (case_id, version) {
        case_id -> Text,
        version -> BigInt,
        changed_at -> Timestamp,
        changed_by -> Text,
        change_reason -> Text,
        snapshot -> Text,
    }
}

diesel::table! {
    health_stat_deltas (dim_kind, period, changed_on, dim_value, slot) {
        period -> Text,
        dim_kind -> Text,
        changed_on -> Date,
        dim_value -> Text,
        slot -> SmallInt,
        reports -> BigInt,
        workers -> BigInt,
        hazardous_workers -> BigInt,
        periodic_exams -> BigInt,
        exposed_workers -> BigInt,
        bnn_examined -> BigInt,
        bnn_suspected -> BigInt,
        bnn_confirmed -> BigInt,
        disease_cases -> BigInt,
    }
}

diesel::table! {
    monitoring_reports (id) {
        id -> Text,
        tax_code -> Text,
        establishment_name -> Text,
        commune_code -> Nullable<Text>,
        vsic_code -> Nullable<Text>,
        vsic_section -> Nullable<Text>,
        ownership_type -> Nullable<Text>,
        organisation_name -> Text,
        organisation_licence -> Text,
        monitored_on -> Date,
        monitoring_year -> BigInt,
        has_harmful_factors -> Bool,
        factors -> Text,
        samples_taken -> BigInt,
        samples_over_limit -> BigInt,
        first_received_at -> Timestamp,
        received_at -> Timestamp,
        submitted_by -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    monitoring_report_revisions (report_id, version) {
        report_id -> Text,
        version -> BigInt,
        received_at -> Timestamp,
        submitted_by -> Text,
        change_reason -> Text,
        snapshot -> Text,
    }
}

diesel::table! {
    monitoring_stat_deltas (dim_kind, period_year, changed_on, dim_value, slot) {
        period_year -> BigInt,
        dim_kind -> Text,
        changed_on -> Date,
        dim_value -> Text,
        slot -> SmallInt,
        establishments_reporting -> BigInt,
        establishments_monitored -> BigInt,
        establishments_with_exceedance -> BigInt,
        harmful_known -> BigInt,
        reports -> BigInt,
        samples_taken -> BigInt,
        samples_over_limit -> BigInt,
    }
}
