//! Another system's comment HTML → our Markdown subset.
//!
//! Disqus, WordPress and Isso store comments as HTML. [`to_markdown`] keeps
//! what our renderer shows (paragraphs, line breaks, links, emphasis,
//! strong, block quotes, code, lists) as Markdown, drops `<script>`,
//! `<style>` and their like with their content and every other tag with
//! its attributes, decodes character references, and escapes the
//! characters that would mean Markdown in the text. The result is then
//! rendered and sanitised like any new comment, so nothing here is the
//! last line of defence: it only keeps old comments readable.
//!
//! A small hand-written tokenizer, linear in the input; nesting deeper
//! than [`MAX_NESTING`] is flattened so that no input makes the output
//! grow faster than the input.

/// Block quotes and list items deeper than this are flattened.
const MAX_NESTING: usize = 8;

/// Elements dropped together with everything inside them.
const DROPPED: &[&str] = &[
    "script", "style", "textarea", "title", "noscript", "iframe", "template", "xmp", "object",
    "head", "svg", "math", "select",
];

/// Converts comment HTML to our Markdown subset.
pub fn to_markdown(html: &str) -> String {
    let mut writer = Writer::default();
    let mut tokens = Tokenizer { html, at: 0 };
    while let Some(token) = tokens.next_token() {
        match token {
            Token::Text(text) => writer.text(&decode_entities(text)),
            Token::Start {
                name,
                attributes,
                self_closing,
            } => {
                if DROPPED.contains(&name.as_str()) && !self_closing {
                    tokens.skip_past_end_of(&name);
                } else {
                    writer.start(&name, attributes);
                }
            }
            Token::End(name) => writer.end(&name),
        }
    }
    writer.finish()
}

/// A piece of the input.
#[derive(Debug)]
enum Token<'a> {
    /// Character data (entities not yet decoded).
    Text(&'a str),
    /// An opening tag; the name lower-cased, attributes raw but unquoted.
    Start {
        name: String,
        attributes: &'a str,
        self_closing: bool,
    },
    /// A closing tag, lower-cased.
    End(String),
}

/// Splits HTML into text and tags; comments, doctypes and processing
/// instructions vanish, an unterminated tag ends the input.
struct Tokenizer<'a> {
    html: &'a str,
    at: usize,
}

impl<'a> Tokenizer<'a> {
    fn rest(&self) -> &'a str {
        self.html.get(self.at..).unwrap_or("")
    }

    fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return None;
            }
            if !rest.starts_with('<') {
                let end = rest.find('<').unwrap_or(rest.len());
                self.at += end;
                return Some(Token::Text(&rest[..end]));
            }
            let after = &rest[1..];
            if let Some(comment) = after.strip_prefix("!--") {
                self.at += 4 + comment.find("-->").map_or(comment.len(), |i| i + 3);
                continue;
            }
            if after.starts_with('!') || after.starts_with('?') {
                self.at += 1 + after.find('>').map_or(after.len(), |i| i + 1);
                continue;
            }
            let (closing, name_start) = match after.strip_prefix('/') {
                Some(name) => (true, name),
                None => (false, after),
            };
            if !name_start.starts_with(|c: char| c.is_ascii_alphabetic()) {
                // A lone `<` is text.
                self.at += 1;
                return Some(Token::Text("<"));
            }
            let Some(close) = tag_end(name_start) else {
                self.at = self.html.len();
                return None;
            };
            self.at += rest.len() - name_start.len() + close + 1;
            let inside = &name_start[..close];
            let name_len = inside
                .find(|c: char| c.is_ascii_whitespace() || c == '/')
                .unwrap_or(inside.len());
            let name = inside[..name_len].to_ascii_lowercase();
            if closing {
                return Some(Token::End(name));
            }
            let attributes = &inside[name_len..];
            return Some(Token::Start {
                name,
                self_closing: attributes.trim_end().ends_with('/'),
                attributes,
            });
        }
    }

    /// Skips everything up to and including `</name…>` (or to the end).
    fn skip_past_end_of(&mut self, name: &str) {
        let rest = self.rest();
        let lower = rest.to_ascii_lowercase();
        let needle = format!("</{name}");
        let mut from = 0;
        while let Some(found) = lower[from..].find(&needle) {
            let after = from + found + needle.len();
            let boundary = lower[after..]
                .chars()
                .next()
                .is_none_or(|c| c == '>' || c == '/' || c.is_ascii_whitespace());
            if boundary {
                let close = lower[after..]
                    .find('>')
                    .map_or(lower.len(), |i| after + i + 1);
                self.at += close;
                return;
            }
            from = after;
        }
        self.at = self.html.len();
    }
}

