//! A reader's submission: every rule that decides what becomes of it,
//! from the post's state to the spam verdict.
//!
//! In order: the post must exist and take comments (a post due to close
//! under `auto_close_days` closes now, and the submission is refused);
//! `parent_id` must be an approved comment of the same post (a post that
//! does not exist yet takes no reply, and only a page that may start it
//! sends its first comment); a banned sender is refused, only then, so
//! that an invalid request is answered alike whoever sends it; then the
//! spam signals (honeypot, links, repeats,
//! configured and listed terms) give a verdict. A banned term files the
//! comment as rejected at once, citing the term's reason, and it is
//! answered like any other so that spammers learn nothing; everything
//! else waits for the group-commit writer, as pending or spam.

use super::events::{Ctx, Event};
use super::not_found;
use super::posts::StartingPages;
use crate::config::SpamSettings;
use crate::db::accounts as accounts_db;
use crate::db::bans as bans_db;
use crate::db::comments as comments_db;
use crate::db::moderation as moderation_db;
use crate::db::posts as posts_db;
use crate::db::terms as terms_db;
use crate::db::writer::{Committed, PendingComment, Writer};
use crate::domain::comment::CommentId;
use crate::domain::comment::NewComment;
use crate::domain::moderation::Status;
use crate::domain::post::PostId;
use crate::domain::render::SafeHtml;
use crate::domain::spam::{SpamInput, assess};
use crate::domain::staff::StaffNames;
use crate::error::ApiError;

/// How far back a sender's identical text counts as a repeat.
pub const REPEAT_WINDOW_SECS: i64 = 24 * 60 * 60;

/// The settings a submission is judged by.
#[derive(Debug, Clone)]
pub struct SubmissionRules {
    /// The name official replies appear under, which no reader may take.
    pub official_name: String,
    /// The spam settings.
    pub spam: SpamSettings,
    /// `auto_close_days` (0: never).
    pub auto_close_days: u32,
    /// The pages whose first comment may start a post.
    pub starting_pages: StartingPages,
}

/// A checked submission, ready to be judged.
#[derive(Debug)]
pub struct Submission {
    /// The post's slug.
    pub slug: String,
    /// The parsed fields.
    pub comment: NewComment,
    /// The keyed hash of the sender's address.
    pub ip_hash: String,
    /// The rendered body (rendered before, off any transaction).
    pub html: SafeHtml,
    /// When it arrived.
    pub now: i64,
    /// The origin the request was sent to (a page there may start posts).
    pub own_origin: Option<String>,
}

/// What became of an accepted submission.
#[derive(Debug)]
pub enum Accepted {
    /// Stored already (rejected by a banned term).
    Stored(CommentId),
    /// Queued for the writer; resolves to the id once committed.
    Queued {
        /// The writer's promise.
        committed: Committed,
        /// The post, for the event once committed.
        post_id: PostId,
        /// Pending or spam.
        status: Status,
    },
}

/// A submission judged: stored already, or to be queued.
#[derive(Debug)]
pub enum Judged {
    /// Stored already (rejected by a banned term), with this id.
    Stored(CommentId),
    /// Ready for the writer, as pending or spam.
    Pending(Box<PendingComment>),
}

/// Judges a submission and stores or queues it; returns what became of
/// it and the post's URL (for the no-JavaScript page's way back).
pub fn submit(
    ctx: &mut Ctx<'_>,
    rules: &SubmissionRules,
    writer: &Writer,
    submission: Submission,
) -> Result<(Accepted, Option<String>), ApiError> {
    let (judged, url) = judge(ctx, rules, submission)?;
    let accepted = match judged {
        Judged::Stored(id) => Accepted::Stored(id),
        // The common case: queued here, off the async workers, and
        // group-committed with whatever else is waiting.
        Judged::Pending(pending) => Accepted::Queued {
            post_id: pending.post_id,
            status: pending.status,
            committed: writer.enqueue(*pending).map_err(ApiError::internal)?,
        },
    };
    Ok((accepted, url))
}

