//! The command line, as clap derive types. The doc comments are the help text.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use progress_ledger_server::dto::UpdateType;

/// An event-sourced progress ledger for government action plans.
///
/// Every update of an indicator is an immutable, hash-chained event. The data directory holds
/// the ledger (`<data>/ledger`, which one process at a time may open) and the
/// token file (`<data>/tokens.json`). While `serve` runs, use the HTTP API to read and write;
/// `token add` works alongside it.
#[derive(Debug, Parser)]
#[command(name = "progress-ledger", version, propagate_version = true)]
pub struct Cli {
    /// Data directory: the ledger is `<data>/ledger`, tokens are in `<data>/tokens.json`.
    #[arg(long, value_name = "DIR", default_value = "./data", global = true)]
    pub data: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API. With no arguments: opens ./data, loads the Hefei 2023 plan if the
    /// ledger has no plan, and listens on 127.0.0.1:8080. Reads are open; writes need a token
    /// (`token add`), or `--open` for local development. Ctrl-C or SIGTERM stops it gracefully.
    Serve(ServeArgs),
    /// Plans: import a plan document into a draft, or show the plan loaded in the ledger.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Record an update from the command line, or every filled row of a progress sheet with
    /// --from (local and trusted: the actor is given here, and the ownership rules, which apply
    /// to the server's tokens, do not).
    Record(Box<RecordArgs>),
    /// Write a unit's progress sheet (进度表) to fill: the workbook of
    /// GET /v1/templates/{unit}.xlsx, listing the indicators the unit may write. Fill it and
    /// record it with `record --from`.
    Template(TemplateArgs),
    /// Show progress now, as recorded at a time, as effective on a date, or both.
    Progress(ProgressArgs),
    /// Show the trail of one indicator: every event, and what the indicator stood at after it.
    History(HistoryArgs),
    /// Print the supervision report (督查通报) for a date.
    Report(ReportArgs),
    /// Explain where a figure comes from: the target in force, every update counted and voided
    /// (with its event), the arithmetic step by step, the rollups up to the plan, the head.
    Explain(ExplainArgs),
    /// Show what changed in the figures for a date between two recorded times, and why.
    Restatements(RestatementsArgs),
    /// Recompute the hash chain; exits with status 3 if a problem is found.
    Verify(VerifyArgs),
    /// Export every event to a JSON Lines file.
    Export(ExportArgs),
    /// Import a JSON Lines export into an empty ledger, checking the whole chain and every
    /// update against the plan first; lists the actors the events name.
    Import(ImportArgs),
    /// Credentials for the server.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The log's signing key (for signed checkpoints).
    #[command(subcommand)]
    Key(KeyCommand),
    /// Sign a checkpoint of every event (C2SP tlog-checkpoint, signed note) and print it; while
    /// the server holds the ledger, print the last one it published.
    Checkpoint,
    /// Print an inclusion or consistency proof as JSON (the files `progress-ledger-verify`
    /// reads). Works beside a running server.
    #[command(subcommand)]
    Prove(ProveCommand),
}

/// `key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make the log's Ed25519 key in the data directory (`log-key`, mode 0600) and print its
    /// verifier key (`<name>+<key id>+<base64>`) to publish. Never replaces an existing key.
    Init {
        /// The log's origin, the name every checkpoint carries (default:
        /// progress-ledger/<plan id>).
        #[arg(long)]
        origin: Option<String>,
    },
    /// Print the verifier key of the log's key.
    Show,
}

/// `prove …`.
#[derive(Debug, Subcommand)]
pub enum ProveCommand {
    /// That event SEQ is in the tree of SIZE events (leaf index SEQ - 1; its entry is the
    /// event's hash).
    Inclusion {
        /// The event's sequence number.
        #[arg(long)]
        seq: u64,
        /// The tree size, a checkpoint's (default: every event).
        #[arg(long)]
        size: Option<u64>,
    },
    /// That the tree of TO events extends the tree of FROM events.
    Consistency {
        /// The older tree size (at least 1).
        #[arg(long)]
        from: u64,
        /// The newer tree size (default: every event).
        #[arg(long)]
        to: Option<u64>,
    },
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Serve only the API: no dashboard or recording form (`/` answers 404).
    #[arg(long)]
    pub no_pages: bool,
    /// See the pages populated: simulated figures for the Hefei 2023 plan (模拟数据, labelled
    /// on every page), in a fresh temporary directory removed at exit (never in --data), with
    /// tokens to try the recording form printed at startup.
    #[arg(long, conflicts_with_all = ["plan", "no_pages"])]
    pub demo: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Plan file to load (its changes are recorded as events); default: the built-in Hefei
    /// 2023 plan, loaded only if the ledger has no plan yet.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Require a token for reads too (writes always need one).
    #[arg(long)]
    pub require_token_for_reads: bool,
    /// Open development mode: every request is allowed, writes are recorded as "development".
    /// Only on a loopback address, and only in a data directory where no token was ever
    /// created (the first `token add` ends it for good).
    #[arg(long)]
    pub open: bool,
    /// Seconds a client may take to send a request's head (also the longest idle time between
    /// requests on a kept-alive connection).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a client may take to send a request's body.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub body_timeout: u64,
    /// Seconds a write may wait for the client to read before the connection is closed (a
    /// live-feed client that stops reading is dropped after it).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub send_timeout: u64,
    /// Most costly requests (verifications, replays as of a time, reports, histories) computed
    /// at once; more answer 503 busy with Retry-After (default: half the cores, at least 1).
    #[arg(long, value_name = "N")]
    pub max_costly: Option<usize>,
}

