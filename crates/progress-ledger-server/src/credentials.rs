//! Credentials: tokens for a unit with a role, stored only as SHA-256 hashes in a small JSON
//! file beside the ledger (`<data>/tokens.json`).
//!
//! sled allows one process per database, so the token store is not in the ledger: the CLI writes
//! the file (atomically, through a temporary file and a rename) while the server runs, and the
//! server re-reads it whenever its modification time or size changes. A token is shown once,
//! when it is created; only its hash is kept.
//!
//! With no token in the file the server runs in an open development mode: every request is
//! allowed and writes are recorded with the actor [`DEVELOPMENT_ACTOR`].

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use progress_ledger_core::plan::{Item, Plan};
use progress_ledger_core::projection::unit_aliases;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// File name of the token store inside the data directory.
pub const TOKENS_FILE: &str = "tokens.json";

/// Actor of events recorded in open development mode.
pub const DEVELOPMENT_ACTOR: &str = "development";

/// Prefix of every token, so that a leaked one is recognisable.
const TOKEN_PREFIX: &str = "plt_";

/// What a token allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Records updates of the items its unit leads or cooperates on.
    Recorder,
    /// Reads only.
    Auditor,
    /// Records updates of any indicator and revises targets.
    Admin,
}

impl Role {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Recorder => "recorder",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "recorder" => Ok(Role::Recorder),
            "auditor" => Ok(Role::Auditor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role {other:?}: expected recorder, auditor or admin"
            )),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One stored credential: never the token, only its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Short public id (the first 12 hex digits of the hash), for listing and revoking.
    pub id: String,
    /// The unit the token acts for; it becomes the actor of every event recorded with it.
    pub unit: String,
    /// What the token allows.
    pub role: Role,
    /// SHA-256 of the token, 64 hex digits.
    pub sha256: String,
    /// When it was created (RFC 3339).
    pub created: String,
}

/// The token file's content.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenFile {
    /// Format version of the file (1).
    pub version: u32,
    /// Every credential.
    pub tokens: Vec<TokenRecord>,
}

/// Errors of the token store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The file could not be read or written.
    #[error("token file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file is not a token file.
    #[error("token file {path} is malformed: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// A value given is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// No such token.
    #[error("no token with id {0:?}")]
    NotFound(String),
}

/// Hex SHA-256 of a token.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
    }
    hex
}

/// A new random token: the prefix and 32 bytes from the operating system's generator, in hex.
fn new_token() -> Result<String, CredentialError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| CredentialError::Invalid(format!("no random source: {e}")))?;
    let mut token = String::from(TOKEN_PREFIX);
    for byte in bytes {
        token.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        token.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
    }
    Ok(token)
}

/// The token file of a data directory.
#[derive(Clone, Debug)]
pub struct TokenStore {
    path: PathBuf,
}

impl TokenStore {
    /// The store at `<data>/tokens.json`.
    pub fn in_data_dir(data: &Path) -> Self {
        Self {
            path: data.join(TOKENS_FILE),
        }
    }

