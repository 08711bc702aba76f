//! The `colloquy` command line: serve, migrate, moderator add, list,
//! reset-password and disable, backup, restore, purge, reader
//! export/erase, import and export, statements export, and copy-db.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use colloquy::config::Settings;
use colloquy::db::{self, Pool};
use colloquy::domain::moderation::Role;
use colloquy::domain::password::{self, MIN_PASSWORD};
use colloquy::domain::text::single_line;
use colloquy::domain::time::now;
use colloquy::error::ApiError;
use colloquy::service::{Ctx, accounts};
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "colloquy",
    version,
    about = "A moderated comment system for policy and diplomacy blogs"
)]
struct Cli {
    /// A TOML configuration file (environment variables COLLOQUY_* override it).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (creating the database and applying migrations first).
    Serve {
        /// Fill an empty database with sample posts, comments and a `demo` moderator.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage moderator accounts.
    Moderator {
        #[command(subcommand)]
        command: ModeratorCommand,
    },
    /// Copy the database consistently into FILE, while the server runs.
    Backup {
        /// The new file.
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Remove the e-mail addresses and IP hashes of comments decided more
    /// than `privacy.retention_days` ago (the server also does this every
    /// five minutes).
    Purge,
    /// A reader's data, found by the e-mail address they gave.
    Reader {
        #[command(subcommand)]
        command: ReaderCommand,
    },
    /// Import another system's comments, or our own export, from FILE
    /// (see docs/imports.md); a second run of the same file adds nothing.
    Import {
        /// What FILE is: disqus, wordpress, isso, colloquy or dipnote.
        #[arg(value_enum)]
        format: ImportFormat,
        /// The export file (an Isso database for `isso`).
        file: PathBuf,
        /// Read and check the whole file and say what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// A CSV file of `url,slug` lines: the slug for the thread at each url.
        #[arg(long, value_name = "FILE")]
        map: Option<PathBuf>,
        /// The post a DipNote page's comments belong to (required for dipnote).
        #[arg(long, value_name = "SLUG")]
        post: Option<String>,
    },
    /// Write every post, comment, official reply, ban, term and account
    /// (without password hashes) as one JSON document.
    Export {
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Statements of reasons (DSA art. 17).
    Statements {
        #[command(subcommand)]
        command: StatementsCommand,
    },
    /// Replace the database with the backup FILE (stop the server first);
    /// the old database is kept as DATABASE.before-restore.
    Restore {
        /// A file made by `colloquy backup`.
        file: PathBuf,
    },
    /// Copy this SQLite installation into an empty PostgreSQL database
    /// (stop the server first; sessions are not copied): see docs/scaling.md.
    CopyDb {
        /// The PostgreSQL database, postgres://USER:PASSWORD@HOST:PORT/DB.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
enum ModeratorCommand {
    /// Create a moderator account; the password is read from standard input.
    Add {
        /// The sign-in name.
        username: String,
        /// moderator, editor or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The name shown in the workspace (defaults to the user name).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List every account: user name, role, whether it is disabled, display name.
    List,
    /// Set a new password for USERNAME, read from standard input; every
    /// session of the account ends (for an operator who lost a password).
    ResetPassword {
        /// The sign-in name.
        username: String,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Disable USERNAME: it cannot sign in and its sessions end (the last
    /// enabled admin cannot be disabled).
    Disable {
        /// The sign-in name.
        username: String,
    },
}

#[derive(Debug, Subcommand)]
enum StatementsCommand {
    /// Write a month's statements as JSON Lines with the field names of the
    /// EU DSA Transparency Database (see docs/due-process.md); nothing personal.
    Export {
        /// The month, YYYY-MM (UTC).
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum ReaderCommand {
    /// Print every comment sent with EMAIL as JSON.
    Export {
        /// The reader's e-mail address (case of ASCII letters ignored).
        email: String,
    },
    /// Erase every comment sent with EMAIL: deleted, or kept as
    /// "[removed]" where replies or log entries refer to it.
    Erase {
        /// The reader's e-mail address (case of ASCII letters ignored).
        email: String,
    },
}

/// The kinds of file `colloquy import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ImportFormat {
    /// A Disqus XML export.
    Disqus,
    /// A WordPress export (WXR).
    Wordpress,
    /// An Isso SQLite database.
    Isso,
    /// A `colloquy export` document.
    Colloquy,
    /// The text of an archived DipNote page (with --post).
    Dipnote,
}

fn parse_role(value: &str) -> Result<Role, String> {
    Role::parse(value).ok_or_else(|| "must be moderator, editor or admin".to_owned())
}

fn main() {
    if let Err(error) = run() {
        eprintln!("colloquy: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("reading the configuration")?;
    match cli.command {
        Command::Serve { demo } => serve(settings, demo, started),
        Command::Migrate => {
            let pool = open(&settings)?;
            let mut conn = pool.get()?;
            db::migrate(&mut conn)?;
            say(&format!(
                "{}: database is up to date",
                db::Location::of(&settings.database)
            ));
            Ok(())
        }
        Command::Moderator { command } => moderator(&settings, command),
        Command::Backup { file, force } => {
            sqlite_only(&settings, "backup")?;
            let copied = colloquy::backup::backup(&settings.database, &file, force)?;
            say(&format!(
                "{}: backup of {} written ({} bytes, {} comments, {} posts, integrity ok)",
                copied.path.display(),
                settings.database.display(),
                copied.bytes,
                copied.comments,
                copied.posts
            ));
            Ok(())
        }
        Command::Purge => {
            let pool = open(&settings)?;
            let mut conn = pool.get()?;
            let now = colloquy::domain::time::now();
            let purged = colloquy::service::privacy::purge(&mut conn, &settings.privacy, now)?;
            if settings.privacy.retention_days == 0 {
                say("privacy.retention_days is 0: personal data is kept; nothing purged");
            } else {
                say(&format!(
                    "{purged} comments decided more than {} days ago: e-mail address and IP hash removed",
                    settings.privacy.retention_days
                ));
            }
            Ok(())
        }
        Command::Reader { command } => reader(&settings, command),
        Command::Import {
            format,
            file,
            dry_run,
            map,
            post,
        } => import(&settings, format, &file, dry_run, map.as_deref(), post),
        Command::Export { out } => export(&settings, out.as_deref()),
        Command::Statements {
            command: StatementsCommand::Export { month, out },
        } => statements_export(&settings, &month, out.as_deref()),
        Command::Restore { file } => {
            sqlite_only(&settings, "restore")?;
            let existed = settings.database.exists();
            let copied = colloquy::backup::restore(&file, &settings.database)?;
            say(&format!(
                "{}: restored from {} ({} comments, {} posts, integrity ok)",
                copied.path.display(),
                file.display(),
                copied.comments,
                copied.posts
            ));
            if existed {
                say(&format!(
                    "the previous database is kept as {}",
                    colloquy::backup::before_restore_path(&settings.database).display()
                ));
            }
            Ok(())
        }
        Command::CopyDb { to } => copy_db(&settings, &to),
    }
}

fn reader(settings: &Settings, command: ReaderCommand) -> anyhow::Result<()> {
    let pool = open(settings)?;
    let mut conn = pool.get()?;
    let now = colloquy::domain::time::now();
    match command {
        ReaderCommand::Export { email } => {
            let email = colloquy::service::privacy::checked_email(&email)?;
            let export = colloquy::service::privacy::export(&mut conn, &email, now)?;
            say(&serde_json::to_string_pretty(&export)?);
        }
        ReaderCommand::Erase { email } => {
            let email = colloquy::service::privacy::checked_email(&email)?;
            let erased = colloquy::service::privacy::erase(&mut conn, &email, now)?;
            say(&format!(
                "{} comments deleted, {} kept as \"[removed]\" placeholders (replies or log entries refer to them); {} public threads changed; logged as reader_erase",
                erased.deleted.len(),
                erased.anonymised.len(),
                erased.posts.len()
            ));
        }
    }
    Ok(())
}

/// Counts the bytes read through it, for the progress report.
struct Counting<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads a `--map` file: `url,slug` lines (a header line and blank lines
/// are ignored; the slug is after the last comma).
fn read_map(path: &std::path::Path) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the map {}", path.display()))?;
    let mut map = std::collections::HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (n == 0 && line.eq_ignore_ascii_case("url,slug")) {
            continue;
        }
        let Some((url, slug)) = line.rsplit_once(',') else {
            bail!("{} line {}: expected `url,slug`", path.display(), n + 1);
        };
        map.insert(
            url.trim().trim_matches('"').to_owned(),
            slug.trim().trim_matches('"').to_owned(),
        );
    }
    Ok(map)
}

fn import(
    settings: &Settings,
    format: ImportFormat,
    file: &std::path::Path,
    dry_run: bool,
    map: Option<&std::path::Path>,
    post: Option<String>,
) -> anyhow::Result<()> {
    use colloquy::import::{self as readers, ImportError, Records, Source};
    use colloquy::service::import::{self as importer, Options, Pass};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let source = match format {
        ImportFormat::Disqus => Source::Disqus,
        ImportFormat::Wordpress => Source::Wordpress,
        ImportFormat::Isso => Source::Isso,
        ImportFormat::Colloquy => Source::Colloquy,
        ImportFormat::Dipnote => Source::Dipnote,
    };
    let post = match (format, post) {
        (ImportFormat::Dipnote, None) => {
            bail!("a DipNote page needs --post SLUG: the post its comments belong to")
        }
        (_, post) => post.unwrap_or_default(),
    };
    let mut options = Options::new(source, &settings.official_name);
    options.dry_run = dry_run;
    if let Some(map) = map {
        options.map = read_map(map)?;
    }
    let size = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    let read = Arc::new(AtomicU64::new(0));
    let records = || -> Result<Records<'static>, ImportError> {
        read.store(0, Ordering::Relaxed);
        if format == ImportFormat::Isso {
            return readers::isso::read(file);
        }
        let input = std::io::BufReader::with_capacity(
            64 * 1024,
            Counting {
                inner: std::fs::File::open(file)?,
                read: read.clone(),
            },
        );
        Ok(match format {
            ImportFormat::Disqus => readers::disqus::read(input),
            ImportFormat::Wordpress => readers::wordpress::read(input),
            ImportFormat::Dipnote => readers::dipnote::read(input, &post),
            ImportFormat::Colloquy => readers::colloquy::read(input),
            ImportFormat::Isso => unreachable_isso(),
        })
    };
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let bar = terminal.then(|| {
        let bar = indicatif::ProgressBar::new(size);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg:8} [{bar:40}] {bytes}/{total_bytes} ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut last_line = std::time::Instant::now();
    let mut last_pass = None;
    let mut progress = |pass: Pass, records: u64| {
        let word = match pass {
            Pass::Check => "checking",
            Pass::Write => "writing",
        };
        let bytes = read.load(Ordering::Relaxed);
        if let Some(bar) = &bar {
            if last_pass != Some(pass) {
                bar.reset();
                bar.set_message(word);
                last_pass = Some(pass);
            }
            if records.is_multiple_of(64) {
                bar.set_position(bytes);
            }
        } else if last_line.elapsed() >= std::time::Duration::from_secs(3) {
            last_line = std::time::Instant::now();
            eprintln!("colloquy import: {word}: {records} records, {bytes} of {size} bytes read");
        }
    };
    let pool = open(settings)?;
    let mut conn = pool.get()?;
    let result = importer::run(&mut conn, records, &options, now(), &mut progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = result.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    say(&format!(
        "{}: {} records read\n{summary}",
        file.display(),
        summary.records
    ));
    if !dry_run {
        say("logged as import");
    }
    Ok(())
}

/// The Isso database is opened by its path, not read as a stream.
fn unreachable_isso() -> colloquy::import::Records<'static> {
    Box::new(std::iter::empty())
}

fn export(settings: &Settings, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    let pool = open(settings)?;
    let mut conn = pool.get()?;
    let now = now();
    match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            let counts = colloquy::service::export::write(&mut conn, &mut writer, now)?;
            std::io::Write::flush(&mut writer)?;
            say(&format!("{}: {counts}", path.display()));
        }
        None => {
            let stdout = std::io::stdout();
            let mut writer = std::io::BufWriter::new(stdout.lock());
            colloquy::service::export::write(&mut conn, &mut writer, now)?;
            std::io::Write::flush(&mut writer)?;
        }
    }
    Ok(())
}

fn statements_export(
    settings: &Settings,
    month: &str,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use colloquy::service::{sor_export, transparency::Month};
    let month =
        Month::parse(month.trim()).map_err(|_| anyhow::anyhow!("--month must be YYYY-MM"))?;
    let pool = open(settings)?;
    let mut conn = pool.get()?;
    match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            let n = sor_export::write(&mut conn, settings, month, &mut writer)?;
            std::io::Write::flush(&mut writer)?;
            say(&format!(
                "{}: {n} statements of reasons of {}",
                path.display(),
                month.label()
            ));
        }
        None => {
            let stdout = std::io::stdout();
            let mut writer = std::io::BufWriter::new(stdout.lock());
            sor_export::write(&mut conn, settings, month, &mut writer)?;
            std::io::Write::flush(&mut writer)?;
        }
    }
    Ok(())
}

/// Opens the database, creating it and applying migrations.
fn open(settings: &Settings) -> anyhow::Result<Pool> {
    db::connect(&db::Location::of(&settings.database), settings.pool_size)
}

fn moderator(settings: &Settings, command: ModeratorCommand) -> anyhow::Result<()> {
    match command {
        ModeratorCommand::Add {
            username,
            role,
            display_name,
            ..
        } => add_moderator(settings, &username, role, display_name.as_deref()),
        ModeratorCommand::List => {
            let pool = open(settings)?;
            let accounts = db::accounts::list(&mut *pool.get()?)?;
            if accounts.is_empty() {
                say(
                    "no accounts yet: create one with `colloquy moderator add NAME --role admin --password-stdin`",
                );
            }
            for account in accounts {
                say(&format!(
                    "{:<24} {:<9} {:<8} {}",
                    account.username,
                    account.role.as_str(),
                    if account.disabled {
                        "disabled"
                    } else {
                        "enabled"
                    },
                    account.display_name
                ));
            }
            Ok(())
        }
        ModeratorCommand::ResetPassword { username, .. } => {
            let hash = read_new_password()?;
            let pool = open(settings)?;
            let mut conn = pool.get()?;
            let account = existing_account(&mut conn, &username)?;
            let mut ctx = Ctx::new(&mut conn);
            accounts::set_password(&mut ctx, account, &hash, None, None, now())
                .map_err(cli_error)?;
            say(&format!(
                "new password set for {username:?}; its sessions ended; logged as account_password"
            ));
            Ok(())
        }
        ModeratorCommand::Disable { username } => {
            let pool = open(settings)?;
            let mut conn = pool.get()?;
            let account = existing_account(&mut conn, &username)?;
            let change = accounts::check_change(None, Some(true), None, None).map_err(cli_error)?;
            let mut ctx = Ctx::new(&mut conn);
            accounts::update(&mut ctx, account, &change, None, now()).map_err(cli_error)?;
            say(&format!(
                "{username:?} is disabled and its sessions ended; logged as account_disable"
            ));
            Ok(())
        }
    }
}

/// The id of the account `username`, or a clear error.
fn existing_account(conn: &mut crate::db::DbConn, username: &str) -> anyhow::Result<i32> {
    match db::accounts::by_username(conn, username.trim())? {
        Some(account) => Ok(account.id),
        None => bail!("there is no account {username:?} (`colloquy moderator list` shows them)"),
    }
}

/// A service's refusal in the words an operator reads.
fn cli_error(error: ApiError) -> anyhow::Error {
    match error {
        ApiError::Validation(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        ApiError::Conflict(why) | ApiError::NotFound(why) | ApiError::Forbidden(why) => {
            anyhow::anyhow!("{why}")
        }
        other => anyhow::Error::new(other),
    }
}

/// Reads a password from standard input (one line; the newline is not
/// part of it), checks its length and hashes it.
fn read_new_password() -> anyhow::Result<String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the password from standard input")?;
    let password = input.trim_end_matches(['\n', '\r']);
    if password.chars().count() < MIN_PASSWORD {
        bail!("the password must have at least {MIN_PASSWORD} characters");
    }
    password::hash(password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))
}

fn add_moderator(
    settings: &Settings,
    username: &str,
    role: Role,
    display_name: Option<&str>,
) -> anyhow::Result<()> {
    let username = single_line("username", username, 64, true)
        .map_err(|e| anyhow::anyhow!("the user name {}", e.message))?
        .unwrap_or_default();
    let display_name = single_line("display_name", display_name.unwrap_or(&username), 80, true)
        .map_err(|e| anyhow::anyhow!("the display name {}", e.message))?
        .unwrap_or_default();
    let hash = read_new_password()?;
    let pool = open(settings)?;
    let mut conn = pool.get()?;
    match db::accounts::create_moderator(
        &mut conn,
        &username,
        &display_name,
        role.as_str(),
        &hash,
        colloquy::domain::time::now(),
    ) {
        Ok(_) => {
            say(&format!("created {} {username:?}", role.as_str()));
            Ok(())
        }
        Err(db::accounts::AccountError::NameTaken) => bail!("the user name {username:?} is taken"),
        Err(other) => Err(other.into()),
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("COLLOQUY_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// `copy-db`: the SQLite file named by `database` into PostgreSQL, with a
/// progress bar on a terminal (a line per table otherwise), then the rows
/// of every table on both sides.
fn copy_db(settings: &Settings, to: &str) -> anyhow::Result<()> {
    let db::Location::Sqlite(path) = db::Location::of(&settings.database) else {
        bail!(
            "{} is already PostgreSQL: copy-db copies from the SQLite file the `database` setting names",
            db::Location::of(&settings.database)
        );
    };
    // No server may write while the copy is made: what it accepted after
    // the snapshot would be left behind.
    let _held = if path.is_file() {
        Some(colloquy::backup::lock_exclusively(&path)?)
    } else {
        None
    };
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut table = "";
    let copied = db::copy::copy(&path, to, &mut |step| {
        if terminal {
            let bar = bar.get_or_insert_with(|| {
                let bar = indicatif::ProgressBar::new(step.total);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{msg:20} [{bar:40}] {pos}/{len} rows ({eta})",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar
            });
            bar.set_message(step.table);
            bar.set_position(step.done);
        } else if table != step.table && step.rows > 0 {
            table = step.table;
            eprintln!(
                "colloquy copy-db: copying {table}: {} rows ({} of {} in all done)",
                step.rows, step.done, step.total
            );
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let copied = copied?;
    let target = db::Location::of(std::path::Path::new(to));
    say(&format!("{}: copied into {target}", path.display()));
    say(&format!(
        "  {:<20} {:>10} {:>10}",
        "table", "SQLite", "PostgreSQL"
    ));
    for counted in &copied.tables {
        say(&format!(
            "  {:<20} {:>10} {:>10}",
            counted.table, counted.sqlite, counted.postgres
        ));
    }
    for (table, why) in db::copy::NOT_COPIED {
        say(&format!("  {table:<20} {why}"));
    }
    let totals: Vec<String> = copied
        .totals
        .iter()
        .map(|(status, total)| format!("{status} {total}"))
        .collect();
    say(&format!(
        "comments by status: {} (the same on both sides)",
        if totals.is_empty() {
            "none".to_owned()
        } else {
            totals.join(", ")
        }
    ));
    say("every count matches; point `database` at the new URL and start the server");
    Ok(())
}

/// `backup` and `restore` copy a SQLite file; PostgreSQL has its own tools.
fn sqlite_only(settings: &Settings, command: &str) -> anyhow::Result<()> {
    let location = db::Location::of(&settings.database);
    if location.backend() == db::Backend::Postgres {
        anyhow::bail!(
            "{location} is a PostgreSQL database: `colloquy {command}` copies a SQLite file; \
             use PostgreSQL's own pg_dump and pg_restore instead (docs/scaling.md)"
        );
    }
    Ok(())
}

fn serve(mut settings: Settings, demo: bool, started: std::time::Instant) -> anyhow::Result<()> {
    init_tracing();
    settings.demo |= demo;
    let demo = settings.demo;
    // Held until the process ends: `restore` refuses while it is held. A
    // PostgreSQL database has no file of ours to lock.
    let _served = match db::Location::of(&settings.database) {
        db::Location::Sqlite(path) => Some(colloquy::backup::lock_for_serving(&path)?),
        db::Location::Postgres(_) => None,
    };
    let pool = open(&settings)?;
    {
        let mut conn = pool.get()?;
        if demo {
            if colloquy::demo::seed(&mut conn, &settings.official_name, &settings.spam.rules())? {
                tracing::info!("demo: sample posts and comments added");
            } else {
                tracing::info!("demo: the database already has posts; left as it is");
            }
        }
        if db::accounts::moderator_count(&mut conn)? == 0 {
            if demo {
                let secret: String = base64_password();
                let hash = password::hash(&secret).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
                db::accounts::create_moderator(
                    &mut conn,
                    "demo",
                    "Demo Moderator",
                    Role::Admin.as_str(),
                    &hash,
                    colloquy::domain::time::now(),
                )?;
                say(&format!(
                    "\n  Demo moderator created. Sign in as  demo  with password  {secret}\n  (shown once; create real accounts with `colloquy moderator add`)\n"
                ));
            } else {
                say(
                    "\n  No moderator account exists yet. Create the first one with:\n    colloquy moderator add NAME --role admin --password-stdin\n  (type the password, then Ctrl-D)\n",
                );
            }
        }
    }
    let listener = TcpListener::bind(&settings.bind)
        .with_context(|| format!("listening on {}", settings.bind))?;
    let address = listener.local_addr()?;
    if settings.public_url.is_none() {
        // `http://` + `bind`, with the port actually listened on.
        settings.public_url = Some(format!("http://{address}"));
    }
    actix_web::rt::System::new().block_on(async move {
        let server = colloquy::app::run(listener, pool, settings)?;
        say(&format!(
            "Colloquy is listening on http://{address}\n  blog:        http://{address}/\n  widget:      http://{address}/embed.js\n  moderators:  http://{address}/admin/\n  API:         http://{address}/api/v1/posts"
        ));
        tracing::info!(
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "ready"
        );
        server.await.context("serving")?;
        say("Colloquy stopped.");
        Ok(())
    })
}

fn base64_password() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>())
}

/// Prints a line for the operator; a closed standard output (a pipe whose
/// reader went away) is not worth crashing the server over.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