/// `plan …`.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Read a plan document (一、 (一) 1. (1) headings, 〔牵头单位:…〕 brackets) and print the draft
    /// plan as JSON, with what could not be classified.
    Import {
        /// The document, as UTF-8 text.
        file: PathBuf,
        /// Print what tells how far to trust the draft (tasks, items, brackets, targets and how
        /// sure each is, lines not used) instead of the draft.
        #[arg(long)]
        report: bool,
    },
    /// Load a plan file into the ledger (default: the built-in Hefei 2023 plan). Loading the
    /// same plan again writes nothing; a changed file is recorded as definition events and
    /// target revisions.
    Load {
        /// A plan file (plan.toml) or a plan folder.
        file: Option<PathBuf>,
    },
    /// Show the plan loaded in the ledger and its indicators.
    Show {
        /// Print JSON (the plan tree, and the indicators with the fields of GET /v1/indicators).
        #[arg(long)]
        json: bool,
    },
}

/// The kinds of update `record --type` takes: the API's names.
fn update_type() -> impl TypedValueParser<Value = UpdateType> {
    PossibleValuesParser::new(UpdateType::ALL.map(UpdateType::name))
        .try_map(|name: String| UpdateType::from_name(&name).map_err(|e| e.message))
}

/// The flags of one update, which `record --from` does not take.
const ONE_UPDATE: [&str; 14] = [
    "indicator",
    "kind",
    "effective",
    "delta",
    "value",
    "district",
    "deliverable",
    "status",
    "corrects",
    "reason",
    "target",
    "note",
    "id",
    "expected_version",
];

/// `record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// A filled progress sheet (`.xlsx`, as `template` writes it, or the same columns as UTF-8
    /// CSV): every filled row is recorded as the server's `POST /v1/sheets` records it, all or
    /// nothing; if any row is refused, nothing is written and every refused row is listed by
    /// its row number in the sheet. Recording the same file again writes nothing (each row's
    /// event id comes from its content, or from its 记录编号 column).
    #[arg(long, value_name = "FILE", conflicts_with_all = ONE_UPDATE)]
    pub from: Option<PathBuf>,
    /// With --from: check every row and write nothing.
    #[arg(long, requires = "from")]
    pub dry_run: bool,
    /// Indicator id, e.g. t02-1-childcare-seats.
    #[arg(long, required_unless_present = "from")]
    pub indicator: Option<String>,
    /// Kind of update: progress (--delta, --district), measurement (--value, --district),
    /// milestone (--deliverable), status (--status not_started|in_progress|done), correction
    /// (--corrects, --reason), target_revised (--target, --reason), indicator_retired
    /// (--reason).
    #[arg(long = "type", value_parser = update_type(), required_unless_present = "from")]
    pub kind: Option<UpdateType>,
    /// Business date of the update, YYYY-MM-DD.
    #[arg(long, required_unless_present = "from")]
    pub effective: Option<String>,
    /// Who records it (the unit), e.g. 市卫健委; with --from, every row's actor.
    #[arg(long)]
    pub actor: String,
    /// progress: amount added (exact decimal).
    #[arg(long, allow_hyphen_values = true)]
    pub delta: Option<String>,
    /// measurement: the measured value (exact decimal).
    #[arg(long, allow_hyphen_values = true)]
    pub value: Option<String>,
    /// progress, measurement: district.
    #[arg(long)]
    pub district: Option<String>,
    /// milestone: the deliverable completed.
    #[arg(long)]
    pub deliverable: Option<String>,
    /// status: not_started, in_progress or done.
    #[arg(long)]
    pub status: Option<String>,
    /// correction: id of the update voided.
    #[arg(long)]
    pub corrects: Option<String>,
    /// correction, target_revised: why.
    #[arg(long)]
    pub reason: Option<String>,
    /// target_revised: the new target.
    #[arg(long, allow_hyphen_values = true)]
    pub target: Option<String>,
    /// Free text.
    #[arg(long)]
    pub note: Option<String>,
    /// Event id (UUID), to make a retry idempotent.
    #[arg(long)]
    pub id: Option<String>,
    /// Fail unless the indicator's stream is at this version.
    #[arg(long)]
    pub expected_version: Option<u64>,
    /// Print the result as JSON (with --from: the server's answer to `POST /v1/sheets`).
    #[arg(long)]
    pub json: bool,
}

