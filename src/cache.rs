//! Rendered public threads and counts, kept in memory with their ETags and
//! compressed forms, and dropped precisely when something changes what a
//! post shows.
//!
//! Every post has a *generation*. Anything that changes what the post's
//! thread or count shows bumps it, after its transaction has committed
//! ([`Cache::invalidate`]). A reader that misses reads the generation
//! between resolving the post and reading its comments, and its result is
//! stored under that generation only if it is still current: a page built
//! from data older than a change can never be stored as current, and pages
//! of old generations are never looked up again (they age out of the LRU).
//!
//! Atom feeds follow the same rule: a post's feed is stored under the
//! post's generation, and the site's feed under the *site generation*,
//! which every invalidation of any post bumps too.

use crate::domain::hex::hex;
use crate::domain::post::PostId;
use actix_web::web::Bytes;
use quick_cache::Weighter;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

/// One page of a thread, as sent.
#[derive(Debug)]
pub struct Rendered {
    /// Strong validator of the identity body (hex of a SHA-256 prefix).
    pub etag: String,
    /// The JSON body.
    pub identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

/// A content coding the client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// As is.
    Identity,
    /// gzip.
    Gzip,
    /// Brotli.
    Brotli,
}

impl Coding {
    /// The best coding an `Accept-Encoding` header allows (q=0 excluded).
    pub fn negotiate(accept_encoding: &str) -> Self {
        let mut gzip = false;
        for part in accept_encoding.split(',') {
            let mut pieces = part.split(';');
            let name = pieces.next().unwrap_or("").trim();
            let refused = pieces.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match name {
                "br" => return Self::Brotli,
                "gzip" => gzip = true,
                _ => {}
            }
        }
        if gzip { Self::Gzip } else { Self::Identity }
    }

    /// The `Content-Encoding` value, if any.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Brotli => Some("br"),
        }
    }
}

impl Rendered {
    /// A page with its validator.
    pub fn new(identity: Vec<u8>) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(&identity);
        let etag = hex(&digest[..12]);
        Self {
            etag,
            identity: Bytes::from(identity),
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    /// A body served many times and rarely changed (the widget, the
    /// moderators' page): compressed at once, at the best settings of each
    /// coding, rather than quickly on first use.
    pub fn compressed_best(identity: Vec<u8>) -> Self {
        let page = Self::new(identity);
        if let Ok(gz) = compress_gzip(&page.identity, 9) {
            let _ = page.gzip.set(gz);
        }
        if let Ok(br) = compress_brotli(&page.identity, 11) {
            let _ = page.brotli.set(br);
        }
        page
    }

    /// The body in `coding`, compressed on first use and kept.
    pub fn body(&self, coding: Coding) -> Bytes {
        match coding {
            Coding::Identity => self.identity.clone(),
            Coding::Gzip => self
                .gzip
                .get_or_init(|| gzip(&self.identity).unwrap_or_default())
                .clone(),
            Coding::Brotli => self
                .brotli
                .get_or_init(|| brotli(&self.identity).unwrap_or_default())
                .clone(),
        }
    }

    /// The ETag of the body in `coding`: each representation has its own.
    pub fn etag(&self, coding: Coding) -> String {
        match coding {
            Coding::Identity => format!("\"{}\"", self.etag),
            Coding::Gzip => format!("\"{}-gz\"", self.etag),
            Coding::Brotli => format!("\"{}-br\"", self.etag),
        }
    }
}

fn gzip(data: &[u8]) -> std::io::Result<Bytes> {
    compress_gzip(data, 6)
}

fn brotli(data: &[u8]) -> std::io::Result<Bytes> {
    compress_brotli(data, 5)
}

fn compress_gzip(data: &[u8], level: u32) -> std::io::Result<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::new(level),
    );
    encoder.write_all(data)?;
    Ok(Bytes::from(encoder.finish()?))
}

fn compress_brotli(data: &[u8], quality: u32) -> std::io::Result<Bytes> {
    let mut out = Vec::with_capacity(data.len() / 5);
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 16 * 1024, quality, 22);
        writer.write_all(data)?;
    }
    Ok(Bytes::from(out))
}

