//! Password hashing with argon2id at the OWASP ASVS (v5, appendix C)
//! parameters: 19 MiB of memory, two passes, one lane. Hashing is CPU-bound
//! and takes tens of milliseconds, so callers run it off the async runtime.
//!
//! The 19 MiB of working memory is passed in and reused ([`Workspace`]),
//! not allocated per hash: the allocator keeps large blocks it has freed
//! once, so a flood of logins that each allocated their own grew the
//! process by hundreds of megabytes (measured: 500 MB for 500 logins).

use argon2::password_hash::{Output, ParamsString};
use argon2::password_hash::{PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Memory cost in KiB (19 MiB), time cost and parallelism per ASVS.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const LANES: u32 = 1;

/// Working memory for one hash at a time.
pub struct Workspace(Vec<Block>);

impl Workspace {
    pub fn new() -> Self {
        Self(vec![Block::new(); MEMORY_KIB as usize])
    }

    /// The first `count` blocks, growing (once) for a stored hash made with
    /// more memory than today's parameters.
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() < count {
            self.0.resize(count, Block::new());
        }
        &mut self.0[..count]
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

/// Workspaces kept for reuse; holds at most as many as were ever in use
/// at once (bounded by the caller's concurrency limit).
#[derive(Default)]
pub struct WorkspacePool(std::sync::Mutex<Vec<Workspace>>);

impl WorkspacePool {
    pub fn take(&self) -> Workspace {
        self.lock().pop().unwrap_or_default()
    }

    pub fn put(&self, work: Workspace) {
        self.lock().push(work);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Workspace>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn params() -> anyhow::Result<Params> {
    Params::new(MEMORY_KIB, ITERATIONS, LANES, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))
}

/// A PHC-format argon2id hash of `password` with a fresh random salt.
pub fn hash(password: &str, work: &mut Workspace) -> anyhow::Result<String> {
    let params = params()?;
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out,
            work.blocks(params.block_count()),
        )
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("{e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("{e}"))?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a stored PHC argon2id hash in constant time;
/// a malformed hash never matches.
pub fn verify(password: &str, phc: &str, work: &mut Workspace) -> bool {
    recompute(password, phc, work).is_some_and(|(got, expected)| got == expected)
}

/// The hash of `password` under the stored hash's own salt and parameters,
/// beside the stored one.
fn recompute(password: &str, phc: &str, work: &mut Workspace) -> Option<(Output, Output)> {
    let parsed = PasswordHash::new(phc).ok()?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return None;
    }
    let expected = parsed.hash?;
    let params = Params::try_from(&parsed).ok()?;
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .ok()?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    let mut out = vec![0u8; expected.len()];
    Argon2::new(Algorithm::Argon2id, version, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            work.blocks(params.block_count()),
        )
        .ok()?;
    Some((Output::new(&out).ok()?, expected))
}

/// A hash of a random password, verified against when the email is unknown so
/// that unknown and known accounts take the same time to refuse.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        hash(&crate::security::token::generate(), &mut Workspace::new()).unwrap_or_default()
    });
    &DUMMY
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hash_is_argon2id_with_asvs_parameters_and_verifies() {
        let work = &mut Workspace::new();
        let h = hash("a long enough passphrase", work).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("a long enough passphrase", &h, work));
        assert!(!verify("a long enough passphrasE", &h, work));
        assert!(!verify("anything", "not a hash", work));
    }

    #[test]
    fn hashes_agree_with_the_reference_implementation_both_ways() {
        let work = &mut Workspace::new();
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params().unwrap());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = reference
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(verify("correct horse battery", &theirs, work));
        let ours = hash("correct horse battery", work).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            reference
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
    }

    #[test]
    fn a_hash_made_with_more_memory_still_verifies() {
        let bigger = Params::new(MEMORY_KIB * 2, 1, 1, None).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, bigger)
            .hash_password(b"older parameters here", &salt)
            .unwrap()
            .to_string();
        assert!(verify("older parameters here", &phc, &mut Workspace::new()));
    }

    #[test]
    fn salts_differ() {
        let work = &mut Workspace::new();
        assert_ne!(
            hash("same password here", work).unwrap(),
            hash("same password here", work).unwrap()
        );
    }
}