    /// The store at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Path of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> CredentialError {
        CredentialError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Reads the file; a missing file is an empty store.
    pub fn read(&self) -> Result<TokenFile, CredentialError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(TokenFile {
                    version: 1,
                    tokens: Vec::new(),
                });
            }
            Err(e) => return Err(self.io(e)),
        };
        let file: TokenFile =
            serde_json::from_str(&text).map_err(|e| CredentialError::Malformed {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
        if file.version != 1 {
            return Err(CredentialError::Malformed {
                path: self.path.clone(),
                reason: format!(
                    "version {} is not supported (this build reads 1)",
                    file.version
                ),
            });
        }
        Ok(file)
    }

    /// Writes the file atomically: a temporary file in the same directory, synced, then renamed
    /// over the old one, so a reader sees the old or the new file and never half of one.
    pub fn write(&self, file: &TokenFile) -> Result<(), CredentialError> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        let text = serde_json::to_string_pretty(file)
            .map_err(|e| CredentialError::Invalid(format!("cannot encode tokens: {e}")))?;
        let temp = dir.join(format!(".{TOKENS_FILE}.{}.tmp", std::process::id()));
        let result = (|| {
            let mut out = std::fs::File::create(&temp)?;
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
            out.sync_all()?;
            std::fs::rename(&temp, &self.path)?;
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result.map_err(|e| self.io(e))
    }

    /// Creates a token for `unit` with `role`, stores its hash, and returns the token (the only
    /// time it is ever shown) with its record.
    pub fn add(&self, unit: &str, role: Role) -> Result<(String, TokenRecord), CredentialError> {
        let unit = unit.trim();
        if unit.is_empty() || unit.len() > 200 || unit.chars().any(char::is_control) {
            return Err(CredentialError::Invalid(
                "a unit name must be 1 to 200 bytes of printable text".into(),
            ));
        }
        let mut file = self.read()?;
        let token = new_token()?;
        let sha256 = hash_token(&token);
        let record = TokenRecord {
            id: sha256[..12].to_owned(),
            unit: unit.to_owned(),
            role,
            sha256,
            created: jiff::Timestamp::now().to_string(),
        };
        file.version = 1;
        file.tokens.push(record.clone());
        self.write(&file)?;
        Ok((token, record))
    }

    /// Removes the token with this id (or unique id prefix of at least 6 digits).
    pub fn revoke(&self, id: &str) -> Result<TokenRecord, CredentialError> {
        let mut file = self.read()?;
        let matching: Vec<usize> = file
            .tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| id.len() >= 6 && t.id.starts_with(id))
            .map(|(i, _)| i)
            .collect();
        let [index] = matching[..] else {
            return Err(CredentialError::NotFound(id.to_owned()));
        };
        let removed = file.tokens.remove(index);
        self.write(&file)?;
        Ok(removed)
    }
}

/// Who is calling, once a token (or the lack of one) has been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// Open development mode: no token exists, everything is allowed.
    Development,
    /// A known token.
    Token {
        /// Its unit (the actor of what it records).
        unit: String,
        /// Its role.
        role: Role,
    },
    /// No token was presented, and reads are open.
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
}

/// Why a request's credential is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// No token was presented where one is needed (401).
    Missing,
    /// The token is not known (401).
    Unknown,
    /// The token store cannot be read (503; fail closed).
    Unavailable(String),
}

#[derive(Default)]
struct Cached {
    /// (modification time, length) of the file when it was read; `None`: no file.
    stamp: Option<(SystemTime, u64)>,
    loaded: bool,
    by_hash: HashMap<String, (String, Role)>,
    broken: Option<String>,
}

/// The server's view of the token store, re-read whenever the file changes.
pub struct Credentials {
    store: TokenStore,
    cached: Mutex<Cached>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("path", &self.store.path)
            .finish_non_exhaustive()
    }
}

/// How the server currently treats requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No token exists: everything is allowed.
    OpenDevelopment,
    /// Tokens exist: writes need one.
    Tokens {
        /// How many.
        count: usize,
    },
    /// The token file cannot be read: writes are refused.
    Unavailable,
}

impl Credentials {
    /// Credentials backed by `store`.
    pub fn new(store: TokenStore) -> Self {
        Self {
            store,
            cached: Mutex::new(Cached::default()),
        }
    }

    fn stamp(&self) -> Option<(SystemTime, u64)> {
        let meta = std::fs::metadata(&self.store.path).ok()?;
        Some((meta.modified().ok()?, meta.len()))
    }

    /// Re-reads the file if it changed, then runs `f` on the cached state.
    fn with_current<T>(&self, f: impl FnOnce(&Cached) -> T) -> T {
        let stamp = self.stamp();
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if !cached.loaded || cached.stamp != stamp {
            let before = cached.by_hash.len();
            cached.stamp = stamp;
            cached.loaded = true;
            match self.store.read() {
                Ok(file) => {
                    cached.by_hash = file
                        .tokens
                        .into_iter()
                        .map(|t| (t.sha256, (t.unit, t.role)))
                        .collect();
                    cached.broken = None;
                    let now = cached.by_hash.len();
                    if now == 0 {
                        tracing::warn!(
                            file = %self.store.path.display(),
                            "no token exists: OPEN DEVELOPMENT MODE, every request is allowed and writes are recorded as {DEVELOPMENT_ACTOR:?}; create one with `progress-ledger token add`"
                        );
                    } else if now != before {
                        tracing::info!(tokens = now, file = %self.store.path.display(), "credentials loaded");
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "token file unreadable: refusing requests that need a credential");
                    cached.by_hash.clear();
                    cached.broken = Some(e.to_string());
                }
            }
        }
        f(&cached)
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.with_current(|c| {
            if c.broken.is_some() {
                Mode::Unavailable
            } else if c.by_hash.is_empty() {
                Mode::OpenDevelopment
            } else {
                Mode::Tokens {
                    count: c.by_hash.len(),
                }
            }
        })
    }