/// The index of the `>` that closes a tag whose text starts at `tag`,
/// outside quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The value of the attribute `wanted` in a tag's attribute text.
fn attribute(attributes: &str, wanted: &str) -> Option<String> {
    let mut rest = attributes;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        rest = rest[name_len..].trim_start();
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (value, used) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let end = inner.find(q).unwrap_or(inner.len());
                    (&inner[..end], (end + 2).min(after.len()))
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after.len());
                    (&after[..end], end)
                }
            };
            rest = &after[used..];
            value
        } else {
            ""
        };
        if name.eq_ignore_ascii_case(wanted) {
            return Some(decode_entities(value));
        }
    }
}

/// Decodes character references: numeric ones, the five of XML and the
/// few named ones comments use; anything else stays as written.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest
            .char_indices()
            .skip(1)
            .take(32)
            .find(|&(_, c)| c == ';' || !(c.is_ascii_alphanumeric() || c == '#'))
            .filter(|&(_, c)| c == ';');
        let decoded = end.and_then(|(semi, _)| entity(&rest[1..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character a reference's name (between `&` and `;`) stands for.
fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return match char::from_u32(code) {
            Some('\0') | None => Some('\u{fffd}'),
            Some(c) => Some(c),
        };
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "hellip" => '\u{2026}',
        "mdash" => '\u{2014}',
        "ndash" => '\u{2013}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "ldquo" => '\u{201c}',
        "rdquo" => '\u{201d}',
        "laquo" => '\u{ab}',
        "raquo" => '\u{bb}',
        "copy" => '\u{a9}',
        "eacute" => '\u{e9}',
        "euro" => '\u{20ac}',
        _ => return None,
    })
}

/// What separates the next text from what came before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
enum Break {
    #[default]
    None,
    Line,
    Paragraph,
}

/// One open element that changes the line prefix: a block quote (`> `) or
/// a list item (spaces up to its content); `None` when nested too deep.
type Segment = Option<String>;

/// Builds the Markdown.
#[derive(Default)]
struct Writer {
    out: String,
    pending: Break,
    /// Open block quotes and list items, outermost first.
    segments: Vec<Segment>,
    /// Open lists: ordered, and the next number.
    lists: Vec<(bool, u32)>,
    /// The tags that opened each segment, to close them in order.
    segment_tags: Vec<&'static str>,
    /// Inside `<pre>` (depth).
    pre: usize,
    /// Inline code being collected.
    code: Option<String>,
    /// Open links: the destination of each, when it is one we keep.
    links: Vec<Option<String>>,
    /// Nothing written on the current line yet.
    line_start: bool,
    /// A space is due before the next word.
    space: bool,
}

impl Writer {
    fn prefix(&self) -> String {
        self.segments.iter().flatten().map(String::as_str).collect()
    }

    /// Writes the pending break (and the line's prefix) before content.
    fn flush(&mut self) {
        let prefix = self.prefix();
        if self.out.is_empty() {
            self.out.push_str(&prefix);
            self.line_start = true;
        } else {
            match self.pending {
                Break::None => {}
                Break::Line => {
                    self.out.push('\n');
                    self.out.push_str(&prefix);
                    self.line_start = true;
                }
                Break::Paragraph => {
                    self.out.push('\n');
                    self.out.push_str(prefix.trim_end());
                    self.out.push('\n');
                    self.out.push_str(&prefix);
                    self.line_start = true;
                }
            }
        }
        if self.pending != Break::None {
            self.space = false;
        }
        self.pending = Break::None;
    }