/// Which page of which generation of a post's thread.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// The post.
    pub post_id: PostId,
    /// Its generation when the page was built.
    pub generation: u64,
    /// Newest first?
    pub newest_first: bool,
    /// Where the page starts.
    pub after: Option<(i64, i32)>,
    /// Items on the page.
    pub limit: i64,
}

#[derive(Debug, Clone)]
struct ByBytes;

/// Which feed, built at which generation: the site's (`post_id: None`,
/// under the site generation) or one post's (under the post's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeedKey {
    /// The post, or `None` for the whole site.
    pub post_id: Option<PostId>,
    /// The generation the feed was built at.
    pub generation: u64,
}

impl<K> Weighter<K, Arc<Rendered>> for ByBytes {
    fn weight(&self, _: &K, page: &Arc<Rendered>) -> u64 {
        // Room for the compressed forms too, which arrive later (a weight
        // must not change once stored).
        (page.identity.len() as u64).saturating_mul(3) / 2 + 256
    }
}

/// The cache of public reads.
pub struct Cache {
    enabled: bool,
    generations: RwLock<HashMap<PostId, u64>>,
    slugs: RwLock<HashMap<String, PostId>>,
    /// Slugs known not to name a post (cleared whenever a slug appears).
    unknown: RwLock<HashSet<String>>,
    counts: RwLock<HashMap<PostId, (u64, i64)>>,
    /// Added to every post's generation: bumping it makes everything
    /// stored stale at once ([`Cache::drop_all`]).
    base_generation: AtomicU64,
    slug_epoch: AtomicU64,
    pages: quick_cache::sync::Cache<PageKey, Arc<Rendered>, ByBytes>,
    /// Bumped with every post's generation: what the site feed is keyed by.
    site_generation: AtomicU64,
    feeds: quick_cache::sync::Cache<FeedKey, Arc<Rendered>, ByBytes>,
    /// Lookups answered and not, for `/metrics`.
    stats: [AtomicU64; 4],
}

/// How often the cache had the answer, since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Thread pages found current.
    pub page_hits: u64,
    /// Thread pages that had to be built.
    pub page_misses: u64,
    /// Counts found current.
    pub count_hits: u64,
    /// Counts that had to be counted.
    pub count_misses: u64,
}

