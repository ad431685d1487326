//! The token file: records, its format, and the store token commands change under a lock.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Role, TOKENS_FILE};

/// Prefix of every token, so that a leaked one is recognisable.
const TOKEN_PREFIX: &str = "plt_";

/// Format version written. Version 1 files (no expiries) are read too; a server of version 1
/// refuses a version 2 file (it fails closed rather than ignore an expiry).
const FILE_VERSION: u32 = 2;

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
    /// When it stops being accepted (RFC 3339), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

impl TokenRecord {
    /// The expiry as a time; an expiry that does not parse is an error (the file is refused).
    pub fn expires_at(&self) -> Result<Option<Timestamp>, String> {
        self.expires
            .as_deref()
            .map(|text| {
                text.parse::<Timestamp>()
                    .map_err(|e| format!("token {} expires at {text:?}, not a time: {e}", self.id))
            })
            .transpose()
    }

    /// Whether the token has expired at `now` (a malformed expiry counts as expired).
    pub fn is_expired(&self, now: Timestamp) -> bool {
        match self.expires_at() {
            Ok(expires) => expires.is_some_and(|at| at <= now),
            Err(_) => true,
        }
    }
}

/// The token file's content.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenFile {
    /// Format version of the file (1 or 2).
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
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token: the prefix and 32 bytes from the operating system's generator, in hex.
fn new_token() -> Result<String, CredentialError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| CredentialError::Invalid(format!("no random source: {e}")))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

/// Opens (creating it if needed) a file only its owner may read and write.
fn create_private(path: &Path, truncate: bool) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options
        .read(true)
        .write(true)
        .create(true)
        .truncate(truncate);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
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

    /// Path of the lock file beside it (`tokens.json.lock` for `tokens.json`).
    pub fn lock_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    fn dir(&self) -> &Path {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    fn io(&self, source: std::io::Error) -> CredentialError {
        CredentialError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Whether credentials were ever created here: the token file or its lock file exists.
    pub fn credentials_created(&self) -> bool {
        self.path.exists() || self.lock_path().exists()
    }

    /// Takes the exclusive lock of token commands; it is released when the file is dropped.
    fn lock(&self) -> Result<File, CredentialError> {
        std::fs::create_dir_all(self.dir()).map_err(|e| self.io(e))?;
        let lock = create_private(&self.lock_path(), false).map_err(|e| self.io(e))?;
        fs2::FileExt::lock_exclusive(&lock).map_err(|e| self.io(e))?;
        Ok(lock)
    }

    /// Reads the file; a missing file is an empty store.
    pub fn read(&self) -> Result<TokenFile, CredentialError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(TokenFile {
                    version: FILE_VERSION,
                    tokens: Vec::new(),
                });
            }
            Err(e) => return Err(self.io(e)),
        };
        let malformed = |reason: String| CredentialError::Malformed {
            path: self.path.clone(),
            reason,
        };
        let file: TokenFile = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
        if !(1..=FILE_VERSION).contains(&file.version) {
            return Err(malformed(format!(
                "version {} is not supported (this build reads 1 to {FILE_VERSION})",
                file.version
            )));
        }
        for token in &file.tokens {
            token.expires_at().map_err(malformed)?;
        }
        Ok(file)
    }

    /// Writes the file atomically: a temporary file in the same directory, created with mode
    /// 0600, synced, then renamed over the old one, so a reader sees the old or the new file
    /// and never half of one. Callers that read, change and write hold the lock throughout.
    pub fn write(&self, file: &TokenFile) -> Result<(), CredentialError> {
        let dir = self.dir();
        std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        let text = serde_json::to_string_pretty(file)
            .map_err(|e| CredentialError::Invalid(format!("cannot encode tokens: {e}")))?;
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let temp = dir.join(format!(".{TOKENS_FILE}.{}.{nanos}.tmp", std::process::id()));
        let result = (|| {
            let mut out = create_private(&temp, true)?;
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
            out.sync_all()?;
            std::fs::rename(&temp, &self.path)?;
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result.map_err(|e| self.io(e))
    }

    /// Creates a token for `unit` with `role` that never expires, stores its hash, and returns
    /// the token (the only time it is ever shown) with its record.
    pub fn add(&self, unit: &str, role: Role) -> Result<(String, TokenRecord), CredentialError> {
        self.add_expiring(unit, role, None)
    }

    /// [`TokenStore::add`], with a time after which the token is refused.
    pub fn add_expiring(
        &self,
        unit: &str,
        role: Role,
        expires: Option<Timestamp>,
    ) -> Result<(String, TokenRecord), CredentialError> {
        let unit = unit.trim();
        if unit.is_empty() || unit.len() > 200 || unit.chars().any(char::is_control) {
            return Err(CredentialError::Invalid(
                "a unit name must be 1 to 200 bytes of printable text".into(),
            ));
        }
        let now = Timestamp::now();
        if expires.is_some_and(|at| at <= now) {
            return Err(CredentialError::Invalid(
                "the expiry is not in the future".into(),
            ));
        }
        let _lock = self.lock()?;
        let mut file = self.read()?;
        let token = new_token()?;
        let sha256 = hash_token(&token);
        let record = TokenRecord {
            id: sha256[..12].to_owned(),
            unit: unit.to_owned(),
            role,
            sha256,
            created: now.to_string(),
            expires: expires.map(|at| at.to_string()),
        };
        file.version = FILE_VERSION;
        file.tokens.push(record.clone());
        self.write(&file)?;
        Ok((token, record))
    }

    /// Removes the token with this id (or unique id prefix of at least 6 digits).
    pub fn revoke(&self, id: &str) -> Result<TokenRecord, CredentialError> {
        let _lock = self.lock()?;
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
        file.version = FILE_VERSION;
        self.write(&file)?;
        Ok(removed)
    }
}
