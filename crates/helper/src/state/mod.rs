//! Everything a request handler needs, built once at start: the validated config,
//! the resolver, the prober, the announcement store, the seal signer and the rate
//! limiters. Cheap to clone (one `Arc`).

pub(crate) mod dist;
pub mod embedded;
pub(crate) mod index;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::Config;
use crate::content::{Content, ContentError};
use crate::net::dns::{Resolver, ResolverError};
use crate::net::probe::{Connect, Prober, TcpConnect};
use crate::policy::ratelimit::{Limiters, Sweeps};
use crate::policy::seal::{SealError, Signer};
use crate::policy::status::{StatusError, StatusStore};

/// Why the helper could not get ready (files, resolver); printed, then exit.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the dist directory {} holds {what} {} ({key}, in {}): the helper would serve it to anyone. Keep it outside the app's files, at a path outside {}, or serve another directory with --dist", .dist.display(), .file.display(), .dir.display(), .dist.display())]
    DistHoldsSecret {
        dist: PathBuf,
        /// What the file holds, as a sentence's object ("the admin token").
        what: &'static str,
        file: PathBuf,
        /// The setting that names the file.
        key: &'static str,
        dir: PathBuf,
    },
    #[error("the dist directory {} holds the helper's state directory {} (status.file {}): the helper would serve it. Keep its state outside the app's files: set status.file to a path outside {}, or serve another directory with --dist", .dist.display(), .dir.display(), .status_file.display(), .dist.display())]
    DistHoldsState {
        dist: PathBuf,
        dir: PathBuf,
        status_file: PathBuf,
    },
    #[error(transparent)]
    Content(#[from] ContentError),
    #[error(transparent)]
    Resolver(#[from] ResolverError),
    #[error(transparent)]
    Status(#[from] StatusError),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("no randomness for the log key: {0}")]
    Randomness(#[source] getrandom::Error),
}

struct Inner {
    config: Config,
    dist: PathBuf,
    resolver: Resolver,
    prober: Prober,
    status: StatusStore,
    signer: Signer,
    limiters: Limiters,
    sweeps: Sweeps,
    /// A random key per process for hashing typed names in the log.
    log_key: [u8; 32],
    /// The configured servers' names as the log shows them, hashed once: every
    /// probe logs one.
    known_log_names: HashMap<String, String>,
    /// Alternate ports really listened on (after binding; port 0 becomes a real port).
    alt_ports: RwLock<Vec<u16>>,
    /// `index.html` in each encoding, once per version of the file.
    index: index::IndexCache,
    /// The troubleshooters and brand in service.
    content: Arc<Content>,
}

/// Shared state of every route.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// Builds the state with the real TCP connector.
    pub fn new(config: Config, dist: PathBuf) -> Result<AppState, StartError> {
        Self::with_connector(config, dist, Arc::new(TcpConnect))
    }

    /// Builds the state with another connector (tests count or guard connects).
    pub fn with_connector(
        config: Config,
        dist: PathBuf,
        connector: Arc<dyn Connect>,
    ) -> Result<AppState, StartError> {
        // Before the key or the status directory is created: never inside dist.
        dist::refuse_dist_holding_state(&dist, &config)?;
        // Linted before anything listens: a problem stops the start.
        let content = Arc::new(Content::open(&config)?);
        let resolver = Resolver::new(&config.dns)?;
        let prober = Prober::new(
            connector,
            config.probe.connect_timeout,
            config.probe.cache_ttl,
            config.allow_addresses.clone(),
            config.probe.max_in_flight,
        );
        let status = StatusStore::open(&config.status_file)?;
        let signer = Signer::load_or_create(&config.seal.key_file, &config.seal.trusted_keys)?;
        let limiters = Limiters::new(&config.rate_limit);
        let sweeps = Sweeps::new(config.probe.sweep_limit, config.probe.sweep_window);
        let mut log_key = [0u8; 32];
        getrandom::fill(&mut log_key).map_err(StartError::Randomness)?;
        let known_log_names = config
            .servers
            .iter()
            .map(|s| {
                let name = s.target.to_string();
                let hashed = crate::policy::privacy::keyed_hash(&log_key, &name);
                (name, hashed)
            })
            .collect();
        let alt_ports = RwLock::new(config.listen.alt_ports.clone());
        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                dist,
                resolver,
                prober,
                status,
                signer,
                limiters,
                sweeps,
                log_key,
                known_log_names,
                alt_ports,
                index: index::IndexCache::default(),
                content,
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }
    pub(crate) fn dist(&self) -> &std::path::Path {
        &self.inner.dist
    }
    pub(crate) fn index_cache(&self) -> &index::IndexCache {
        &self.inner.index
    }
    /// The content in service (reload it with [`Content::reload`]).
    pub fn content(&self) -> &Arc<Content> {
        &self.inner.content
    }
    pub(crate) fn resolver(&self) -> &Resolver {
        &self.inner.resolver
    }
    pub fn prober(&self) -> &Prober {
        &self.inner.prober
    }
    pub(crate) fn status(&self) -> &StatusStore {
        &self.inner.status
    }
    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }
    pub(crate) fn limiters(&self) -> &Limiters {
        &self.inner.limiters
    }
    pub(crate) fn sweeps(&self) -> &Sweeps {
        &self.inner.sweeps
    }

    /// A name as the log may show it: a keyed hash (16 hex digits), the same for the
    /// same name within one run, and saying nothing about the name without the key.
    pub fn log_name(&self, name: &str) -> String {
        match self.inner.known_log_names.get(name) {
            Some(hashed) => hashed.clone(),
            None => crate::policy::privacy::keyed_hash(&self.inner.log_key, name),
        }
    }

    /// The alternate ports the app is told about.
    pub(crate) fn alt_ports(&self) -> Vec<u16> {
        self.inner
            .alt_ports
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Records the alternate ports really bound (`serve` calls this).
    pub(crate) fn set_alt_ports(&self, ports: Vec<u16>) {
        *self
            .inner
            .alt_ports
            .write()
            .unwrap_or_else(|p| p.into_inner()) = ports;
    }
}

/// The helper's clock, Unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