/// Applies every rule to a submission: refuses it, stores it at once (a
/// banned term), or makes it ready for the writer.
pub fn judge(
    ctx: &mut Ctx<'_>,
    rules: &SubmissionRules,
    submission: Submission,
) -> Result<(Judged, Option<String>), ApiError> {
    let Submission {
        slug,
        comment,
        ip_hash,
        html,
        now,
        own_origin,
    } = submission;
    let existing = posts_db::by_slug(ctx.conn, &slug)?;
    if let Some(post) = &existing {
        let closed_now = post.comments_open
            && super::posts::past_auto_close(rules.auto_close_days, post.published_at, now)
            && super::posts::auto_close(ctx, rules.auto_close_days, Some(post.id), now)? > 0;
        if !post.comments_open || closed_now {
            return Err(ApiError::CommentsClosed);
        }
    }
    // What the request itself can be wrong about is answered before the
    // ban, so that the answer to an invalid request does not tell whether
    // its e-mail or address is banned. First, a name or place that would
    // pass the reader off as the site's staff.
    let staff = StaffNames::new(
        &rules.official_name,
        accounts_db::display_names(ctx.conn)?
            .iter()
            .map(String::as_str),
    );
    let impersonating = staff.check(
        comment.author_name.as_str(),
        comment.author_location.as_ref().map(|l| l.as_str()),
    );
    if !impersonating.is_empty() {
        return Err(ApiError::Validation(impersonating));
    }
    match &existing {
        // Nothing on a post that does not exist yet can be answered, and
        // only a page that may start its post may send its first comment.
        None if comment.parent_id.is_some()
            || super::posts::may_start(
                &rules.starting_pages,
                &slug,
                &comment.page,
                own_origin.as_deref(),
            )
            .is_none() =>
        {
            return Err(not_found::post(&slug));
        }
        None => {}
        Some(post) => {
            if let Some(parent) = comment.parent_id {
                let ok = comments_db::get(ctx.conn, parent)?
                    .is_some_and(|p| p.post_id == post.id && p.status == Status::Approved);
                if !ok {
                    return Err(ApiError::field(
                        "parent_id",
                        "must be an approved comment on this post",
                    ));
                }
            }
        }
    }
    let email = comment.email.as_ref().map(|e| e.as_str());
    if bans_db::is_banned(ctx.conn, email, Some(&ip_hash), now)? {
        return Err(ApiError::Banned);
    }
    let post = match existing {
        Some(post) => post,
        // The first comment from a page that may start its post.
        None => super::posts::auto_create(
            ctx,
            &rules.starting_pages,
            &slug,
            &comment.page,
            own_origin.as_deref(),
            now,
        )?,
    };
    let fingerprint = comment.body.fingerprint();
    let repeated = comments_db::is_repeat(
        ctx.conn,
        post.id,
        &ip_hash,
        fingerprint,
        now - REPEAT_WINDOW_SECS,
    )?;
    let default_reason = rules.spam.banned_term_reason.clone();
    let mut spam_rules = rules.spam.rules();
    (spam_rules.reject_terms, spam_rules.suspect_terms) =
        terms_db::load(ctx.conn, &default_reason)?;
    let verdict = assess(
        &SpamInput {
            honeypot_filled: comment.honeypot_filled,
            body: comment.body.as_str(),
            author_name: comment.author_name.as_str(),
            repeated,
        },
        &spam_rules,
    );
    let status = if verdict.is_spam {
        Status::Spam
    } else {
        Status::Pending
    };
    let pending = PendingComment {
        post_id: post.id,
        parent_id: comment.parent_id,
        status,
        author_name: comment.author_name.as_str().to_owned(),
        author_location: comment
            .author_location
            .as_ref()
            .map(|l| l.as_str().to_owned()),
        email: email.map(str::to_owned),
        ip_hash,
        body_source: comment.body.as_str().to_owned(),
        body_html: html,
        spam_score: verdict.score,
        signals: serde_json::to_string(&verdict.signals).map_err(ApiError::internal)?,
        created_at: now,
        body_hash: fingerprint,
        notify: comment.notify,
        lang: comment.lang,
    };
    let accepted = match verdict.banned.filter(|_| !verdict.is_spam) {
        // Rare: stored at once, with its log entry, on this connection.
        Some(term) => {
            let reason = term.reason.unwrap_or(default_reason);
            let notifier = ctx.notifier.clone();
            let id = crate::db::write(ctx.conn, |conn| {
                let id = moderation_db::insert_rejected(conn, &pending.row(), &reason, now)?;
                notifier.submitted(conn, id, &pending)?;
                let subject = super::statements::Subject {
                    comment_id: id,
                    post_id: pending.post_id,
                    was_public: false,
                    submitted_at: now,
                    addressee: super::notify::Addressee::pending(id, &pending),
                };
                super::statements::record(
                    conn,
                    &notifier,
                    &subject,
                    Status::Rejected,
                    Some(&reason),
                    super::statements::How::BannedTerm,
                    None,
                    now,
                )?;
                Ok::<_, diesel::result::Error>(id)
            })?;
            ctx.emit(Event::CommentSubmitted {
                comment_id: id,
                post_id: post.id,
                status: Status::Rejected,
            });
            Judged::Stored(id)
        }
        None => Judged::Pending(Box::new(pending)),
    };
    Ok((accepted, post.url))
}

