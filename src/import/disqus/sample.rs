//! A generated Disqus export for the import benchmark and for tests: as
//! many threads and comments as asked, deterministic (the same arguments
//! give the same bytes), with what real exports hold — replies nested
//! several deep, deleted and spam posts, empty deleted messages, names in
//! several scripts, HTML bodies in CDATA (a few with `<script>` and event
//! handlers) and a category element the reader must skip.

use std::io::{self, Write};

/// Names to sign with, in several scripts.
const NAMES: &[&str] = &[
    "Zoë Whitfield",
    "Дмитрий Соколов",
    "李娜",
    "Amélie Durand",
    "Kwame Mensah",
    "Søren Kierkegaard-Holm",
    "أحمد",
    "Ngozi",
    "Ольга",
    "José Luis",
    "W.W.",
    "Angel in the U.S.A.",
];

/// Sentences the bodies are built from.
const SENTENCES: &[&str] = &[
    "Were the inspectors allowed in unannounced?",
    "In two provinces, yes; elsewhere they had to ask a week ahead.",
    "The working group's credibility depends on visits going both ways.",
    "We translate these updates for families who follow the cases closely.",
    "Shared data before shared treaties: that is the lesson of the fisheries talks.",
    "Une semaine suffit pour repeindre une cellule.",
    "Спасибо за подробный рассказ о встрече.",
    "这次会议的记录会公开吗？",
    "It took four years, not four months, and nobody wants to say so.",
];

/// A small deterministic generator (xorshift), so a sample is the same
/// file every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Writes a valid Disqus export with `threads` threads and `comments`
/// posts spread over them. Post ids are `2000000 + n`, thread ids
/// `1000000 + n`; about a third of the posts answer an earlier post of
/// the same thread (chains nest deep), one in 40 is deleted (one in 160
/// with an empty message), one in 50 is spam, one in 97 carries a script.
pub fn write_sample(out: &mut impl Write, threads: usize, comments: usize) -> io::Result<()> {
    let threads = threads.max(1);
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
    writeln!(out, r#"<?xml version="1.0" encoding="utf-8"?>"#)?;
    writeln!(
        out,
        r#"<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://disqus.com/api/schemas/1.0/disqus.xsd http://disqus.com/api/schemas/1.0/disqus-internals.xsd">"#
    )?;
    writeln!(
        out,
        "  <category dsq:id=\"1\">\n    <forum>sample</forum>\n    <title>General</title>\n    <isDefault>true</isDefault>\n  </category>"
    )?;
    // 2012-01-01T00:00:00Z; threads a day apart, posts a minute apart.
    let start = 1_325_376_000_i64;
    for t in 0..threads {
        writeln!(
            out,
            "  <thread dsq:id=\"{}\">\n    <id>sample-{t}</id>\n    <forum>sample</forum>\n    <category dsq:id=\"1\"/>\n    <link>https://blog.example.org/{}/sample-post-{t}/</link>\n    <title>Sample post {t}: “{}”</title>\n    <message/>\n    <createdAt>{}</createdAt>\n    <author>\n      <email>editor@example.org</email>\n      <name>The Editor</name>\n      <isAnonymous>false</isAnonymous>\n    </author>\n    <isClosed>false</isClosed>\n    <isDeleted>false</isDeleted>\n  </thread>",
            1_000_000 + t,
            2012 + t % 5,
            SENTENCES[t % SENTENCES.len()],
            iso(start + t as i64 * 86_400),
        )?;
    }
    // The last post written in each thread, which a reply may answer.
    let mut last: Vec<Option<usize>> = vec![None; threads];
    for c in 0..comments {
        let t = c % threads;
        let id = 2_000_000 + c;
        let parent = match last[t] {
            Some(p) if dice.below(3) == 0 => Some(2_000_000 + p),
            _ => None,
        };
        last[t] = Some(c);
        let deleted = c % 40 == 7;
        let empty = c % 160 == 7;
        let spam = c % 50 == 11;
        let name = NAMES[dice.below(NAMES.len())];
        let mut body = String::new();
        for _ in 0..=dice.below(3) {
            body.push_str("<p>");
            body.push_str(SENTENCES[dice.below(SENTENCES.len())]);
            if dice.below(4) == 0 {
                body.push_str(" See <a href=\"https://example.org/report\">the <b>report</b></a>.");
            }
            body.push_str("</p>");
        }
        if c % 97 == 5 {
            body.push_str("<script>alert('x')</script><img src=\"x.png\" onerror=\"alert(1)\">");
        }
        let message = if empty {
            "<message/>".to_owned()
        } else {
            format!("<message><![CDATA[{body}]]></message>")
        };
        write!(
            out,
            "  <post dsq:id=\"{id}\">\n    <id/>\n    {message}\n    <createdAt>{}</createdAt>\n    <isDeleted>{deleted}</isDeleted>\n    <isSpam>{spam}</isSpam>\n    <author>\n      <email>reader{}@example.net</email>\n      <name>{name}</name>\n      <isAnonymous>false</isAnonymous>\n      <username>reader{}</username>\n    </author>\n    <ipAddress>192.0.2.{}</ipAddress>\n    <thread dsq:id=\"{}\"/>\n",
            iso(start + (t as i64) * 86_400 + 3_600 + (c / threads) as i64 * 60),
            c % 5000,
            c % 5000,
            c % 250,
            1_000_000 + t,
        )?;
        if let Some(parent) = parent {
            writeln!(out, "    <parent dsq:id=\"{parent}\"/>")?;
        }
        writeln!(out, "  </post>")?;
    }
    writeln!(out, "</disqus>")?;
    out.flush()
}

/// Unix seconds as Disqus writes them (`2012-01-01T00:00:00Z`).
fn iso(unix: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| "2012-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{Record, SourceStatus};

    #[test]
    fn a_sample_reads_back_with_every_kind_of_post() {
        let mut bytes = Vec::new();
        write_sample(&mut bytes, 7, 1000).unwrap();
        let records: Vec<Record> = crate::import::disqus::read(&bytes[..])
            .collect::<Result<_, _>>()
            .unwrap();
        let threads = records
            .iter()
            .filter(|r| matches!(r, Record::Thread(_)))
            .count();
        let comments: Vec<_> = records
            .iter()
            .filter_map(|r| match r {
                Record::Comment(c) => Some(c),
                _ => None,
            })
            .collect();
        let skipped = records
            .iter()
            .filter(|r| {
                matches!(
                    r,
                    Record::Skipped {
                        reason: "empty body",
                        ..
                    }
                )
            })
            .count();
        assert_eq!(threads, 7);
        assert_eq!(skipped, 7, "every 160th post from the 7th has no message");
        assert_eq!(comments.len() + skipped, 1000);
        assert!(comments.iter().any(|c| c.status == SourceStatus::Spam));
        assert!(comments.iter().any(|c| c.status == SourceStatus::Hidden));
        assert!(comments.iter().any(|c| c.parent_source_id.is_some()));
        assert!(comments.iter().any(|c| c.author_name == "李娜"));
        // Deterministic: the same arguments give the same bytes.
        let mut again = Vec::new();
        write_sample(&mut again, 7, 1000).unwrap();
        assert_eq!(bytes, again);
    }
}
