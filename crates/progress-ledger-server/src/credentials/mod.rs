//! Credentials: tokens for a unit with a role, stored only as SHA-256 hashes in a small JSON
//! file beside the ledger (`<data>/tokens.json`), and the server's view of them.
//!
//! sled allows one process per database, so the token store is not in the ledger: the CLI writes
//! the file while the server runs, and the server re-reads it whenever its size, times, inode or
//! mode change. Each command that changes the file holds an exclusive lock on
//! `<data>/tokens.json.lock` from its read to its write, so two commands at once neither lose a
//! new token nor bring back a revoked one; the file is written through a temporary file created
//! with mode 0600 and renamed over the old one, so a reader sees the old file or the new, never
//! half of one. A token is shown once, when it is created; only its hash is kept. A token may
//! carry an expiry, after which it is refused.
//!
//! **Closed by default.** The server is in one of four [`Mode`]s, decided on every request:
//!
//! - no credentials were ever created here (neither the token file nor its lock file exists)
//!   and the server was started for open development ([`Credentials::open_development`]):
//!   every request is allowed and writes are recorded as [`DEVELOPMENT_ACTOR`];
//! - no credentials were ever created and the server was not started for open development:
//!   writes are refused (401, with how to create a token), reads are served unless they need
//!   a token;
//! - the file was read: writes need one of its tokens (an empty list refuses every write);
//! - credentials were created here but the file is missing, empty, malformed or unreadable
//!   (a mode that denies its owner reading it counts as unreadable, even for root):
//!   everything that needs a credential is refused (503). It never opens: once a running
//!   server has seen credentials it stays closed, and the lock file, which token commands
//!   leave behind, keeps a restarted one closed.

mod store;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use jiff::Timestamp;
use progress_ledger_core::Identity;

pub use progress_ledger_core::Role;
pub use store::{CredentialError, TokenFile, TokenRecord, TokenStore, hash_token};

/// File name of the token store inside the data directory.
pub const TOKENS_FILE: &str = "tokens.json";

/// File name of the lock token commands hold while they change the token file. It is never
/// removed: its presence says that credentials were created in this data directory.
pub const LOCK_FILE: &str = "tokens.json.lock";

/// Actor of events recorded in open development mode.
pub const DEVELOPMENT_ACTOR: &str = "development";

/// Who is calling, once a token (or the lack of one) has been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// Open development mode: no credentials exist, everything is allowed.
    Development,
    /// A known token.
    Token {
        /// Its public id (to check it again later).
        id: String,
        /// Its unit (the actor of what it records).
        unit: String,
        /// Its role.
        role: Role,
    },
    /// No token was presented, and the request does not need one.
    Anonymous,
}

impl Caller {
    /// The actor recorded for this caller's writes.
    pub fn actor(&self) -> &str {
        match self {
            Caller::Token { unit, .. } => unit,
            Caller::Development | Caller::Anonymous => DEVELOPMENT_ACTOR,
        }
    }

    /// The identity the core's ownership rules apply to: an admin in open development mode,
    /// the token's unit and role, none for an anonymous caller.
    pub fn identity(&self) -> Option<Identity> {
        match self {
            Caller::Development => Some(Identity::admin(DEVELOPMENT_ACTOR)),
            Caller::Token { unit, role, .. } => Some(Identity::new(unit.clone(), *role)),
            Caller::Anonymous => None,
        }
    }
}

/// Why a request's credential is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// No token was presented where one is needed (401).
    Missing,
    /// No credentials were ever created and the server is not in open development mode: a
    /// token is needed and none can match (401).
    NoTokens,
    /// The token is not known, or was revoked (401).
    Unknown,
    /// The token has expired (401).
    Expired,
    /// The token store cannot be read, or is gone after credentials were created (503; fail
    /// closed).
    Unavailable(String),
}

/// How the server currently treats requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Started for open development, and no credentials were ever created: everything is
    /// allowed.
    OpenDevelopment,
    /// No credentials were ever created, and the server was not started for open development:
    /// writes are refused.
    NoTokens,
    /// The token file was read: writes need one of its tokens.
    Tokens {
        /// How many (expired ones included).
        count: usize,
    },
    /// Credentials were created, but the token file is missing or cannot be read: everything
    /// that needs a credential is refused.
    Unavailable,
}