    /// Checks the bearer token of a request. `required`: whether a request without one is
    /// refused (writes always; reads when the server requires tokens for reads).
    pub fn authenticate(&self, bearer: Option<&str>, required: bool) -> Result<Caller, Refused> {
        self.with_current(|c| {
            if let Some(reason) = &c.broken {
                return Err(Refused::Unavailable(reason.clone()));
            }
            if c.by_hash.is_empty() {
                return Ok(Caller::Development);
            }
            match bearer {
                None if required => Err(Refused::Missing),
                None => Ok(Caller::Anonymous),
                Some(token) => match c.by_hash.get(&hash_token(token)) {
                    Some((unit, role)) => Ok(Caller::Token {
                        unit: unit.clone(),
                        role: *role,
                    }),
                    None => Err(Refused::Unknown),
                },
            }
        })
    }
}

/// What a write does, for the permission check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    /// An update (progress, measurement, milestone, status, correction).
    Update,
    /// A target revision (admins only).
    TargetRevision,
}

/// Whether `caller` may record a write of `kind` on an indicator of `item` in `plan`, naming
/// `district` if it does. `Err` says why not, for a 403 answer.
///
/// Rules: development mode and admins may write anything; auditors and anonymous callers
/// nothing; a recorder only updates (not target revisions) of items whose lead or cooperating
/// units include its unit, spellings mapped through the plan's unit aliases. A recorder for one
/// of the plan's districts may update items that name the district set (各县(市)区…), and only
/// for its own district.
pub fn may_write(
    caller: &Caller,
    kind: WriteKind,
    indicator: &str,
    place: Option<(&Plan, &Item)>,
    district: Option<&str>,
) -> Result<(), String> {
    let (unit, role) = match caller {
        Caller::Development => return Ok(()),
        Caller::Anonymous => return Err("writing needs a token".into()),
        Caller::Token { unit, role } => (unit.as_str(), *role),
    };
    match role {
        Role::Admin => return Ok(()),
        Role::Auditor => return Err(format!("{unit} holds an auditor token, which only reads")),
        Role::Recorder => {}
    }
    if kind == WriteKind::TargetRevision {
        return Err("only an admin may revise a target".into());
    }
    // Unknown indicators are left to the ledger's check, which answers 422 unknown_indicator.
    let Some((plan, item)) = place else {
        return Ok(());
    };
    let aliases = unit_aliases(plan);
    let canonical = |name: &str| -> String {
        aliases
            .get(name.trim())
            .copied()
            .unwrap_or(name.trim())
            .to_owned()
    };
    let me = canonical(unit);
    let named = item
        .lead_units
        .iter()
        .chain(&item.cooperating_units)
        .any(|u| canonical(u) == me);
    if named {
        return Ok(());
    }
    let is_district = plan.districts.iter().any(|d| d.name == me);
    let names_district_set = item
        .lead_units
        .iter()
        .chain(&item.cooperating_units)
        .any(|u| u.starts_with('各') && (u.contains('县') || u.contains('区')));
    if is_district && names_district_set {
        return match district {
            Some(d) if d != me => Err(format!(
                "{me} may record only for its own district, not {d}"
            )),
            _ => Ok(()),
        };
    }
    Err(format!(
        "{me} is neither a lead nor a cooperating unit of the item of indicator {indicator}"
    ))
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
        let credentials = Credentials::new(store.clone());
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
        assert_eq!(credentials.mode(), Mode::OpenDevelopment);
    }

    #[test]
    fn a_malformed_token_file_fails_closed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = TokenStore::in_data_dir(dir.path());
        std::fs::write(store.path(), "{ not json").expect("write");
        let credentials = Credentials::new(store);
        assert_eq!(credentials.mode(), Mode::Unavailable);
        assert!(matches!(
            credentials.authenticate(None, false),
            Err(Refused::Unavailable(_))
        ));
    }
}