    fn want(&mut self, at_least: Break) {
        self.pending = self.pending.max(at_least);
    }

    fn raw(&mut self, markup: &str) {
        self.flush();
        self.out.push_str(markup);
        self.line_start = false;
    }

    fn text(&mut self, text: &str) {
        if let Some(code) = &mut self.code {
            push_collapsed(code, text);
            return;
        }
        if self.pre > 0 {
            for (i, line) in text.split('\n').enumerate() {
                if i > 0 {
                    self.want(Break::Line);
                }
                if !line.is_empty() {
                    self.flush();
                    self.out.push_str(line.trim_end_matches('\r'));
                    self.line_start = false;
                }
            }
            return;
        }
        for (i, word) in text.split(is_space).enumerate() {
            if i > 0 {
                self.space = true;
            }
            if word.is_empty() {
                continue;
            }
            self.space_before();
            self.flush();
            escape_into(&mut self.out, word, self.line_start);
            self.line_start = false;
        }
    }

    /// Writes the space pending between two words, unless a break comes.
    fn space_before(&mut self) {
        if self.space && self.pending == Break::None && !self.line_start && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.space = false;
    }

    /// Markup that opens something: the space before it stays before it.
    fn open(&mut self, markup: &str) {
        self.space_before();
        self.raw(markup);
    }