const PAGE_HIT: usize = 0;
const PAGE_MISS: usize = 1;
const COUNT_HIT: usize = 2;
const COUNT_MISS: usize = 3;

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("enabled", &self.enabled)
            .field("pages", &self.pages.len())
            .field("bytes", &self.pages.weight())
            .finish()
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Cache {
    /// A cache holding at most about `max_bytes` of pages; `enabled =
    /// false` makes every read a miss (for measuring cold reads).
    pub fn new(enabled: bool, max_bytes: u64) -> Self {
        Self {
            enabled,
            generations: RwLock::new(HashMap::new()),
            slugs: RwLock::new(HashMap::new()),
            unknown: RwLock::new(HashSet::new()),
            counts: RwLock::new(HashMap::new()),
            base_generation: AtomicU64::new(0),
            slug_epoch: AtomicU64::new(0),
            pages: quick_cache::sync::Cache::with_weighter(1024, max_bytes.max(1), ByBytes),
            site_generation: AtomicU64::new(0),
            // Feeds are few and read by feed readers, not every page view:
            // a quarter of the room is plenty.
            feeds: quick_cache::sync::Cache::with_weighter(64, (max_bytes / 4).max(1), ByBytes),
            stats: Default::default(),
        }
    }

    /// Counts a hit when `found` is something. Misses are counted where a
    /// page or count is built and offered for storing, since a reader
    /// whose slug the cache does not know yet never asks for the page.
    fn tally<T>(&self, found: Option<T>, hit: usize) -> Option<T> {
        if found.is_some() {
            self.stats[hit].fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Hits and misses of page and count lookups so far.
    pub fn stats(&self) -> CacheStats {
        let get = |i: usize| self.stats[i].load(Ordering::Relaxed);
        CacheStats {
            page_hits: get(PAGE_HIT),
            page_misses: get(PAGE_MISS),
            count_hits: get(COUNT_HIT),
            count_misses: get(COUNT_MISS),
        }
    }

    /// The post a slug names, if the cache has seen it.
    pub fn post_id(&self, slug: &str) -> Option<PostId> {
        if !self.enabled {
            return None;
        }
        read(&self.slugs).get(slug).copied()
    }

    /// The slug epoch: read it before looking a slug up in the database
    /// and pass it to [`Cache::remember_slug`] / [`Cache::remember_unknown`].
    pub fn slug_epoch(&self) -> u64 {
        self.slug_epoch.load(Ordering::Acquire)
    }

    /// Remembers which post a slug names, unless slugs changed since
    /// `epoch`.
    pub fn remember_slug(&self, slug: &str, post_id: PostId, epoch: u64) {
        if self.enabled {
            let mut slugs = write(&self.slugs);
            if self.slug_epoch() == epoch {
                slugs.insert(slug.to_owned(), post_id);
            }
        }
    }

    /// Whether the slug is known to name no post.
    pub fn is_unknown(&self, slug: &str) -> bool {
        self.enabled && read(&self.unknown).contains(slug)
    }

    /// Remembers that no post has this slug, unless slugs changed since
    /// `epoch`.
    pub fn remember_unknown(&self, slug: &str, epoch: u64) {
        if self.enabled {
            let mut unknown = write(&self.unknown);
            if self.slug_epoch() != epoch {
                return;
            }
            if unknown.len() > 10_000 {
                unknown.clear();
            }
            unknown.insert(slug.to_owned());
        }
    }

    /// The post's current generation.
    pub fn generation(&self, post_id: PostId) -> u64 {
        let own = read(&self.generations).get(&post_id).copied().unwrap_or(0);
        own.wrapping_add(self.base_generation.load(Ordering::Acquire))
    }

    /// A stored page, if current.
    pub fn page(&self, key: &PageKey) -> Option<Arc<Rendered>> {
        let found = if self.enabled {
            self.pages.get(key)
        } else {
            None
        };
        self.tally(found, PAGE_HIT)
    }

    /// Stores a page built at `key.generation`, unless the post changed
    /// since.
    pub fn store_page(&self, key: PageKey, page: Arc<Rendered>) {
        self.stats[PAGE_MISS].fetch_add(1, Ordering::Relaxed);
        if self.enabled && self.generation(key.post_id) == key.generation {
            self.pages.insert(key, page);
        }
    }

    /// A stored count, if current.
    pub fn count(&self, post_id: PostId) -> Option<i64> {
        if !self.enabled {
            return None;
        }
        let generation = self.generation(post_id);
        let found = read(&self.counts)
            .get(&post_id)
            .filter(|(g, _)| *g == generation)
            .map(|(_, n)| *n);
        self.tally(found, COUNT_HIT)
    }

    /// Stores a count computed at `generation`, unless the post changed.
    pub fn store_count(&self, post_id: PostId, generation: u64, count: i64) {
        self.stats[COUNT_MISS].fetch_add(1, Ordering::Relaxed);
        if self.enabled && self.generation(post_id) == generation {
            write(&self.counts).insert(post_id, (generation, count));
        }
    }

    /// Call after a committed change to what `post_id` shows.
    pub fn invalidate(&self, post_id: PostId) {
        *write(&self.generations).entry(post_id).or_insert(0) += 1;
        self.site_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The generation of the whole site: it moves whenever any post's
    /// does. Read it before reading the site feed's items.
    pub fn site_generation(&self) -> u64 {
        self.site_generation.load(Ordering::Acquire)
    }

    /// The generation a feed of `post_id` (or of the site) is current at.
    pub fn feed_generation(&self, post_id: Option<PostId>) -> u64 {
        match post_id {
            Some(id) => self.generation(id),
            None => self.site_generation(),
        }
    }

    /// A stored feed, if current.
    pub fn feed(&self, post_id: Option<PostId>) -> Option<Arc<Rendered>> {
        if !self.enabled {
            return None;
        }
        self.feeds.get(&FeedKey {
            post_id,
            generation: self.feed_generation(post_id),
        })
    }

    /// Stores a feed built at `key.generation`, unless what it shows
    /// changed since.
    pub fn store_feed(&self, key: FeedKey, feed: Arc<Rendered>) {
        if self.enabled && self.feed_generation(key.post_id) == key.generation {
            self.feeds.insert(key, feed);
        }
    }

    /// Forgets everything: every post's generation moves (a page being
    /// built from older data is not stored), pages, feeds, counts and slug
    /// lookups go. For when changes may have been missed (the listener of
    /// other instances' changes lost its connection).
    pub fn drop_all(&self) {
        {
            // Under the generations' lock, so that no store checks a
            // generation between the two bumps.
            let _generations = write(&self.generations);
            self.base_generation.fetch_add(1, Ordering::AcqRel);
            self.site_generation.fetch_add(1, Ordering::AcqRel);
        }
        self.slugs_changed();
        self.pages.clear();
        self.feeds.clear();
        write(&self.counts).clear();
    }

    /// Call after a post was created or its slug changed: slug lookups are
    /// forgotten (an old slug may now be free, a new one taken).
    pub fn slugs_changed(&self) {
        let mut slugs = write(&self.slugs);
        let mut unknown = write(&self.unknown);
        self.slug_epoch.fetch_add(1, Ordering::AcqRel);
        slugs.clear();
        unknown.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(post_id: PostId, generation: u64) -> PageKey {
        PageKey {
            post_id,
            generation,
            newest_first: false,
            after: None,
            limit: 50,
        }
    }

    #[test]
    fn a_page_built_before_a_change_is_never_stored_as_current() {
        let cache = Cache::new(true, 1 << 20);
        let before = cache.generation(PostId(7));
        cache.invalidate(PostId(7));
        cache.store_page(
            key(PostId(7), before),
            Arc::new(Rendered::new(b"old".to_vec())),
        );
        assert!(cache.page(&key(PostId(7), before)).is_none());
        let now = cache.generation(PostId(7));
        cache.store_page(
            key(PostId(7), now),
            Arc::new(Rendered::new(b"new".to_vec())),
        );
        assert_eq!(
            cache.page(&key(PostId(7), now)).unwrap().identity,
            Bytes::from_static(b"new")
        );
        cache.invalidate(PostId(8));
        assert!(
            cache.page(&key(PostId(7), now)).is_some(),
            "other posts are untouched"
        );
        cache.invalidate(PostId(7));
        assert!(
            cache
                .page(&key(PostId(7), cache.generation(PostId(7))))
                .is_none()
        );
    }

    #[test]
    fn dropping_all_forgets_every_post_even_one_never_invalidated() {
        let cache = Cache::new(true, 1 << 20);
        let seen = cache.generation(PostId(1));
        cache.store_page(key(PostId(1), seen), Arc::new(Rendered::new(b"a".to_vec())));
        cache.store_count(PostId(1), seen, 3);
        cache.remember_slug("one", PostId(1), cache.slug_epoch());
        cache.drop_all();
        assert!(cache.page(&key(PostId(1), seen)).is_none());
        assert!(
            cache
                .page(&key(PostId(1), cache.generation(PostId(1))))
                .is_none()
        );
        assert_eq!(cache.count(PostId(1)), None);
        assert_eq!(cache.post_id("one"), None);
        // A page built before the drop is not stored as current after it.
        cache.store_page(
            key(PostId(1), seen),
            Arc::new(Rendered::new(b"old".to_vec())),
        );
        assert!(
            cache
                .page(&key(PostId(1), cache.generation(PostId(1))))
                .is_none()
        );
    }

    #[test]
    fn feeds_are_dropped_by_their_post_or_by_any_post_for_the_site() {
        let cache = Cache::new(true, 1 << 20);
        let feed = |text: &'static [u8]| Arc::new(Rendered::new(text.to_vec()));
        let site = cache.site_generation();
        let post = cache.feed_generation(Some(PostId(3)));
        cache.store_feed(
            FeedKey {
                post_id: None,
                generation: site,
            },
            feed(b"site"),
        );
        cache.store_feed(
            FeedKey {
                post_id: Some(PostId(3)),
                generation: post,
            },
            feed(b"three"),
        );
        assert_eq!(
            cache.feed(None).unwrap().identity,
            Bytes::from_static(b"site")
        );
        assert!(cache.feed(Some(PostId(3))).is_some());
        cache.invalidate(PostId(4));
        assert!(
            cache.feed(None).is_none(),
            "any post's change drops the site feed"
        );
        assert!(
            cache.feed(Some(PostId(3))).is_some(),
            "another post's feed stays"
        );
        cache.store_feed(
            FeedKey {
                post_id: None,
                generation: site,
            },
            feed(b"stale"),
        );
        assert!(
            cache.feed(None).is_none(),
            "a feed built before a change is refused"
        );
        cache.invalidate(PostId(3));
        assert!(cache.feed(Some(PostId(3))).is_none());
        assert!(Cache::new(false, 1 << 20).feed(None).is_none());
    }

    #[test]
    fn counts_follow_the_same_rule() {
        let cache = Cache::new(true, 1 << 20);
        let g = cache.generation(PostId(1));
        cache.store_count(PostId(1), g, 5);
        assert_eq!(cache.count(PostId(1)), Some(5));
        cache.invalidate(PostId(1));
        assert_eq!(cache.count(PostId(1)), None);
        cache.store_count(PostId(1), g, 9);
        assert_eq!(
            cache.count(PostId(1)),
            None,
            "a count from before the change is refused"
        );
    }

    #[test]
    fn codings_are_negotiated_and_round_trip() {
        assert_eq!(Coding::negotiate("gzip, deflate, br"), Coding::Brotli);
        assert_eq!(Coding::negotiate("gzip"), Coding::Gzip);
        assert_eq!(Coding::negotiate("br;q=0, gzip;q=0.5"), Coding::Gzip);
        assert_eq!(Coding::negotiate(""), Coding::Identity);
        let page = Rendered::new(br#"{"comments":[]}"#.repeat(100));
        let mut out = String::new();
        use std::io::Read;
        flate2::read::GzDecoder::new(&page.body(Coding::Gzip)[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out.as_bytes(), &page.identity[..]);
        let mut out = Vec::new();
        brotli::Decompressor::new(&page.body(Coding::Brotli)[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, page.identity);
        let tags = [Coding::Identity, Coding::Gzip, Coding::Brotli].map(|c| page.etag(c));
        assert_eq!(tags[0], format!("\"{}\"", page.etag));
        assert_eq!(tags[1], format!("\"{}-gz\"", page.etag));
        assert_eq!(tags[2], format!("\"{}-br\"", page.etag));
    }

    #[test]
    fn a_disabled_cache_never_answers() {
        let cache = Cache::new(false, 1 << 20);
        cache.store_page(key(PostId(1), 0), Arc::new(Rendered::new(b"x".to_vec())));
        assert!(cache.page(&key(PostId(1), 0)).is_none());
        cache.remember_slug("a", PostId(1), cache.slug_epoch());
        assert_eq!(cache.post_id("a"), None);
    }

    #[test]
    fn a_slug_looked_up_before_a_rename_is_not_remembered() {
        let cache = Cache::new(true, 1 << 20);
        let epoch = cache.slug_epoch();
        cache.slugs_changed();
        cache.remember_slug("old", PostId(1), epoch);
        cache.remember_unknown("new", epoch);
        assert_eq!(cache.post_id("old"), None);
        assert!(!cache.is_unknown("new"));
        cache.remember_slug("new", PostId(1), cache.slug_epoch());
        assert_eq!(cache.post_id("new"), Some(PostId(1)));
    }
}