/// `template`.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// The unit, as the plan names it or by an alias (e.g. 市卫健委), or one of its districts.
    #[arg(long)]
    pub unit: String,
    /// File to write (replaced if it exists; default: <unit>.xlsx in the current directory).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `progress`.
#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// As recorded at this time: RFC 3339, or YYYY-MM-DD meaning the end of that day (Asia/Shanghai).
    #[arg(long)]
    pub as_of: Option<String>,
    /// As effective on this date, YYYY-MM-DD.
    #[arg(long)]
    pub effective: Option<String>,
    /// Also list every indicator.
    #[arg(long)]
    pub indicators: bool,
    /// Also list every lead unit.
    #[arg(long)]
    pub units: bool,
    /// Print JSON (the same as GET /v1/progress).
    #[arg(long)]
    pub json: bool,
}

/// `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Indicator id.
    pub indicator: String,
    /// Only the steps of events with sequence numbers above this (a page, as the server
    /// answers it; the next page's is printed at the end).
    #[arg(long)]
    pub after: Option<u64>,
    /// At most this many steps (a page; default: all of them, or 1000 with --after).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print JSON (as GET /v1/indicators/{id}/history answers a page).
    #[arg(long)]
    pub json: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    /// Markdown, grouped by lead unit.
    Markdown,
    /// CSV, one row per unit and item.
    Csv,
    /// JSON (the same as GET /v1/report).
    Json,
    /// A workbook, one sheet per view (and one of restatements with --since): the same as
    /// GET /v1/report?format=xlsx. Written to --out (or to stdout when it is not a terminal).
    Xlsx,
}

/// `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The date reported on, YYYY-MM-DD (default: today in Asia/Shanghai).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: ReportFormat,
    /// The date of an earlier report: list what changed in its figures, and why.
    #[arg(long)]
    pub since: Option<String>,
    /// When that earlier report was computed: RFC 3339, or YYYY-MM-DD meaning the end of that
    /// day (default: the end of the --since date).
    #[arg(long, requires = "since")]
    pub since_as_of: Option<String>,
    /// File to write the report to (replaced if it exists), instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Indicator id (or --task, --category, --whole-plan).
    pub indicator: Option<String>,
    /// A task, by number.
    #[arg(long)]
    pub task: Option<u32>,
    /// A category, by number.
    #[arg(long)]
    pub category: Option<u32>,
    /// The whole plan (long: every counted update of every indicator).
    #[arg(long)]
    pub whole_plan: bool,
    /// As recorded at this time: RFC 3339, or YYYY-MM-DD meaning the end of that day (Asia/Shanghai).
    #[arg(long)]
    pub as_of: Option<String>,
    /// As effective on this date, YYYY-MM-DD.
    #[arg(long)]
    pub effective: Option<String>,
    /// Print JSON (the same as GET /v1/indicators/{id}/explain and the others).
    #[arg(long)]
    pub json: bool,
}

/// `restatements`.
#[derive(Debug, Args)]
pub struct RestatementsArgs {
    /// The earlier recorded-at time (when the earlier report was computed): RFC 3339, or
    /// YYYY-MM-DD meaning the end of that day (Asia/Shanghai).
    #[arg(long)]
    pub from: String,
    /// The later recorded-at time, as --from (default: now).
    #[arg(long)]
    pub to: Option<String>,
    /// The effective date whose figures are compared, YYYY-MM-DD.
    #[arg(long)]
    pub effective: String,
    /// Print JSON (the same as GET /v1/restatements).
    #[arg(long)]
    pub json: bool,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Sequence number of a head published earlier, to check the log against.
    #[arg(long, requires = "hash")]
    pub seq: Option<u64>,
    /// Hash of that head (64 hex digits).
    #[arg(long, requires = "seq")]
    pub hash: Option<String>,
    /// Print JSON (the same as GET /v1/verify).
    #[arg(long)]
    pub json: bool,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// File to write (replaced if it exists).
    pub file: PathBuf,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// JSON Lines export to read.
    pub file: PathBuf,
}

/// Roles of a token.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Records updates of the items its unit leads or cooperates on (a district: figures of its
    /// own district) and corrects its own events.
    Recorder,
    /// Reads only.
    Auditor,
    /// Records anything, corrects anyone's events, revises targets, retires indicators.
    Admin,
}

/// `token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a unit and print it once; only its hash is stored. Works while the
    /// server runs (it re-reads the token file).
    Add {
        /// The unit the token acts for, as the plan names it (e.g. 市卫健委); it becomes the
        /// actor of every event recorded with the token.
        #[arg(long)]
        unit: String,
        /// What the token allows.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// When the token stops being accepted: a time (RFC 3339, e.g. 2024-01-01T00:00:00+08:00)
        /// or a span from now (90d, 12h, 30m). Default: never.
        #[arg(long, value_name = "WHEN")]
        expires: Option<String>,
    },
    /// List the tokens (id, unit, role, created, expires; never the tokens themselves).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id (or a unique prefix of at least 6 characters).
    Revoke {
        /// The token's id, as `token list` shows it.
        id: String,
    },
}
