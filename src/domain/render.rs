//! Markdown subset → sanitised HTML. This is the only place that turns
//! reader (or editor) input into HTML, and [`SafeHtml`] is the only type
//! stored in an HTML column.

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::sync::LazyLock;

/// HTML that has been through the allow-list sanitiser. It has no public
/// constructor besides the render functions of this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    /// The sanitised markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The sanitised markup, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Tags a reader's comment may contain.
const COMMENT_TAGS: &[&str] = &[
    "p",
    "br",
    "em",
    "strong",
    "a",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
];
/// Editors' post bodies may also have sub-headings.
const POST_EXTRA_TAGS: &[&str] = &["h2", "h3", "h4"];

fn sanitiser(extra_tags: &[&'static str]) -> Builder<'static> {
    let tags: HashSet<&str> = COMMENT_TAGS.iter().chain(extra_tags).copied().collect();
    let mut builder = Builder::empty();
    builder
        .tags(tags)
        // No attribute on any tag but those named below (ammonia's empty
        // builder still allows `title`, `lang` and `hreflang` otherwise).
        .generic_attributes(HashSet::new())
        .tag_attributes(std::collections::HashMap::new())
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("ol", ["start"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("nofollow ugc noopener"))
        .strip_comments(true);
    builder
}

static COMMENT_SANITISER: LazyLock<Builder<'static>> = LazyLock::new(|| sanitiser(&[]));
static POST_SANITISER: LazyLock<Builder<'static>> = LazyLock::new(|| sanitiser(POST_EXTRA_TAGS));

/// Rewrites the parser's events so that only the subset survives: raw HTML
/// becomes visible text, images become links to the image (an `<img>` would
/// leak the reader's IP address to whoever hosts it), and single line
/// breaks are kept as the reader typed them. Headings become paragraphs
/// unless `headings` is set.
fn subset(event: Event<'_>, headings: bool) -> Event<'_> {
    match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::SoftBreak => Event::HardBreak,
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        Event::Start(Tag::Heading { .. }) if !headings => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::Heading(_)) if !headings => Event::End(TagEnd::Paragraph),
        Event::Start(Tag::Heading { level, .. }) => Event::Start(Tag::Heading {
            // An editor's `#` must not compete with the page's own title.
            level: level.max(pulldown_cmark::HeadingLevel::H2),
            id: None::<CowStr<'_>>,
            classes: Vec::new(),
            attrs: Vec::new(),
        }),
        Event::End(TagEnd::Heading(level)) => {
            Event::End(TagEnd::Heading(level.max(pulldown_cmark::HeadingLevel::H2)))
        }
        other => other,
    }
}

/// Where a bare address in `text` starts and ends: `http://` or
/// `https://` at the start of a word, up to white space, a quote or an
/// angle bracket, without the punctuation that ends a sentence (a closing
/// parenthesis only when the address opened none).
fn next_address(text: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(found) = text[from..].find("http") {
        let start = from + found;
        from = start + 4;
        let rest = &text[start..];
        let scheme = if rest.starts_with("https://") {
            8
        } else if rest.starts_with("http://") {
            7
        } else {
            continue;
        };
        let at_word_start = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '/' && c != '@');
        if !at_word_start {
            continue;
        }
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'))
            .unwrap_or(rest.len());
        let mut address = &rest[..len];
        loop {
            let trimmed = address.trim_end_matches(['.', ',', ';', ':', '!', '?']);
            let trimmed = match trimmed.strip_suffix(')') {
                Some(inner) if !inner.contains('(') => inner,
                _ => trimmed,
            };
            if trimmed.len() == address.len() {
                break;
            }
            address = trimmed;
        }
        if address.len() > scheme {
            return Some((start, start + address.len()));
        }
    }
    None
}

/// Turns bare `http(s)://` addresses in running text into links; text in
/// links, images and code is left as it is. What it makes goes through the
/// sanitiser like everything else.
fn autolink<'a>(events: impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    let mut inside = 0usize;
    for event in events {
        match event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::CodeBlock(_)) => {
                inside += 1;
                out.push(event);
            }
            Event::End(TagEnd::Link | TagEnd::Image | TagEnd::CodeBlock) => {
                inside = inside.saturating_sub(1);
                out.push(event);
            }
            Event::Text(text) if inside == 0 && next_address(&text).is_some() => {
                let mut rest: &str = &text;
                while let Some((start, end)) = next_address(rest) {
                    if start > 0 {
                        out.push(Event::Text(CowStr::from(rest[..start].to_owned())));
                    }
                    let address = rest[start..end].to_owned();
                    out.push(Event::Start(Tag::Link {
                        link_type: pulldown_cmark::LinkType::Autolink,
                        dest_url: CowStr::from(address.clone()),
                        title: CowStr::from(""),
                        id: CowStr::from(""),
                    }));
                    out.push(Event::Text(CowStr::from(address)));
                    out.push(Event::End(TagEnd::Link));
                    rest = &rest[end..];
                }
                if !rest.is_empty() {
                    out.push(Event::Text(CowStr::from(rest.to_owned())));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// How deep block quotes and lists may nest (counted together); deeper
/// ones are flattened into the innermost one allowed. A reader quoting a
/// quote of a quote needs a handful; `>` typed ten thousand times is an
/// attack on the sanitiser, whose work grows with the square of the depth.
pub const MAX_BLOCK_NESTING: usize = 8;

/// How deep any markup (blocks and inline: emphasis, links, code) may nest
/// in all; deeper elements are dropped and their text kept.
pub const MAX_NESTING: usize = 24;

/// Whether a start event opens a block quote or a list (the containers
/// that nest without bound in Markdown).
fn is_block_container(tag: &Tag<'_>) -> bool {
    matches!(tag, Tag::BlockQuote(_) | Tag::List(_))
}

/// Flattens markup nested deeper than [`MAX_BLOCK_NESTING`] quotes and
/// lists or [`MAX_NESTING`] elements: the start and end of each element
/// past the cap are dropped, and what they held stays, as text of the
/// innermost element kept. A list item is kept exactly when its list is.
/// The parser always balances starts and ends, so one stack of choices
/// suffices.
fn flatten<'a>(events: impl Iterator<Item = Event<'a>>) -> impl Iterator<Item = Event<'a>> {
    // For each open element: whether it was kept, and whether it counts as
    // a block container.
    let mut open: Vec<(bool, bool)> = Vec::new();
    let mut kept = 0usize;
    let mut kept_blocks = 0usize;
    events.filter(move |event| match event {
        Event::Start(tag) => {
            let block = is_block_container(tag);
            let keep = match tag {
                Tag::Item => open.last().is_none_or(|(k, _)| *k),
                _ => kept < MAX_NESTING && (!block || kept_blocks < MAX_BLOCK_NESTING),
            };
            open.push((keep, block));
            if keep {
                kept += 1;
                kept_blocks += usize::from(block);
            }
            keep
        }
        Event::End(_) => match open.pop() {
            Some((true, block)) => {
                kept = kept.saturating_sub(1);
                kept_blocks = kept_blocks.saturating_sub(usize::from(block));
                true
            }
            Some((false, _)) => false,
            None => true,
        },
        _ => true,
    })
}

fn render(source: &str, headings: bool, sanitiser: &Builder<'static>) -> SafeHtml {
    // Addresses are found in whole runs of text (the parser splits text at
    // `_` and `*`), before raw HTML is turned into text: HTML a reader
    // typed is shown as they typed it, never linked.
    let parser = pulldown_cmark::TextMergeStream::new(Parser::new_ext(source, Options::empty()));
    let events = flatten(autolink(parser).into_iter()).map(|e| subset(e, headings));
    let mut html = String::with_capacity(source.len() + source.len() / 4 + 16);
    pulldown_cmark::html::push_html(&mut html, events);
    SafeHtml(sanitiser.clean(&html).to_string())
}

/// Renders a reader's comment: paragraphs, line breaks, emphasis, strong,
/// links, inline code, code blocks, block quotes and lists; nothing else.
pub fn render_comment(source: &str) -> SafeHtml {
    render(source, false, &COMMENT_SANITISER)
}

/// Renders a post body written by an editor: the comment subset plus
/// sub-headings.
pub fn render_post(source: &str) -> SafeHtml {
    render(source, true, &POST_SANITISER)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(source: &str) -> String {
        render_comment(source).into_string()
    }

    #[test]
    fn the_markdown_subset_renders() {
        assert_eq!(
            html("*a* **b** `c`"),
            "<p><em>a</em> <strong>b</strong> <code>c</code></p>\n"
        );
        assert!(html("> quoted").contains("<blockquote>"));
        assert!(html("- one\n- two").contains("<ul>\n<li>one</li>"));
        assert!(html("3. three").contains("<ol start=\"3\">"));
        assert!(html("```\nlet x;\n```").contains("<pre><code>let x;\n</code></pre>"));
    }

    #[test]
    fn single_line_breaks_are_kept() {
        assert_eq!(html("first\nsecond"), "<p>first<br>\nsecond</p>\n");
    }

    #[test]
    fn links_get_rel_and_only_safe_schemes() {
        let out = html("[state](https://www.state.gov)");
        assert!(
            out.contains(
                r#"<a href="https://www.state.gov" rel="nofollow ugc noopener">state</a>"#
            ),
            "{out}"
        );
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "[x](/admin/)",
            "<javascript:alert(1)>",
        ] {
            let out = html(bad);
            assert!(!out.contains("href"), "{bad} gave {out}");
        }
    }

    #[test]
    fn raw_html_is_shown_as_text_never_as_markup() {
        for hostile in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg onload=alert(1)>",
            "<p style=\"color:red\">x</p>",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        ] {
            let out = html(hostile);
            assert!(!out.contains("<script"), "{hostile} gave {out}");
            assert!(!out.contains("<img"), "{hostile} gave {out}");
            assert!(!out.contains("<iframe"), "{hostile} gave {out}");
            assert!(!out.contains("<svg"), "{hostile} gave {out}");
            assert!(!out.contains("<p style"), "{hostile} gave {out}");
            assert!(!out.contains("<a "), "{hostile} gave {out}");
        }
        assert_eq!(html("<b>hi</b>"), "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n");
    }

    #[test]
    fn links_carry_no_attribute_but_href_and_rel() {
        let out = html("[x](https://example.org \"a title\")");
        assert_eq!(
            out,
            "<p><a href=\"https://example.org\" rel=\"nofollow ugc noopener\">x</a></p>\n"
        );
    }

    #[test]
    fn images_become_links_and_headings_become_paragraphs() {
        let out = html("![chart](https://example.org/c.png)");
        assert!(!out.contains("<img"));
        assert!(
            out.contains(r#"<a href="https://example.org/c.png""#),
            "{out}"
        );
        assert_eq!(html("# Big"), "<p>Big</p>\n");
        assert_eq!(html("a | b\n--|--\n1 | 2").matches("<table").count(), 0);
    }

    #[test]
    fn post_bodies_keep_sub_headings_but_never_h1() {
        assert_eq!(render_post("# Title").into_string(), "<h2>Title</h2>\n");
        assert_eq!(render_post("### Part").into_string(), "<h3>Part</h3>\n");
        assert!(
            !render_post("<script>x</script>")
                .as_str()
                .contains("<script")
        );
    }

    #[test]
    fn bare_addresses_become_links_and_code_and_links_stay_as_they_are() {
        let html = render_comment(
            "See https://www.state.gov/dipnote (the blog), or http://x.example/a?b=c.",
        );
        assert!(
            html.as_str().contains(r#"<a href="https://www.state.gov/dipnote" rel="nofollow ugc noopener">https://www.state.gov/dipnote</a> (the blog)"#),
            "{}",
            html.as_str()
        );
        assert!(html.as_str().contains(r#"<a href="http://x.example/a?b=c" rel="nofollow ugc noopener">http://x.example/a?b=c</a>."#));
        let code = render_comment("`https://in.code/` and [named](https://linked.example/)");
        assert!(
            code.as_str().contains("<code>https://in.code/</code>"),
            "{}",
            code.as_str()
        );
        assert_eq!(code.as_str().matches("<a ").count(), 1, "{}", code.as_str());
        let wiki = render_comment("https://en.wikipedia.org/wiki/Rust_(programming_language)");
        assert!(
            wiki.as_str().contains("Rust_(programming_language)</a>"),
            "{}",
            wiki.as_str()
        );
        for inert in [
            "javascript:alert(1)",
            "xhttp://no.example",
            "http://",
            "<a href=\"https://raw.example/\">x</a>",
        ] {
            let out = render_comment(inert);
            assert!(
                !out.as_str().contains("javascript:") || !out.as_str().contains("<a "),
                "{}",
                out.as_str()
            );
            assert!(!out.as_str().contains("<script"));
        }
        assert!(
            !render_comment("xhttp://no.example")
                .as_str()
                .contains("<a ")
        );
    }

    /// The deepest nesting of elements in `html` (void `<br>` aside).
    fn depth(html: &str) -> usize {
        let (mut now, mut most) = (0usize, 0usize);
        for (i, _) in html.match_indices('<') {
            let rest = &html[i + 1..];
            if rest.starts_with('/') {
                now = now.saturating_sub(1);
            } else if !rest.starts_with("br") {
                now += 1;
                most = most.max(now);
            }
        }
        most
    }

    /// The least time of three renders of `source`.
    fn fastest(source: &str) -> std::time::Duration {
        (0..3)
            .map(|_| {
                let start = std::time::Instant::now();
                std::hint::black_box(render_comment(source));
                start.elapsed()
            })
            .min()
            .unwrap_or_default()
    }

    #[test]
    fn deep_quotes_and_lists_are_flattened_to_the_cap() {
        let quotes = format!("{} deep", ">".repeat(9_998));
        let lists = format!("{}deep", "- ".repeat(4_999));
        for (hostile, tag) in [(&quotes, "<blockquote>"), (&lists, "<ul>")] {
            let out = html(hostile);
            assert_eq!(out.matches(tag).count(), MAX_BLOCK_NESTING, "{out}");
            assert!(out.contains("deep"), "{out}");
            assert!(depth(&out) <= 2 * MAX_BLOCK_NESTING + 1, "{out}");
            // The output is no larger than a plain body's would be.
            assert!(out.len() < 400, "{} bytes", out.len());
        }
        // Mixed: a quote in a list in a quote…, also capped in all.
        let mixed = format!("{}x", "> - ".repeat(2_500));
        let out = html(&mixed);
        assert_eq!(
            out.matches("<blockquote>").count() + out.matches("<ul>").count(),
            MAX_BLOCK_NESTING,
            "{out}"
        );
    }

    #[test]
    fn nesting_within_the_cap_is_kept_as_written() {
        let out = html("> > quoted twice\n> > - a\n> >   - b");
        assert_eq!(out.matches("<blockquote>").count(), 2, "{out}");
        assert_eq!(out.matches("<ul>").count(), 2, "{out}");
        assert!(out.contains("<li>b</li>"), "{out}");
        let at_cap = format!("{}x", ">".repeat(MAX_BLOCK_NESTING));
        assert_eq!(
            html(&at_cap).matches("<blockquote>").count(),
            MAX_BLOCK_NESTING
        );
        // Inline markup deeper than the overall cap keeps its text.
        let stars = format!("{}x{}", "*".repeat(3_000), "*".repeat(3_000));
        let out = html(&stars);
        assert!(depth(&out) <= MAX_NESTING + 1, "depth {}", depth(&out));
        assert!(out.contains('x'), "{out}");
    }

    #[test]
    fn a_deeply_nested_body_costs_about_what_a_plain_one_does() {
        // Ten thousand characters of short paragraphs, and as many of
        // hostile nesting.
        let plain = "a\n\n".repeat(3_333);
        let quotes = format!("{} deep", ">".repeat(9_998));
        let lists = format!("{}deep", "- ".repeat(4_999));
        let base = fastest(&plain);
        for hostile in [&quotes, &lists] {
            let took = fastest(hostile);
            // Before the cap the sanitiser took some hundred times longer
            // over these than over the plain body; now they cost less.
            assert!(
                took < base * 3,
                "{took:?} against {base:?} for a plain body"
            );
        }
    }
}