/// A token as the server keeps it.
#[derive(Clone, Debug)]
struct Grant {
    id: String,
    unit: String,
    role: Role,
    expires: Option<Timestamp>,
}

impl Grant {
    fn check(&self, now: Timestamp) -> Result<Caller, Refused> {
        if self.expires.is_some_and(|at| at <= now) {
            return Err(Refused::Expired);
        }
        Ok(Caller::Token {
            id: self.id.clone(),
            unit: self.unit.clone(),
            role: self.role,
        })
    }
}

/// What the file said when it was last read.
#[derive(Clone, Debug, Default)]
enum FileState {
    /// No credentials were ever created.
    #[default]
    NeverCreated,
    /// Read: the tokens are in `by_hash`.
    Read,
    /// Missing after credentials were created, or unreadable: why.
    Broken(String),
}

/// What identifies a version of the token file: any change to it (a rewrite, a replacement by
/// rename, a `chmod`) changes one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
    /// Inode, change time (seconds, nanoseconds) and mode, where the system has them.
    #[cfg(unix)]
    unix: (u64, i64, i64, u32),
}

impl FileStamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt as _;
        Self {
            modified: meta.modified().ok(),
            len: meta.len(),
            #[cfg(unix)]
            unix: (meta.ino(), meta.ctime(), meta.ctime_nsec(), meta.mode()),
        }
    }
}

#[derive(Default)]
struct Cached {
    /// What the file was when it was read (`None` for no file), and whether credentials had
    /// been created.
    stamp: Option<(Option<FileStamp>, bool)>,
    by_hash: HashMap<String, Grant>,
    state: FileState,
}

/// The server's view of the token store, re-read whenever the file changes.
pub struct Credentials {
    store: TokenStore,
    open: bool,
    /// Latched once credentials are seen: the server never goes back to open development.
    seen: AtomicBool,
    cached: Mutex<Cached>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("path", &self.store.path())
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Credentials backed by `store`, closed by default: with no credentials created, writes
    /// are refused.
    pub fn new(store: TokenStore) -> Self {
        Self {
            store,
            open: false,
            seen: AtomicBool::new(false),
            cached: Mutex::new(Cached::default()),
        }
    }

    /// Credentials backed by `store` that allow everything while no credentials were ever
    /// created there (open development mode); the first token created closes them for good.
    pub fn open_development(store: TokenStore) -> Self {
        Self {
            open: true,
            ..Self::new(store)
        }
    }

    /// The store.
    pub fn store(&self) -> &TokenStore {
        &self.store
    }

    fn stamp(&self) -> (Option<FileStamp>, bool) {
        let file = std::fs::metadata(self.store.path())
            .ok()
            .map(|meta| FileStamp::of(&meta));
        let created = file.is_some() || self.store.lock_path().exists();
        if created {
            self.seen.store(true, Ordering::Release);
        }
        (file, self.seen.load(Ordering::Acquire))
    }

    /// Re-reads the file if it changed, then runs `f` on the cached state.
    fn with_current<T>(&self, f: impl FnOnce(&Cached) -> T) -> T {
        let stamp = self.stamp();
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if cached.stamp != Some(stamp) {
            cached.stamp = Some(stamp);
            self.reload(&mut cached, stamp);
        }
        f(&cached)
    }

