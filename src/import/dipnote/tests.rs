//! The DipNote reader over the seed pages (`../shared/seeds`, read in
//! place, never copied) and a few pages written here.

use std::path::PathBuf;

use super::*;
use crate::import::testing::comment;

/// The seed pages' folder: `../shared/seeds` beside the checkout, else
/// `COLLOQUY_SEEDS`, else `/work/shared/seeds`.
fn seeds() -> PathBuf {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    if beside.is_dir() {
        return beside;
    }
    if let Some(dir) = std::env::var_os("COLLOQUY_SEEDS") {
        return PathBuf::from(dir);
    }
    PathBuf::from("/work/shared/seeds")
}

/// The seed page whose name starts with `prefix`.
fn seed(prefix: &str) -> Vec<u8> {
    let dir = seeds();
    let entry = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .find(|entry| entry.file_name().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no seed page {prefix}* in {}", dir.display()));
    std::fs::read(entry.path()).unwrap()
}

fn all(bytes: &[u8], slug: &str) -> Vec<Record> {
    read(bytes, slug).collect::<Result<_, _>>().unwrap()
}

fn markdown(c: &CommentRecord) -> &str {
    match &c.body {
        Body::Markdown(text) => text,
        other => panic!("expected Markdown, got {other:?}"),
    }
}

/// April 26, 2012 … May 4, 2012 at 12:00 UTC.
const APRIL_26: i64 = 1_335_441_600;
const APRIL_27: i64 = APRIL_26 + 86_400;
const APRIL_30: i64 = APRIL_26 + 4 * 86_400;
const MAY_4: i64 = APRIL_26 + 8 * 86_400;

#[test]
fn the_page_with_comments() {
    let records = all(&seed("000_"), "russian-civil-society");
    assert_eq!(records.len(), 6, "{records:#?}");
    assert_eq!(
        records[0],
        Record::Thread(ThreadRecord {
            source_id: "russian-civil-society".into(),
            slug: Some("russian-civil-society".into()),
            url: None,
            title: Some("A Discussion With Russian Civil Society Leaders".into()),
            published_at: Some(APRIL_26),
        })
    );
    assert_eq!(
        *comment(&records[1]),
        CommentRecord {
            source_id: "russian-civil-society#1".into(),
            thread_source_id: "russian-civil-society".into(),
            parent_source_id: None,
            author_name: "W.W.".into(),
            author_location: None,
            email: None,
            created_at: MAY_4,
            body: Body::Markdown(
                "Mussolini corporatism is the only answer to this massive crisis - work - who \
                 works and ProDux pays for the one who are sitting in an office"
                    .into()
            ),
            status: SourceStatus::Published,
            official: false,
        }
    );
    let dedric = comment(&records[2]);
    assert_eq!(dedric.source_id, "russian-civil-society#2");
    assert_eq!(dedric.author_name, "Dedric");
    assert_eq!(dedric.created_at, APRIL_27);
    assert!(markdown(dedric).starts_with("Wow! Thank you!"));
    assert!(
        markdown(dedric).ends_with("to my website?"),
        "the reply is not in it"
    );

    let reply = comment(&records[3]);
    assert_eq!(reply.source_id, "russian-civil-society#2-reply");
    assert_eq!(
        reply.parent_source_id.as_deref(),
        Some("russian-civil-society#2")
    );
    assert_eq!(reply.author_name, "DipNote Bloggers");
    assert!(reply.official);
    assert_eq!(reply.created_at, APRIL_27);
    assert_eq!(
        markdown(reply),
        "@ Dedric -- Thank you for your interest! Please feel free to share the entry on your site."
    );

    let angel = comment(&records[4]);
    assert_eq!(angel.author_name, "Angel in the U.S.A.");
    assert_eq!(angel.author_location.as_deref(), Some("United States"));
    assert_eq!(angel.created_at, APRIL_30);
    assert!(!markdown(angel).contains("United States"));

    let mari = comment(&records[5]);
    assert_eq!(mari.source_id, "russian-civil-society#4");
    assert_eq!(mari.author_name, "Mari");
    assert_eq!(mari.author_location, None);
    assert!(markdown(mari).ends_with("such as the case of Bradley Manning?"));
    assert!(
        !markdown(mari).contains("Latest Stories"),
        "the comments end there"
    );
    assert!(
        records[1..]
            .iter()
            .all(|r| comment(r).status == SourceStatus::Published)
    );
}

#[test]
fn source_ids_are_the_same_on_every_run() {
    let page = seed("000_");
    assert_eq!(all(&page, "p"), all(&page, "p"));
}

#[test]
fn pages_without_comments_are_only_their_thread() {
    let cases = [
        (
            "001_",
            "Rights Group urges New Administration",
            Some(1_228_478_400),
        ),
        ("002_", "Magnitsky Bill", Some(1_354_795_200)),
        (
            "003_",
            "Tillerson Urged to Raise Rights Abuses",
            Some(1_491_566_400),
        ),
        ("004_", "Letter to Secretary Tillerson", Some(1_491_566_400)),
    ];
    for (prefix, title, published_at) in cases {
        let records = all(&seed(prefix), "page");
        assert_eq!(records.len(), 1, "{prefix}: {records:#?}");
        match &records[0] {
            Record::Thread(t) => {
                assert_eq!(t.source_id, "page");
                assert!(t.title.as_deref().unwrap_or("").starts_with(title), "{t:?}");
                assert_eq!(t.published_at, published_at, "{prefix}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn paragraphs_replies_and_empty_comments() {
    let page = "Title\r\n\r\nArticle.\r\n\r\nJune 1, 2011\r\n\r\nAnn writes:\r\n\r\n\
                First paragraph,\r\nsame paragraph.\r\n\r\n\r\nSecond paragraph.\r\n\r\n\
                DipNote Bloggers reply:\r\n\r\nOne.\r\n\r\nDipNote Bloggers reply:\r\n\r\nTwo.\r\n\r\n\
                Paris, France\r\nJune 2, 2011\r\n\r\nBob writes:\r\n\r\n\r\n";
    let records = all(page.as_bytes(), "t");
    assert_eq!(records.len(), 5, "{records:#?}");
    let ann = comment(&records[1]);
    assert_eq!(
        markdown(ann),
        "First paragraph,\nsame paragraph.\n\nSecond paragraph."
    );
    assert_eq!(ann.created_at, 1_306_929_600);
    assert_eq!(comment(&records[2]).source_id, "t#1-reply");
    assert_eq!(markdown(comment(&records[2])), "One.");
    assert_eq!(comment(&records[3]).source_id, "t#1-reply-2");
    assert_eq!(
        comment(&records[3]).parent_source_id.as_deref(),
        Some("t#1")
    );
    assert_eq!(
        records[4],
        Record::Skipped {
            source_id: Some("t#2".into()),
            reason: "empty body"
        }
    );
}

#[test]
fn hostile_pages_end_in_clear_errors() {
    let bad = b"Title\n\nJune 1, 2011\n\nAnn writes:\n\nCaf\xe9\n";
    let records: Vec<_> = read(&bad[..], "t").collect();
    match records.last() {
        Some(Err(ImportError::Malformed { what, at })) => {
            assert!(what.contains("UTF-8"), "{what}");
            assert_eq!(at.line, Some(7));
            let e9 = bad.iter().position(|&b| b == 0xe9).unwrap() as u64;
            assert_eq!(at.byte, e9);
        }
        other => panic!("{other:?}"),
    }

    let mut long = b"Title\n".to_vec();
    long.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
    let records: Vec<_> = read(&long[..], "t").collect();
    match records.last() {
        Some(Err(ImportError::Malformed { what, at })) => {
            assert!(what.contains("longer than 1 MiB"), "{what}");
            assert_eq!(at.line, Some(2));
        }
        other => panic!("{other:?}"),
    }

    let empty: Vec<_> = read(&b""[..], "t").collect();
    assert!(matches!(empty[..], [Err(ImportError::Malformed { .. })]));
}

#[test]
fn dates() {
    assert_eq!(parse_date("April 26, 2012"), Some(APRIL_26));
    assert_eq!(parse_date("May 4, 2012"), Some(MAY_4));
    assert_eq!(parse_date("February 30, 2012"), None);
    assert_eq!(parse_date("Published on April 7, 2017"), None);
    assert_eq!(parse_date("Maybe 4, 2012"), None);
}

#[test]
fn damaged_copies_of_the_fixture_never_panic() {
    let whole = seed("000_");
    crate::import::xml::assert_survives_damage(&whole, |bytes| {
        read(bytes, "p").take(10_000).collect()
    });
}
