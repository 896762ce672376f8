//! Diesel tables of the tasks service (common SQL types only: SQLite and PostgreSQL share them).

diesel::table! {
    agencies (code) {
        code -> Text,
        name -> Text,
        kind -> Text,
        reports -> Bool,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        successor_code -> Nullable<Text>,
        created_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        number -> Text,
        title -> Text,
        issuer -> Text,
        signer -> Text,
        issued_on -> Date,
        effective_on -> Date,
        legal_bases -> Text,
        solution_groups -> Text,
        funding -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    targets (id) {
        id -> Text,
        plan_id -> Text,
        code -> Text,
        indicator -> Text,
        unit -> Text,
        direction -> Text,
        yearly_change_percent -> BigInt,
        baseline_year -> Integer,
        source -> Text,
        position -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    tasks (id) {
        id -> Text,
        plan_id -> Text,
        item -> Nullable<Integer>,
        section -> Text,
        text -> Text,
        due_on -> Nullable<Date>,
        recurrence -> Nullable<Text>,
        position -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        source_ref -> Nullable<Text>,
        overdue_since -> Nullable<Timestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    assignments (task_id, agency_code) {
        task_id -> Text,
        agency_code -> Text,
        role -> Text,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
    }
}

diesel::table! {
    agency_successors (agency_code, successor_code) {
        agency_code -> Text,
        successor_code -> Text,
    }
}

diesel::table! {
    report_deadlines (plan_id, period) {
        plan_id -> Text,
        period -> Text,
        due_on -> Date,
    }
}

diesel::table! {
    plan_reports (id) {
        id -> Text,
        plan_id -> Text,
        agency_code -> Text,
        period -> Text,
        due_on -> Date,
        status -> Text,
        narrative -> Text,
        figures -> Text,
        attachments -> Text,
        first_received_at -> Timestamp,
        received_at -> Timestamp,
        on_time -> Bool,
        submitted_by -> Text,
        review_comment -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        version -> BigInt,
        indicator_values -> Text,
    }
}

diesel::table! {
    plan_report_revisions (report_id, version) {
        report_id -> Text,
        version -> BigInt,
        changed_at -> Timestamp,
        changed_by -> Text,
        action -> Text,
        change_reason -> Text,
        snapshot -> Text,
    }
}

diesel::table! {
    record_revisions (resource, record_id, version) {
        resource -> Text,
        record_id -> Text,
        version -> BigInt,
        changed_at -> Timestamp,
        changed_by -> Nullable<Text>,
        action -> Text,
        change_reason -> Nullable<Text>,
        snapshot -> Text,
    }
}

diesel::table! {
    reminders (id) {
        id -> Text,
        plan_id -> Text,
        agency_code -> Text,
        period -> Text,
        kind -> Text,
        due_on -> Date,
        remind_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    data_sets (code) {
        code -> Text,
        plan_number -> Text,
        name_vi -> Text,
        name_en -> Text,
        legal_basis -> Text,
    }
}

diesel::table! {
    indicator_categories (code) {
        code -> Text,
        name_vi -> Text,
        name_en -> Text,
        legal_basis -> Nullable<Text>,
        unverified -> Bool,
    }
}

diesel::table! {
    indicator_category_options (category_code, code) {
        category_code -> Text,
        code -> Text,
        name_vi -> Text,
        name_en -> Text,
        position -> Integer,
    }
}

diesel::table! {
    indicators (code) {
        code -> Text,
        data_set_code -> Text,
        name_vi -> Text,
        name_en -> Text,
        unit -> Text,
        category_code -> Nullable<Text>,
        reported_in -> Text,
        legal_basis -> Text,
        unverified -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    indicator_rules (code) {
        code -> Text,
        data_set_code -> Text,
        kind -> Text,
        left_indicator -> Text,
        right_indicator -> Nullable<Text>,
        name_vi -> Text,
        name_en -> Text,
        unverified -> Bool,
    }
}

diesel::table! {
    data_set_assignments (indicator_code, agency_code) {
        data_set_code -> Text,
        indicator_code -> Text,
        agency_code -> Text,
        plan_item -> Integer,
    }
}

diesel::joinable!(targets -> plans (plan_id));
diesel::joinable!(tasks -> plans (plan_id));
diesel::joinable!(assignments -> tasks (task_id));
diesel::joinable!(assignments -> agencies (agency_code));
diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    agency_successors,
    plans,
    targets,
    tasks,
    assignments,
    report_deadlines,
    plan_reports,
    plan_report_revisions,
    record_revisions,
    reminders,
    data_sets,
    indicator_categories,
    indicator_category_options,
    indicators,
    indicator_rules,
    data_set_assignments,
);