    fn reload(&self, cached: &mut Cached, (file, created): (Option<FileStamp>, bool)) {
        let path = self.store.path().display();
        cached.by_hash.clear();
        if file.is_none() {
            cached.state = if created {
                let reason = format!(
                    "the token file {path} is missing, but credentials were created here; restore it or create a token with `progress-ledger token add`"
                );
                tracing::error!("{reason}: refusing requests that need a credential");
                FileState::Broken(reason)
            } else {
                if self.open {
                    tracing::warn!(
                        file = %path,
                        "no credentials exist: OPEN DEVELOPMENT MODE, every request is allowed and writes are recorded as {DEVELOPMENT_ACTOR:?}; the first `progress-ledger token add` ends it"
                    );
                } else {
                    tracing::warn!(
                        file = %path,
                        "no credentials exist: writes are refused; create a token with `progress-ledger token add`, or start the server with --open (loopback only) for local development"
                    );
                }
                FileState::NeverCreated
            };
            return;
        }
        match unreadable_by_mode(self.store.path()).map_or_else(|| self.store.read(), Err) {
            Ok(contents) => {
                warn_if_shared(self.store.path());
                for token in contents.tokens {
                    // `read` checked every expiry.
                    let expires = token.expires_at().ok().flatten();
                    cached.by_hash.insert(
                        token.sha256,
                        Grant {
                            id: token.id,
                            unit: token.unit,
                            role: token.role,
                            expires,
                        },
                    );
                }
                tracing::info!(tokens = cached.by_hash.len(), file = %path, "credentials loaded");
                cached.state = FileState::Read;
            }
            Err(error) => {
                tracing::error!(%error, "token file unreadable: refusing requests that need a credential");
                cached.state = FileState::Broken(error.to_string());
            }
        }
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.with_current(|c| match c.state {
            FileState::NeverCreated if self.open => Mode::OpenDevelopment,
            FileState::NeverCreated => Mode::NoTokens,
            FileState::Read => Mode::Tokens {
                count: c.by_hash.len(),
            },
            FileState::Broken(_) => Mode::Unavailable,
        })
    }

    /// Checks the bearer token of a request. `required`: whether a request without one is
    /// refused (writes always; reads when the server requires tokens for reads).
    pub fn authenticate(&self, bearer: Option<&str>, required: bool) -> Result<Caller, Refused> {
        let now = Timestamp::now();
        self.with_current(|c| match (&c.state, bearer) {
            (FileState::NeverCreated, _) if self.open => Ok(Caller::Development),
            (_, None) if !required => Ok(Caller::Anonymous),
            (FileState::NeverCreated, _) => Err(Refused::NoTokens),
            (FileState::Broken(reason), _) => Err(Refused::Unavailable(reason.clone())),
            (FileState::Read, None) => Err(Refused::Missing),
            (FileState::Read, Some(token)) => match c.by_hash.get(&hash_token(token)) {
                Some(grant) => grant.check(now),
                None => Err(Refused::Unknown),
            },
        })
    }

    /// Checks again a caller authenticated earlier (a live feed does, while it runs): a token
    /// must still be in the file and not expired; a caller without one must still be allowed
    /// without one (`required`: whether the request needs a token).
    pub fn recheck(&self, caller: &Caller, required: bool) -> Result<(), Refused> {
        let now = Timestamp::now();
        self.with_current(|c| match (caller, &c.state) {
            (Caller::Token { .. }, FileState::Broken(reason)) => {
                Err(Refused::Unavailable(reason.clone()))
            }
            (Caller::Token { id, .. }, _) => match c.by_hash.values().find(|g| &g.id == id) {
                Some(grant) => grant.check(now).map(|_| ()),
                None => Err(Refused::Unknown),
            },
            (Caller::Development, FileState::NeverCreated) if self.open => Ok(()),
            (Caller::Development | Caller::Anonymous, _) if !required => Ok(()),
            (Caller::Development | Caller::Anonymous, FileState::Broken(reason)) => {
                Err(Refused::Unavailable(reason.clone()))
            }
            (Caller::Development | Caller::Anonymous, _) => Err(Refused::Missing),
        })
    }
}

/// An error if the token file's mode denies its owner reading it (`chmod 000`): the server
/// honours that even where it could read the file anyway (as root), so that taking the read
/// permission away disables the credentials, and never opens the server.
fn unreadable_by_mode(path: &Path) -> Option<CredentialError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        if mode & 0o400 == 0 {
            return Some(CredentialError::Io {
                path: path.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "its mode {:o} denies its owner reading it; `chmod 600` it to use it",
                        mode & 0o777
                    ),
                ),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    None
}

