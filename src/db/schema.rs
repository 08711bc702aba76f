// @generated automatically by Diesel CLI.

diesel::table! {
    appeals (id) {
        id -> Integer,
        statement_id -> Integer,
        comment_id -> Integer,
        text -> Text,
        created_at -> BigInt,
        decided_at -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        moderator_id -> Nullable<Integer>,
    }
}

diesel::table! {
    auto_closed_posts (post_id) {
        post_id -> Integer,
        closed_at -> BigInt,
    }
}

diesel::table! {
    bans (id) {
        id -> Integer,
        kind -> Text,
        value -> Text,
        note -> Text,
        comment_id -> Nullable<Integer>,
        moderator_id -> Nullable<Integer>,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    cache_invalidations (id) {
        id -> Integer,
        post_id -> Integer,
        at -> BigInt,
    }
}

diesel::table! {
    claims (comment_id) {
        comment_id -> Integer,
        moderator_id -> Integer,
        claimed_at -> BigInt,
    }
}

diesel::table! {
    comments (id) {
        id -> Integer,
        post_id -> Integer,
        parent_id -> Nullable<Integer>,
        kind -> Text,
        status -> Text,
        author_name -> Text,
        author_location -> Nullable<Text>,
        email -> Nullable<Text>,
        ip_hash -> Nullable<Text>,
        body_source -> Text,
        body_html -> Text,
        spam_score -> Integer,
        signals -> Text,
        reason -> Nullable<Text>,
        flag_count -> Integer,
        moderator_id -> Nullable<Integer>,
        created_at -> BigInt,
        moderated_at -> Nullable<BigInt>,
        body_hash -> Nullable<BigInt>,
        notify -> Bool,
        lang -> Nullable<Text>,
        fragment -> Nullable<Text>,
    }
}

diesel::table! {
    flags (id) {
        id -> Integer,
        comment_id -> Integer,
        reason -> Text,
        ip_hash -> Text,
        resolved -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    import_ids (source, kind, source_id) {
        source -> Text,
        kind -> Text,
        source_id -> Text,
        our_id -> Integer,
        parent_source_id -> Nullable<Text>,
        imported_at -> BigInt,
    }
}

diesel::table! {
    instance_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    job_runs (name) {
        name -> Text,
        due_at -> BigInt,
        runs -> BigInt,
    }
}

diesel::table! {
    mail_tokens (token_hash) {
        token_hash -> Text,
        email -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    moderation_log (id) {
        id -> Integer,
        at -> BigInt,
        moderator_id -> Nullable<Integer>,
        action -> Text,
        comment_id -> Nullable<Integer>,
        post_id -> Nullable<Integer>,
        reason -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    moderators (id) {
        id -> Integer,
        username -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> BigInt,
        email -> Nullable<Text>,
    }
}

diesel::table! {
    notices (id) {
        id -> Integer,
        comment_id -> Integer,
        category -> Text,
        explanation -> Text,
        law -> Nullable<Text>,
        notifier_name -> Nullable<Text>,
        notifier_email -> Nullable<Text>,
        good_faith -> Bool,
        created_at -> BigInt,
        resolved_at -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        resolution -> Nullable<Text>,
        moderator_id -> Nullable<Integer>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Integer,
        channel -> Text,
        kind -> Text,
        dedupe_key -> Text,
        recipient -> Text,
        comment_id -> Nullable<Integer>,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        sent_at -> Nullable<BigInt>,
        lease_until -> Nullable<BigInt>,
        lease_owner -> Nullable<Text>,
    }
}

diesel::table! {
    posts (id) {
        id -> Integer,
        slug -> Text,
        title -> Text,
        author -> Text,
        published_at -> BigInt,
        url -> Nullable<Text>,
        summary -> Text,
        body_source -> Text,
        body_html -> Text,
        comments_open -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        auto_created -> Bool,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        moderator_id -> Integer,
        csrf_token -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    statements (id) {
        id -> Integer,
        comment_id -> Integer,
        post_id -> Integer,
        decision -> Text,
        status -> Text,
        ground -> Text,
        reason -> Text,
        policy_clause -> Text,
        law -> Nullable<Text>,
        facts -> Text,
        automated_detection -> Bool,
        automated_decision -> Bool,
        from_notice -> Bool,
        moderator_id -> Nullable<Integer>,
        submitted_at -> BigInt,
        created_at -> BigInt,
        token_hash -> Text,
    }
}

diesel::table! {
    status_totals (status) {
        status -> Text,
        total -> BigInt,
    }
}

diesel::table! {
    subscribers (id) {
        id -> Integer,
        email -> Text,
        state -> Text,
        lang -> Text,
        created_at -> BigInt,
        confirm_sent_at -> Nullable<BigInt>,
        confirmed_at -> Nullable<BigInt>,
        unsubscribed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    terms (id) {
        id -> Integer,
        term -> Text,
        folded -> Text,
        kind -> Text,
        reason -> Nullable<Text>,
        moderator_id -> Nullable<Integer>,
        created_at -> BigInt,
    }
}

diesel::joinable!(appeals -> moderators (moderator_id));
diesel::joinable!(appeals -> statements (statement_id));
diesel::joinable!(auto_closed_posts -> posts (post_id));
diesel::joinable!(bans -> comments (comment_id));
diesel::joinable!(bans -> moderators (moderator_id));
diesel::joinable!(cache_invalidations -> posts (post_id));
diesel::joinable!(claims -> comments (comment_id));
diesel::joinable!(claims -> moderators (moderator_id));
diesel::joinable!(comments -> moderators (moderator_id));
diesel::joinable!(comments -> posts (post_id));
diesel::joinable!(flags -> comments (comment_id));
diesel::joinable!(moderation_log -> comments (comment_id));
diesel::joinable!(moderation_log -> moderators (moderator_id));
diesel::joinable!(moderation_log -> posts (post_id));
diesel::joinable!(notices -> comments (comment_id));
diesel::joinable!(notices -> moderators (moderator_id));
diesel::joinable!(sessions -> moderators (moderator_id));
diesel::joinable!(statements -> moderators (moderator_id));
diesel::joinable!(terms -> moderators (moderator_id));

diesel::allow_tables_to_appear_in_same_query!(
    appeals,
    auto_closed_posts,
    bans,
    cache_invalidations,
    claims,
    comments,
    flags,
    import_ids,
    instance_secrets,
    job_runs,
    mail_tokens,
    moderation_log,
    moderators,
    notices,
    outbox,
    posts,
    sessions,
    statements,
    status_totals,
    subscribers,
    terms,
);
