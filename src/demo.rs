//! `serve --demo`: a few sample posts of our own writing, with approved
//! comments, an official reply and a short queue, so that a first look
//! shows the whole idea. It never touches a database that has posts.

use crate::db::DbConn;
use crate::db::comments::{self, NewCommentRow};
use crate::db::log::{self, LogEntry};
use crate::db::posts::{self, NewPost};
use crate::domain::comment::CommentBody;
use crate::domain::moderation::{Kind, Status};
use crate::domain::render::{render_comment, render_post};
use crate::domain::spam::{SpamInput, SpamRules, assess};
use crate::domain::time::parse_rfc3339;

struct DemoPost {
    slug: &'static str,
    title: &'static str,
    author: &'static str,
    published_at: &'static str,
    summary: &'static str,
    body: &'static str,
    open: bool,
}

/// (post slug, author, location, time, status, text, official reply)
type DemoComment = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    Status,
    &'static str,
    Option<&'static str>,
);

const POSTS: &[DemoPost] = &[
    DemoPost {
        slug: "prison-reform-dialogue",
        title: "A Conversation With Civil Society Advocates on Prison Reform",
        author: "Helen Ward, Deputy Assistant Secretary",
        published_at: "2026-10-28T14:00:00Z",
        summary: "Advocates who monitor detention conditions met with our delegation to compare notes on oversight, medical care and the rights of people in custody.",
        body: "This week I had the privilege of hosting a dozen advocates who spend their working lives inside the walls most citizens never see: public monitoring commissions, legal aid clinics, and families' associations that keep track of people in pre-trial detention.\n\nWe spoke about three things. **Independent oversight**, because inspections announced a week in advance show a prison at its best rather than as it is. **Medical care**, because a detention sentence must never become a death sentence. And **access to counsel**, which is the first right to disappear when no one is watching.\n\n## What comes next\n\nOur working group will publish a short list of practices that have made a measurable difference, from unannounced visits to independent medical review. We want to hear from you: which reforms have you seen work, and where?",
        open: true,
    },
    DemoPost {
        slug: "water-diplomacy-shared-river",
        title: "Water Diplomacy on a Shared River",
        author: "Samuel Osei, Office of Environmental Affairs",
        published_at: "2026-10-14T09:30:00Z",
        summary: "Five countries, one river and a drought: how technical data-sharing became the first step toward a basin agreement.",
        body: "When a river crosses borders, every dam upstream is a decision made for someone downstream. In the basin I visited last month, five governments share a river whose flow has fallen by a fifth in a decade.\n\nThe breakthrough was not a treaty. It was a shared set of river gauges, read by engineers from every country and published on the same day. Once everyone trusted the numbers, the conversation moved from blame to planning.\n\nWe will keep supporting the basin commission's technical staff, and we will report back here as the talks continue.",
        open: true,
    },
    DemoPost {
        slug: "student-exchange-questions",
        title: "Your Questions on Student Exchanges, Answered",
        author: "DipNote Editors",
        published_at: "2026-09-30T16:00:00Z",
        summary: "Visa timelines, host families and scholarships: we collected the questions readers asked most often.",
        body: "Exchange programs remain one of the most lasting investments in friendship between nations. We asked readers what they wanted to know, and these were the most common questions:\n\n1. How early should I apply for a student visa?\n2. Who chooses host families, and how?\n3. Which scholarships cover travel costs?\n\nOur consular colleagues answered each one in the comments below. This thread is now closed; please see our newer posts to continue the conversation.",
        open: false,
    },
];