/// Logs a warning if the token file may be read by others than its owner.
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    file = %path.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the token file may be read by other users; `chmod 600` it (token commands write it 0600)"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hashes_are_hex_sha256() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn tokens_are_stored_only_as_hashes_and_reloaded_on_change() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = TokenStore::in_data_dir(dir.path());
        let credentials = Credentials::open_development(store.clone());
        assert_eq!(credentials.mode(), Mode::OpenDevelopment);
        assert_eq!(
            credentials.authenticate(None, true),
            Ok(Caller::Development)
        );
        let (token, record) = store.add("市卫健委", Role::Recorder).expect("add");
        let text = std::fs::read_to_string(store.path()).expect("read");
        assert!(!text.contains(&token));
        assert!(text.contains(&record.sha256));
        assert_eq!(credentials.mode(), Mode::Tokens { count: 1 });
        assert_eq!(
            credentials.authenticate(Some(&token), true),
            Ok(Caller::Token {
                id: record.id.clone(),
                unit: "市卫健委".into(),
                role: Role::Recorder
            })
        );
        assert_eq!(
            credentials.authenticate(Some("plt_wrong"), false),
            Err(Refused::Unknown)
        );
        assert_eq!(credentials.authenticate(None, true), Err(Refused::Missing));
        assert_eq!(credentials.authenticate(None, false), Ok(Caller::Anonymous));
        store.revoke(&record.id).expect("revoke");
        assert_eq!(
            credentials.mode(),
            Mode::Tokens { count: 0 },
            "revoking the last token does not open the server"
        );
        assert_eq!(credentials.authenticate(None, true), Err(Refused::Missing));
    }

    #[test]
    fn closed_by_default_and_never_open_again_once_credentials_were_created() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = TokenStore::in_data_dir(dir.path());
        let closed = Credentials::new(store.clone());
        assert_eq!(closed.mode(), Mode::NoTokens);
        assert_eq!(closed.authenticate(None, true), Err(Refused::NoTokens));
        assert_eq!(closed.authenticate(None, false), Ok(Caller::Anonymous));

        let open = Credentials::open_development(store.clone());
        store.add("市卫健委", Role::Admin).expect("add");
        assert!(matches!(open.mode(), Mode::Tokens { .. }));
        std::fs::remove_file(store.path()).expect("remove");
        assert_eq!(
            open.mode(),
            Mode::Unavailable,
            "a removed file does not open it"
        );
        let restarted = Credentials::open_development(store.clone());
        assert_eq!(
            restarted.mode(),
            Mode::Unavailable,
            "the lock file keeps a restarted server closed"
        );
    }

    #[test]
    fn a_malformed_token_file_fails_closed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = TokenStore::in_data_dir(dir.path());
        std::fs::write(store.path(), "{ not json").expect("write");
        let credentials = Credentials::open_development(store);
        assert_eq!(credentials.mode(), Mode::Unavailable);
        assert!(matches!(
            credentials.authenticate(None, true),
            Err(Refused::Unavailable(_))
        ));
        assert_eq!(
            credentials.authenticate(None, false),
            Ok(Caller::Anonymous),
            "reads that need no token are served"
        );
    }

    #[test]
    fn an_expired_token_is_refused_and_written_files_are_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = TokenStore::in_data_dir(dir.path());
        let soon = Timestamp::now() + jiff::SignedDuration::from_millis(300);
        let (token, record) = store
            .add_expiring("市卫健委", Role::Recorder, Some(soon))
            .expect("add");
        let credentials = Credentials::new(store.clone());
        let caller = credentials
            .authenticate(Some(&token), true)
            .expect("valid for now");
        std::thread::sleep(std::time::Duration::from_millis(400));
        assert_eq!(
            credentials.authenticate(Some(&token), true),
            Err(Refused::Expired)
        );
        assert_eq!(credentials.recheck(&caller, false), Err(Refused::Expired));
        assert!(record.is_expired(Timestamp::now()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            for path in [store.path().to_owned(), store.lock_path()] {
                let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{}", path.display());
            }
        }
    }
}
