//! Tables of the outbox, the subscriptions and the inbox.

diesel::table! {
    outbox_events (id) {
        id -> Text,
        event_type -> Text,
        source -> Text,
        subject -> Text,
        occurred_at -> Timestamp,
        data -> Text,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Text,
        event_id -> Text,
        subscription_id -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        last_status -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Text,
        url -> Text,
        event_types -> Text,
        secret -> Text,
        active -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        max_in_flight -> Nullable<Integer>,
    }
}

diesel::table! {
    inbox_events (event_id) {
        event_id -> Text,
        event_type -> Text,
        source -> Text,
        received_at -> Timestamp,
    }
}

diesel::joinable!(deliveries -> outbox_events (event_id));
diesel::allow_tables_to_appear_in_same_query!(
    outbox_events,
    deliveries,
    subscriptions,
    inbox_events
);
