//! The Disqus reader over the fixtures in tests/fixtures/import.

use std::io::{self, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::*;
use crate::import::testing::{comment, fixture, malformed};
use crate::import::xml::MAX_EVENT;

fn records(bytes: &[u8]) -> Vec<Result<Record, ImportError>> {
    read(bytes).collect()
}

#[test]
fn the_fixture_yields_every_record_in_file_order() {
    let records: Vec<Record> = records(&fixture("disqus.xml"))
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(records.len(), 13, "{records:#?}");
    assert_eq!(
        records[0],
        Record::Thread(ThreadRecord {
            source_id: "7001".into(),
            slug: Some("prison-visits-abroad".into()),
            url: Some(
                "https://blog.example.org/2012/04/Prison-Visits-Abroad/?utm_source=feed#comments"
                    .into()
            ),
            title: Some("Prison visits abroad & at home".into()),
            published_at: Some(1_335_432_600),
        })
    );
    assert_eq!(
        records[1],
        Record::Thread(ThreadRecord {
            source_id: "7002".into(),
            slug: None,
            url: None,
            title: Some("A thread whose page address was never recorded".into()),
            published_at: Some(1_358_272_800),
        })
    );
    match &records[2] {
        Record::Thread(t) => {
            assert_eq!(t.source_id, "7003");
            assert_eq!(t.url.as_deref(), Some("http://blog.example.org/"));
            assert_eq!(t.slug, None, "a link without a path gives no slug");
        }
        other => panic!("{other:?}"),
    }

    let first = comment(&records[3]);
    assert_eq!(
        *first,
        CommentRecord {
            source_id: "9001".into(),
            thread_source_id: "7001".into(),
            parent_source_id: None,
            author_name: "Zoë".into(),
            author_location: None,
            email: Some("zoe@example.net".into()),
            created_at: 1_335_435_342,
            body: Body::Html("<p>Were the inspectors allowed in <b>unannounced</b>?</p>".into()),
            status: SourceStatus::Published,
            official: false,
        }
    );
    // Three deep: 9002 answers 9001, 9003 answers 9002, 9004 answers 9003.
    let nested: Vec<_> = records[4..7].iter().map(comment).collect();
    assert_eq!(nested[0].author_name, "Дмитрий");
    assert_eq!(nested[0].parent_source_id.as_deref(), Some("9001"));
    assert_eq!(nested[0].created_at, 1_335_438_123);
    assert_eq!(nested[1].author_name, "李");
    assert_eq!(nested[1].email, None);
    assert_eq!(nested[1].parent_source_id.as_deref(), Some("9002"));
    assert_eq!(nested[1].created_at, 1_335_441_659);
    assert_eq!(nested[2].parent_source_id.as_deref(), Some("9003"));
    assert_eq!(
        nested[2].created_at, 1_335_506_400,
        "+02:00 is taken into account"
    );
    assert_eq!(
        nested[2].body,
        Body::Html("<p>Or to move the prisoners who would talk.</p>".into()),
        "escaped text is unescaped once"
    );
    assert!(nested.iter().all(|c| c.status == SourceStatus::Published));

    let deleted = comment(&records[7]);
    assert_eq!(deleted.source_id, "9005");
    assert_eq!(deleted.status, SourceStatus::Hidden);
    let spam = comment(&records[8]);
    assert_eq!(spam.source_id, "9006");
    assert_eq!(spam.status, SourceStatus::Spam);
    assert_eq!(spam.created_at, 1_335_599_160);

    let orphan = comment(&records[9]);
    assert_eq!(orphan.parent_source_id.as_deref(), Some("8999"));
    assert_eq!(orphan.author_name, "late_reader", "no name: the username");
    assert_eq!(orphan.created_at, 1_335_830_401);
    let elsewhere = comment(&records[10]);
    assert_eq!(elsewhere.thread_source_id, "7777");
    assert_eq!(elsewhere.created_at, 1_335_964_455);

    let hostile = comment(&records[11]);
    assert_eq!(hostile.thread_source_id, "7002");
    assert_eq!(hostile.author_name, "Anonymous", "an empty name");
    assert_eq!(hostile.email, None, "an empty address");
    match &hostile.body {
        Body::Html(html) => {
            assert!(html.starts_with("<p>Nice post</p><script>"), "{html}");
            assert!(html.contains("onerror=\"alert(1)\""), "{html}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        records[12],
        Record::Skipped {
            source_id: Some("9010".into()),
            reason: "empty body"
        }
    );
}

#[test]
fn the_slug_rule() {
    let cases = [
        (
            "https://blog.example.org/2012/04/Post-Name/",
            Some("post-name"),
        ),
        (
            "https://blog.example.org/2012/04/post-name?x=1#c",
            Some("post-name"),
        ),
        ("https://blog.example.org/post.html", Some("post.html")),
        ("//blog.example.org/a//b//", Some("b")),
        ("/relative/Path", Some("path")),
        (
            "https://blog.example.org/caf%C3%A9-Talks/",
            Some("café-talks"),
        ),
        ("https://blog.example.org/50%25-off", Some("50%-off")),
        (
            "https://blog.example.org/bad%zzescape",
            Some("bad%zzescape"),
        ),
        ("https://blog.example.org/a%2Fb", Some("a%2fb")),
        ("https://blog.example.org/trail%", Some("trail%")),
        ("https://blog.example.org/plus%+1", Some("plus%+1")),
        ("https://blog.example.org", None),
        ("https://blog.example.org/?p=12", None),
        ("", None),
    ];
    for (link, slug) in cases {
        assert_eq!(slug_of_link(link).as_deref(), slug, "{link}");
    }
}

#[test]
fn a_bomb_is_refused_at_its_doctype_quickly() {
    let started = Instant::now();
    let records = records(&fixture("hostile/bomb.xml"));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(records.len(), 1, "nothing is yielded before the error");
    let (what, at) = malformed(&records);
    assert!(what.contains("DOCTYPE declares entities"), "{what}");
    assert_eq!(at.line, Some(2));
    assert_eq!(at.byte, 39);
    let message = records[0].as_ref().unwrap_err().to_string();
    assert!(message.contains("line 2 (byte 39)"), "{message}");
}

#[test]
fn an_external_entity_is_never_read() {
    let records = records(&fixture("hostile/external_entity.xml"));
    let (what, at) = malformed(&records);
    assert!(what.contains("DOCTYPE"), "{what}");
    assert_eq!(at.line, Some(2));
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let first_line = passwd.lines().next().unwrap_or("root:x:0:0");
    let everything = format!("{records:?}");
    assert!(!everything.contains(first_line), "{everything}");
    assert!(!everything.contains("root:"), "{everything}");
}

#[test]
fn an_undeclared_entity_is_refused_in_a_message() {
    let xml = "<disqus xmlns:dsq=\"x\">\n<post dsq:id=\"1\">\n<message>hi &secret;</message>\n</post></disqus>";
    let records = records(xml.as_bytes());
    let (what, at) = malformed(&records);
    assert!(what.contains("&secret;"), "{what}");
    assert_eq!(at.line, Some(3));
}

#[test]
fn a_truncated_file_names_where_it_stops() {
    let bytes = fixture("hostile/truncated.xml");
    let records = records(&bytes);
    assert!(matches!(records[0], Ok(Record::Thread(_))));
    let (what, at) = malformed(&records);
    assert!(what.contains("truncated"), "{what}");
    let cdata = bytes.windows(9).position(|w| w == b"<![CDATA[").unwrap() as u64;
    assert_eq!(at.byte, cdata, "the unterminated CDATA section");
    assert_eq!(at.line, Some(8));
}

#[test]
fn invalid_utf8_is_refused_at_its_byte() {
    let bytes = fixture("hostile/invalid_utf8.xml");
    let records = records(&bytes);
    assert_eq!(records.len(), 1);
    let (what, at) = malformed(&records);
    assert!(what.contains("UTF-8"), "{what}");
    let bad = bytes.iter().position(|&b| b == 0xe9).unwrap() as u64;
    assert_eq!(at.byte, bad);
    assert_eq!(at.line, Some(5));
}

#[test]
fn something_else_is_not_a_disqus_export() {
    let records = records(b"<rss version=\"2.0\"><channel/></rss>");
    let (what, at) = malformed(&records);
    assert!(what.contains("not a Disqus export"), "{what}");
    assert_eq!(at.byte, 0);
}

/// 64 MiB of text inside one `<message>`, generated, counting the bytes
/// handed out.
struct Huge {
    header: io::Cursor<&'static [u8]>,
    left: u64,
    handed_out: Arc<AtomicU64>,
}

impl Read for Huge {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut n = self.header.read(out)?;
        if n == 0 && self.left > 0 {
            n = out.len().min(self.left as usize);
            out[..n].fill(b'a');
            self.left -= n as u64;
        }
        self.handed_out.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[test]
fn a_huge_message_fails_after_reading_about_the_cap() {
    let handed_out = Arc::new(AtomicU64::new(0));
    let header: &'static [u8] = b"<disqus xmlns:dsq=\"x\"><post dsq:id=\"1\"><message>";
    let input = BufReader::new(Huge {
        header: io::Cursor::new(header),
        left: 64 * 1024 * 1024,
        handed_out: handed_out.clone(),
    });
    let records: Vec<_> = read(input).collect();
    let (what, at) = malformed(&records);
    assert!(what.contains("longer than 4 MiB"), "{what}");
    assert_eq!(at.byte, header.len() as u64);
    let read = handed_out.load(Ordering::Relaxed);
    assert!(read >= MAX_EVENT, "{read}");
    assert!(read <= MAX_EVENT + 64 * 1024, "read {read} bytes");
}

#[test]
fn the_text_of_one_element_is_capped_even_in_pieces() {
    // Each piece is a short event, but together they pass the cap.
    let piece = "b".repeat(1024 * 1024);
    let mut xml = String::from("<disqus xmlns:dsq=\"x\"><post dsq:id=\"1\"><message>");
    for _ in 0..5 {
        xml.push_str(&piece);
        xml.push_str("&amp;");
    }
    xml.push_str("</message></post></disqus>");
    let records = records(xml.as_bytes());
    let (what, _) = malformed(&records);
    assert!(what.contains("<message> holds more than 4 MiB"), "{what}");
}

#[test]
fn a_post_without_a_thread_or_a_date() {
    let xml = "<disqus xmlns:dsq=\"x\"><post dsq:id=\"1\"><message>x</message>\
               <createdAt>2012-01-01T00:00:00Z</createdAt></post>\
               <post dsq:id=\"2\"><message>x</message><thread dsq:id=\"5\"/></post></disqus>";
    let records = records(xml.as_bytes());
    assert_eq!(
        *records[0].as_ref().unwrap(),
        Record::Skipped {
            source_id: Some("1".into()),
            reason: "no thread"
        }
    );
    let (what, _) = malformed(&records);
    assert!(what.contains("no <createdAt>"), "{what}");
}

#[test]
fn damaged_copies_of_the_fixture_never_panic() {
    let whole = fixture("disqus.xml");
    crate::import::xml::assert_survives_damage(&whole, |bytes| read(bytes).take(10_000).collect());
}