    fn start(&mut self, name: &str, attributes: &str) {
        match name {
            "p" | "div" | "section" | "article" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            | "table" | "hr" | "figure" | "dl" => self.want(Break::Paragraph),
            "br" => self.want(Break::Line),
            "tr" | "dt" | "dd" => self.want(Break::Line),
            "blockquote" => {
                self.want(Break::Paragraph);
                self.open_segment("blockquote", "> ".to_owned());
            }
            "ul" | "ol" => {
                self.want(if self.lists.is_empty() {
                    Break::Paragraph
                } else {
                    Break::Line
                });
                let start = attribute(attributes, "start")
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(1);
                self.lists.push((name == "ol", start));
            }
            "li" => {
                self.want(Break::Line);
                let marker = match self.lists.last_mut() {
                    Some((true, next)) => {
                        let marker = format!("{next}. ");
                        *next = next.saturating_add(1);
                        marker
                    }
                    _ => "- ".to_owned(),
                };
                self.raw(&marker);
                self.line_start = true;
                self.open_segment("li", " ".repeat(marker.len()));
            }
            "pre" => {
                if self.pre == 0 {
                    self.want(Break::Paragraph);
                    self.raw("```");
                    self.want(Break::Line);
                }
                self.pre += 1;
            }
            "code" | "tt" | "kbd" | "samp" if self.pre == 0 && self.code.is_none() => {
                self.code = Some(String::new());
            }
            "em" | "i" | "cite" if self.pre == 0 && self.code.is_none() => self.open("*"),
            "strong" | "b" if self.pre == 0 && self.code.is_none() => self.open("**"),
            "a" if self.pre == 0 && self.code.is_none() => {
                let href = attribute(attributes, "href").filter(|h| kept_link(h));
                if href.is_some() && self.links.iter().all(Option::is_none) {
                    self.open("[");
                    self.links.push(href);
                } else {
                    self.links.push(None);
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "p" | "div" | "section" | "article" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            | "table" | "figure" | "dl" => self.want(Break::Paragraph),
            "tr" => self.want(Break::Line),
            "blockquote" => {
                self.close_segment("blockquote");
                self.want(Break::Paragraph);
            }
            "ul" | "ol" => {
                if self.segment_tags.last() == Some(&"li") {
                    self.close_segment("li");
                }
                if self.lists.pop().is_some() && self.lists.is_empty() {
                    self.want(Break::Paragraph);
                }
            }
            "li" => self.close_segment("li"),
            "pre" if self.pre > 0 => {
                self.pre -= 1;
                if self.pre == 0 {
                    self.want(Break::Line);
                    self.raw("```");
                    self.want(Break::Paragraph);
                }
            }
            "code" | "tt" | "kbd" | "samp" => {
                if let Some(code) = self.code.take() {
                    self.inline_code(code.trim());
                }
            }
            "em" | "i" | "cite" if self.pre == 0 && self.code.is_none() => self.raw("*"),
            "strong" | "b" if self.pre == 0 && self.code.is_none() => self.raw("**"),
            "a" => {
                if let Some(Some(href)) = self.links.pop() {
                    self.raw(&format!("]({})", link_destination(&href)));
                }
            }
            _ => {}
        }
    }

    fn inline_code(&mut self, code: &str) {
        if code.is_empty() {
            return;
        }
        let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat(longest + 1);
        let pad = if code.starts_with('`') || code.ends_with('`') {
            " "
        } else {
            ""
        };
        self.open(&format!("{fence}{pad}{code}{pad}{fence}"));
    }

    fn open_segment(&mut self, tag: &'static str, segment: String) {
        let depth = self.segments.iter().flatten().count();
        self.segments.push((depth < MAX_NESTING).then_some(segment));
        self.segment_tags.push(tag);
    }

    fn close_segment(&mut self, tag: &'static str) {
        if let Some(at) = self.segment_tags.iter().rposition(|t| *t == tag) {
            self.segment_tags.truncate(at);
            self.segments.truncate(at);
        }
    }

    fn finish(mut self) -> String {
        if let Some(code) = self.code.take() {
            self.inline_code(code.trim());
        }
        if self.pre > 0 {
            self.want(Break::Line);
            self.raw("```");
        }
        if let Some(Some(href)) = self.links.pop() {
            self.raw(&format!("]({})", link_destination(&href)));
        }
        let lines: Vec<&str> = self.out.lines().map(str::trim_end).collect();
        let mut out = String::with_capacity(self.out.len());
        let mut blank = 0;
        for line in lines {
            let empty = line.trim_start_matches(['>', ' ']).is_empty();
            if empty {
                blank += 1;
                if blank > 1 {
                    continue;
                }
            } else {
                blank = 0;
            }
            out.push_str(line);
            out.push('\n');
        }
        out.trim_matches(|c: char| c == '\n' || c == ' ').to_owned()
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}')
}

fn push_collapsed(out: &mut String, text: &str) {
    for (i, word) in text.split(is_space).enumerate() {
        if i > 0 && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Whether a link's destination is one our sanitiser keeps.
fn kept_link(href: &str) -> bool {
    let href = href.trim();
    ["http://", "https://", "mailto:"].iter().any(|scheme| {
        href.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    }) && href.len() > 8
}

/// A link destination Markdown reads back unchanged.
fn link_destination(href: &str) -> String {
    let mut out = String::with_capacity(href.len());
    for c in href.trim().chars() {
        match c {
            ' ' => out.push_str("%20"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a word of text with every character that means Markdown
/// escaped; at the start of a line also those that start a block.
fn escape_into(out: &mut String, word: &str, line_start: bool) {
    let mut chars = word.char_indices().peekable();
    if line_start {
        let digits = word.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && matches!(word.as_bytes().get(digits), Some(b'.' | b')')) {
            out.push_str(&word[..digits]);
            out.push('\\');
            while chars.peek().is_some_and(|&(i, _)| i < digits) {
                chars.next();
            }
        } else if word.starts_with(['-', '+', '=']) {
            out.push('\\');
        }
    }
    for (_, c) in chars {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '~' | '|' | '&'
        ) {
            out.push('\\');
        }
        out.push(if c == '\u{a0}' { ' ' } else { c });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::render::render_comment;

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(
            to_markdown("<p>One line<br>and the next</p><p>Second   paragraph</p>"),
            "One line\nand the next\n\nSecond paragraph"
        );
        assert_eq!(to_markdown("plain text"), "plain text");
        assert_eq!(to_markdown("a<br/><br/>b"), "a\nb");
    }

    #[test]
    fn inline_markup_becomes_markdown() {
        assert_eq!(
            to_markdown(
                "<p>An <em>important</em> and <b>bold</b> point, see <a href=\"https://example.org/a(b)\">this page</a>.</p>"
            ),
            "An *important* and **bold** point, see [this page](https://example.org/a\\(b\\))."
        );
        assert_eq!(to_markdown("<i>x</i> <strong>y</strong>"), "*x* **y**");
        assert_eq!(to_markdown("use <code>a*b</code> here"), "use `a*b` here");
        assert_eq!(to_markdown("<code>a`b</code>"), "``a`b``");
    }

    #[test]
    fn links_we_would_not_keep_become_text() {
        assert_eq!(
            to_markdown("<a href=\"javascript:alert(1)\">click</a>"),
            "click"
        );
        assert_eq!(to_markdown("<a href='/relative'>here</a>"), "here");
        assert_eq!(
            to_markdown("<a href=mailto:someone@example.org>mail</a>"),
            "[mail](mailto:someone@example.org)"
        );
    }

    #[test]
    fn quotes_code_blocks_and_lists() {
        assert_eq!(
            to_markdown("<blockquote><p>quoted</p><p>twice</p></blockquote><p>mine</p>"),
            "> quoted\n>\n> twice\n\nmine"
        );
        assert_eq!(
            to_markdown("<pre><code>let x = 1 * 2;\nlet y = &lt;b&gt;;</code></pre>"),
            "```\nlet x = 1 * 2;\nlet y = <b>;\n```"
        );
        assert_eq!(
            to_markdown(
                "<p>Points:</p><ul><li>first</li><li>second</li></ul><ol><li>one</li><li>two</li></ol>"
            ),
            "Points:\n\n- first\n- second\n\n1. one\n2. two"
        );
    }

    #[test]
    fn scripts_styles_and_other_tags_go() {
        let md = to_markdown(
            "<p onclick=\"steal()\">Hi<script>alert('x')</script><style>p{}</style>\
             <img src=x onerror=alert(1)> <span class=a>there</span></p><SCRIPT type=x>bad()</SCRIPT >",
        );
        assert_eq!(md, "Hi there");
        assert_eq!(to_markdown("<script>never closed"), "");
        assert_eq!(to_markdown("a <!-- hidden --> b"), "a b");
        assert_eq!(to_markdown("broken <a href=\"x"), "broken");
    }

    #[test]
    fn entities_are_decoded_and_markdown_characters_escaped() {
        assert_eq!(
            to_markdown("Tom &amp; Jerry &lt;3 &#8212; &#x263A; &unknown; caf&eacute;"),
            "Tom \\& Jerry \\<3 \u{2014} \u{263a} \\&unknown; caf\u{e9}"
        );
        assert_eq!(
            to_markdown("*not emphasis* [not](a link)"),
            "\\*not emphasis\\* \\[not\\](a link)"
        );
        assert_eq!(
            to_markdown("<p>- not a list</p><p>1. nor this</p><p># nor a heading</p>"),
            "\\- not a list\n\n1\\. nor this\n\n\\# nor a heading"
        );
    }

    #[test]
    fn the_rendering_shows_the_text_and_none_of_the_markup() {
        let source =
            "<p>x &lt;script&gt;alert(1)&lt;/script&gt; <b>y</b></p><blockquote>q</blockquote>";
        let html = render_comment(&to_markdown(source));
        let html = html.as_str();
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("<strong>y</strong>"), "{html}");
        assert!(html.contains("<blockquote>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn deep_nesting_stays_linear() {
        let deep = "<blockquote>".repeat(10_000) + "x" + &"</blockquote>".repeat(10_000);
        let md = to_markdown(&deep);
        assert!(md.len() < 100, "{}", md.len());
        assert!(md.ends_with('x'));
        let lists = "<ul><li>".repeat(5_000);
        assert!(to_markdown(&lists).len() < 5_000 * 40);
    }

    #[test]
    fn odd_input_never_panics() {
        for input in [
            "<",
            "<<>>",
            "</>",
            "<a",
            "&",
            "&#",
            "&#x;",
            "&#99999999;",
            "<p>é<br>ü</p>",
            "<a href=\"https://e.org\">",
            "<pre>",
            "<code>",
            "<li>stray",
            "</ul></li>",
            "<ol start=\"x\"><li>a",
            "\u{0}<b>\u{0}</b>",
        ] {
            let _ = to_markdown(input);
        }
    }
}