const COMMENTS: &[DemoComment] = &[
    (
        "prison-reform-dialogue",
        "Mari",
        Some("United States"),
        "2026-10-28T17:12:00Z",
        Status::Approved,
        "Is there a reciprocal arrangement, where advocates from abroad may also visit prisons here and report on *our* conditions?",
        None,
    ),
    (
        "prison-reform-dialogue",
        "Dedric",
        None,
        "2026-10-29T08:40:00Z",
        Status::Approved,
        "Thank you for this. May I share a portion of the post on my organisation's website?",
        Some(
            "@ Dedric -- Thank you for your interest! Please feel free to share the entry on your site, with a link back to the original.",
        ),
    ),
    (
        "prison-reform-dialogue",
        "Lucía",
        Some("Peru"),
        "2026-10-30T12:05:00Z",
        Status::Approved,
        "Unannounced inspections changed everything in our province. The hard part was protecting the inspectors' independence once the reports became uncomfortable.",
        None,
    ),
    (
        "prison-reform-dialogue",
        "Ahmed",
        Some("Egypt"),
        "2026-11-02T10:21:00Z",
        Status::Pending,
        "Will the list of practices be translated? Many of the families we work with do not read English.",
        None,
    ),
    (
        "water-diplomacy-shared-river",
        "Ingrid",
        Some("Norway"),
        "2026-10-15T07:55:00Z",
        Status::Approved,
        "Shared data before shared treaties — that is exactly the lesson from our own fjord fisheries agreements.",
        None,
    ),
    (
        "water-diplomacy-shared-river",
        "W.W.",
        None,
        "2026-10-16T22:10:00Z",
        Status::Pending,
        "BEST PRICES on water pumps!!! visit http://pumps.example http://pumps.example/deals http://pumps.example/now",
        None,
    ),
    (
        "student-exchange-questions",
        "Angela",
        Some("Philippines"),
        "2026-10-01T03:30:00Z",
        Status::Approved,
        "How early should I apply if my program starts in August?",
        Some(
            "@ Angela -- We recommend applying as soon as you receive your program documents; appointments fill quickly in the spring.",
        ),
    ),
];

/// Fills an empty database with the demo posts and comments; returns
/// whether it did (false when any post already exists).
pub fn seed(
    conn: &mut DbConn,
    official_name: &str,
    spam_rules: &SpamRules,
) -> anyhow::Result<bool> {
    crate::db::write(conn, |conn| {
        if posts::count(conn)? > 0 {
            return Ok(false);
        }
        for p in POSTS {
            let at = parse_rfc3339(p.published_at).unwrap_or_default();
            let post = posts::create(
                conn,
                &NewPost {
                    slug: p.slug.to_owned(),
                    title: p.title.to_owned(),
                    author: p.author.to_owned(),
                    published_at: at,
                    url: Some(format!("/posts/{}", p.slug)),
                    summary: p.summary.to_owned(),
                    body_source: p.body.to_owned(),
                    body_html: render_post(p.body).into_string(),
                    comments_open: p.open,
                    created_at: at,
                    updated_at: at,
                    auto_created: false,
                },
                None,
            )?;
            for (slug, name, location, time, status, text, reply) in COMMENTS {
                if *slug != p.slug {
                    continue;
                }
                let at = parse_rfc3339(time).unwrap_or_default();
                let body = CommentBody::parse(text)
                    .map_err(|e| anyhow::anyhow!("demo text: {}", e.message))?;
                let html = render_comment(body.as_str());
                let verdict = assess(
                    &SpamInput {
                        honeypot_filled: false,
                        body: body.as_str(),
                        author_name: name,
                        repeated: false,
                    },
                    spam_rules,
                );
                let mut row = NewCommentRow::reader(
                    post.id,
                    None,
                    *status,
                    name,
                    *location,
                    None,
                    None,
                    body.as_str(),
                    &html,
                    at,
                );
                row.spam_score = verdict.score;
                row.signals = serde_json::to_string(&verdict.signals)?;
                if *status == Status::Approved {
                    row.moderated_at = Some(at + 3600);
                }
                let id = comments::insert(conn, &row)?;
                if let Some(reply) = reply {
                    let html = render_comment(reply);
                    let row = NewCommentRow {
                        kind: Kind::Official,
                        moderated_at: Some(at + 7200),
                        ..NewCommentRow::reader(
                            post.id,
                            Some(id),
                            Status::Approved,
                            official_name,
                            None,
                            None,
                            None,
                            reply,
                            &html,
                            at + 7200,
                        )
                    };
                    comments::insert(conn, &row)?;
                }
            }
        }
        log::append(conn, &LogEntry::demo_seed(crate::domain::time::now()))?;
        Ok(true)
    })
}
