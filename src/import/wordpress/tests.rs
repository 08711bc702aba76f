//! The WordPress reader over the fixtures in tests/fixtures/import.

use std::io::{self, BufReader, Read};
use std::time::{Duration, Instant};

use super::*;
use crate::import::testing::{comment, fixture, malformed};

fn skipped(id: &str, reason: &'static str) -> Record {
    Record::Skipped {
        source_id: Some(id.into()),
        reason,
    }
}

#[test]
fn the_fixture_yields_every_record_in_file_order() {
    let records: Vec<Record> = read(&fixture("wordpress.xml")[..])
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(records.len(), 14, "{records:#?}");
    assert_eq!(
        records[0],
        Record::Thread(ThreadRecord {
            source_id: "101".into(),
            slug: Some("shared-gauges".into()),
            url: Some("https://notes.example.org/2019/03/shared-gauges/".into()),
            title: Some("Shared gauges before shared treaties".into()),
            published_at: Some(1_551_690_900),
        })
    );
    assert_eq!(
        *comment(&records[1]),
        CommentRecord {
            source_id: "11".into(),
            thread_source_id: "101".into(),
            parent_source_id: None,
            author_name: "Zoë".into(),
            author_location: None,
            email: Some("zoe@example.net".into()),
            created_at: 1_551_699_005,
            body: Body::Html("Four years, not four months. <em>Nobody</em> says so.".into()),
            status: SourceStatus::Published,
            official: false,
        }
    );
    let reply = comment(&records[2]);
    assert_eq!(reply.source_id, "12");
    assert_eq!(reply.author_name, "Дмитрий");
    assert_eq!(reply.email, None);
    assert_eq!(reply.parent_source_id.as_deref(), Some("11"));
    assert_eq!(
        reply.created_at, 1_551_700_800,
        "the GMT date, not the local one"
    );
    assert_eq!(reply.status, SourceStatus::Published);

    let pending = comment(&records[3]);
    assert_eq!(pending.source_id, "13");
    assert_eq!(pending.author_name, "李");
    assert_eq!(pending.parent_source_id.as_deref(), Some("12"));
    assert_eq!(pending.created_at, 1_551_769_262);
    assert_eq!(pending.status, SourceStatus::Hidden);
    assert_eq!(
        pending.body,
        Body::Html(
            "<p>Still waiting for a moderator.</p>\n\
             <p>Is the data public?<br>\nAnd who pays for the gauges?</p>"
                .into()
        ),
        "blank lines are paragraphs"
    );

    let statuses: Vec<_> = records[4..7]
        .iter()
        .map(|r| {
            let c = comment(r);
            (
                c.source_id.as_str(),
                c.status,
                c.created_at,
                c.parent_source_id.clone(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("14", SourceStatus::Spam, 1_551_772_800, None),
            ("15", SourceStatus::Hidden, 1_551_776_400, None),
            ("16", SourceStatus::Hidden, 1_551_776_700, None),
        ]
    );
    assert_eq!(records[7], skipped("17", "pingback"));
    assert_eq!(records[8], skipped("18", "trackback"));

    let local = comment(&records[9]);
    assert_eq!(local.source_id, "19");
    assert_eq!(local.parent_source_id.as_deref(), Some("13"));
    assert_eq!(
        local.created_at, 1_551_938_828,
        "an all-zero GMT date falls back"
    );
    assert_eq!(
        local.body,
        Body::Html("My comment came from another system &amp; kept only its local time.".into())
    );

    assert_eq!(
        records[10],
        skipped("21", "not on a post"),
        "an attachment is no thread"
    );
    assert_eq!(
        records[11],
        Record::Thread(ThreadRecord {
            source_id: "103".into(),
            slug: Some("about".into()),
            url: Some("https://notes.example.org/about/".into()),
            title: Some("About these notes".into()),
            published_at: Some(1_546_300_799),
        }),
        "a page without comments is a thread, yielded at its end"
    );
    assert_eq!(
        records[12],
        Record::Thread(ThreadRecord {
            source_id: "104".into(),
            slug: None,
            url: Some("https://notes.example.org/?p=104".into()),
            title: Some("Draft: sediment".into()),
            published_at: None,
        })
    );
    assert_eq!(records[13], skipped("41", "empty body"));
}

#[test]
fn paragraphs_get_markup_only_when_they_have_none() {
    assert_eq!(paragraphs("one line"), "one line");
    assert_eq!(paragraphs("a\r\n\r\n\r\nb\n"), "<p>a</p>\n<p>b</p>");
    assert_eq!(paragraphs("<p>a</p>\n\n<p>b</p>"), "<p>a</p>\n\n<p>b</p>");
}

#[test]
fn hostile_files_are_refused() {
    let started = Instant::now();
    let bomb: Vec<_> = read(&fixture("hostile/bomb.xml")[..]).collect();
    assert!(started.elapsed() < Duration::from_secs(2));
    let (what, at) = malformed(&bomb);
    assert!(what.contains("DOCTYPE declares entities"), "{what}");
    assert_eq!(at.line, Some(2));

    let external: Vec<_> = read(&fixture("hostile/external_entity.xml")[..]).collect();
    assert_eq!(external.len(), 1);
    let (what, _) = malformed(&external);
    assert!(what.contains("DOCTYPE"), "{what}");
    assert!(!format!("{external:?}").contains("root:"));
}

#[test]
fn a_truncated_export_names_the_open_element() {
    let whole = fixture("wordpress.xml");
    let cut = &whole[..whole.len() / 2];
    let records: Vec<_> = read(cut).collect();
    assert!(matches!(records[0], Ok(Record::Thread(_))));
    let (what, at) = malformed(&records);
    assert!(what.contains("truncated"), "{what}");
    assert!(at.byte > 0 && at.byte <= cut.len() as u64, "{at}");
    assert!(at.line.is_some());
}

#[test]
fn a_huge_comment_is_refused_without_reading_it_all() {
    let head = "<rss><channel><item><wp:post_id>1</wp:post_id><wp:comment><wp:comment_content>";
    let mut input = BufReader::new(
        head.as_bytes()
            .chain(io::repeat(b'z').take(64 * 1024 * 1024)),
    );
    let records: Vec<_> = read(&mut input).collect();
    let (what, at) = malformed(&records);
    assert!(what.contains("longer than 4 MiB"), "{what}");
    assert_eq!(at.byte, head.len() as u64);
    // What is left unread is most of the 64 MiB.
    let mut rest = 0u64;
    let mut chunk = vec![0u8; 1 << 20];
    while let Ok(n @ 1..) = input.read(&mut chunk) {
        rest += n as u64;
    }
    assert!(rest >= 60 * 1024 * 1024, "{rest}");
}

#[test]
fn something_else_is_not_a_wxr_file() {
    let records: Vec<_> = read(&fixture("disqus.xml")[..]).collect();
    let (what, _) = malformed(&records);
    assert!(what.contains("not a WordPress export"), "{what}");
}

#[test]
fn a_comment_before_its_post_id_is_refused() {
    let xml = "<rss><channel><item><wp:comment><wp:comment_id>5</wp:comment_id>\
               <wp:comment_content>x</wp:comment_content></wp:comment></item></channel></rss>";
    let records: Vec<_> = read(xml.as_bytes()).collect();
    let (what, at) = malformed(&records);
    assert!(what.contains("before its item's <wp:post_id>"), "{what}");
    assert_eq!(at.byte, 20);
}

#[test]
fn damaged_copies_of_the_fixture_never_panic() {
    let whole = fixture("wordpress.xml");
    crate::import::xml::assert_survives_damage(&whole, |bytes| read(bytes).take(10_000).collect());
}