impl Accepted {
    /// The comment's id once it is committed, and the event that says so.
    pub async fn committed(self) -> Result<(CommentId, Option<Event>), ApiError> {
        match self {
            Self::Stored(id) => Ok((id, None)),
            Self::Queued {
                committed,
                post_id,
                status,
            } => {
                let comment_id = committed.id().await.map_err(ApiError::internal)?;
                let event = Event::CommentSubmitted {
                    comment_id,
                    post_id,
                    status,
                };
                Ok((comment_id, Some(event)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::bans::NewBan;
    use crate::domain::comment::CommentForm;
    use crate::domain::moderation::BanKind;
    use crate::domain::render::render_comment;
    use crate::service::testing::{conn, pending_comment, post_published_at};

    fn rules() -> SubmissionRules {
        SubmissionRules {
            official_name: "DipNote Bloggers".into(),
            spam: SpamSettings::default(),
            auto_close_days: 30,
            starting_pages: StartingPages::new(&crate::config::Settings {
                allowed_origins: vec!["https://blog.example".into()],
                ..crate::config::Settings::default()
            }),
        }
    }

    fn submission(slug: &str, fields: serde_json::Value, now: i64) -> Submission {
        let form: CommentForm = serde_json::from_value(fields).unwrap();
        let comment = NewComment::parse(&form).unwrap();
        Submission {
            slug: slug.to_owned(),
            html: render_comment(comment.body.as_str()),
            comment,
            ip_hash: "sender".to_owned(),
            now,
            own_origin: None,
        }
    }

    fn plain(slug: &str, now: i64) -> Submission {
        submission(
            slug,
            serde_json::json!({"author_name": "Mari", "email": "mari@example.org", "body": "A fair point about water."}),
            now,
        )
    }

    #[test]
    fn a_plain_comment_waits_for_a_moderator() {
        let mut conn = conn();
        let now = 1_000_000;
        post_published_at(&mut conn, "p", now - 86_400);
        let mut ctx = Ctx::new(&mut conn);
        let (judged, _) = judge(&mut ctx, &rules(), plain("p", now)).unwrap();
        assert!(matches!(judged, Judged::Pending(c) if c.status == Status::Pending));
        assert!(
            ctx.events().is_empty(),
            "nothing is stored until the writer commits"
        );
    }

    #[test]
    fn a_post_due_to_close_closes_and_refuses_and_says_it_changed() {
        let mut conn = conn();
        let now = 1_000_000_000;
        let post = post_published_at(&mut conn, "old", now - 31 * 86_400);
        let mut ctx = Ctx::new(&mut conn);
        let refused = judge(&mut ctx, &rules(), plain("old", now));
        assert!(matches!(refused, Err(ApiError::CommentsClosed)));
        assert_eq!(ctx.events(), [Event::PostClosed { post_id: post }]);
        assert!(matches!(
            judge(&mut ctx, &rules(), plain("nope", now)),
            Err(ApiError::NotFound(_))
        ));
    }

    #[test]
    fn a_banned_sender_is_told_and_a_parent_must_be_approved_on_the_same_post() {
        let mut conn = conn();
        let now = 1_000_000;
        let post = post_published_at(&mut conn, "p", now);
        let waiting = pending_comment(&mut conn, post);
        let mut ctx = Ctx::new(&mut conn);
        let answer = submission(
            "p",
            serde_json::json!({"author_name": "Ana", "body": "I agree.", "parent_id": waiting}),
            now,
        );
        assert!(matches!(
            judge(&mut ctx, &rules(), answer),
            Err(ApiError::Validation(e)) if e[0].field == "parent_id"
        ));
        crate::db::bans::create(
            ctx.conn,
            &NewBan {
                kind: BanKind::Email,
                value: "mari@example.org".into(),
                note: String::new(),
                comment_id: None,
                expires_at: None,
            },
            1,
            now,
        )
        .unwrap();
        assert!(matches!(
            judge(&mut ctx, &rules(), plain("p", now)),
            Err(ApiError::Banned)
        ));
    }

    #[test]
    fn a_name_imitating_the_staff_is_refused_before_the_ban_is_looked_at() {
        let mut conn = conn();
        let now = 1_000_000;
        post_published_at(&mut conn, "p", now - 86_400);
        crate::db::accounts::create_moderator(
            &mut conn,
            "alice",
            "Alice Moreau",
            "moderator",
            "x",
            0,
        )
        .unwrap();
        let mut ctx = Ctx::new(&mut conn);
        let attempt = |name: &str, location: &str| {
            submission(
                "p",
                serde_json::json!({"author_name": name, "author_location": location,
                    "email": "mari@example.org", "body": "A fair point."}),
                now,
            )
        };
        let fields = |result: Result<(Judged, Option<String>), ApiError>| match result {
            Err(ApiError::Validation(errors)) => {
                errors.into_iter().map(|e| e.field).collect::<Vec<_>>()
            }
            other => panic!("expected a 422, got {other:?}"),
        };
        assert_eq!(
            fields(judge(
                &mut ctx,
                &rules(),
                attempt("D\u{0456}pNote BL0GGERS", "Paris")
            )),
            ["author_name"]
        );
        assert_eq!(
            fields(judge(
                &mut ctx,
                &rules(),
                attempt("\u{0410}lice moreau", "Official reply")
            )),
            ["author_name", "author_location"]
        );
        crate::db::bans::create(
            ctx.conn,
            &NewBan {
                kind: BanKind::Email,
                value: "mari@example.org".into(),
                note: String::new(),
                comment_id: None,
                expires_at: None,
            },
            1,
            now,
        )
        .unwrap();
        // Whether the sender is banned does not change the answer.
        assert_eq!(
            fields(judge(&mut ctx, &rules(), attempt("DipNote Bloggers", ""))),
            ["author_name"]
        );
        assert!(matches!(
            judge(&mut ctx, &rules(), attempt("Mari", "Paris")),
            Err(ApiError::Banned)
        ));
    }

    #[test]
    fn a_banned_term_files_the_comment_as_rejected_at_once_and_a_honeypot_as_spam() {
        let mut conn = conn();
        let now = 1_000_000;
        let post = post_published_at(&mut conn, "p", now);
        let term = crate::domain::terms::parse_term("miracle cure").unwrap();
        crate::db::terms::add(
            &mut conn,
            &term,
            crate::domain::terms::TermKind::Banned,
            1,
            now,
        )
        .unwrap();
        let mut ctx = Ctx::new(&mut conn);
        let cure = submission(
            "p",
            serde_json::json!({"author_name": "Seller", "body": "Buy the Miracle Cure today"}),
            now,
        );
        let (judged, _) = judge(&mut ctx, &rules(), cure).unwrap();
        let Judged::Stored(id) = judged else {
            panic!("a banned term is stored at once")
        };
        assert_eq!(
            ctx.events(),
            [Event::CommentSubmitted {
                comment_id: id,
                post_id: post,
                status: Status::Rejected
            }]
        );
        let stored = comments_db::get(ctx.conn, id).unwrap().unwrap();
        assert_eq!(stored.status, Status::Rejected);
        let bot = submission(
            "p",
            serde_json::json!({"author_name": "Bot", "body": "Hello", "website": "http://spam.example"}),
            now,
        );
        let (judged, _) = judge(&mut ctx, &rules(), bot).unwrap();
        assert!(matches!(judged, Judged::Pending(c) if c.status == Status::Spam));
    }
}
