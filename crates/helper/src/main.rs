//! The `fixpath` command: `serve` (the helper), `lint` (tree files and content
//! directories), `graph` (a tree as a diagram) and `decode` (a findings link as text). Only argument parsing lives here; the work is in the
//! library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fixpath_helper::{cli, server, AppState};
use fixpath_helper::{Config, Content};

#[derive(Parser)]
#[command(
    name = "fixpath",
    version,
    about = "Fixpath: the helper and its command line"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app and the /api/v1 checks.
    Serve {
        /// Config file (TOML); without it the embedded demo config is used.
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// Port of the main listener (overrides listen.port; 0 picks a free one).
        #[arg(long, value_name = "N")]
        port: Option<u16>,
        /// The built app (Trunk's output); default: `dist` in the current directory.
        #[arg(long, value_name = "DIR")]
        dist: Option<PathBuf>,
        /// A content directory (`trees/*.toml`, `brand.toml`), served and reloaded
        /// as it changes (overrides `content`); without it, the shipped content.
        #[arg(long, value_name = "DIR")]
        content: Option<PathBuf>,
    },
    /// Lint tree files, directories of them, or content directories (default: trees/).
    Lint {
        #[arg(value_name = "PATHS")]
        paths: Vec<PathBuf>,
    },
    /// Print a tree as a Graphviz DOT graph (or, with --mermaid, a Mermaid flowchart).
    Graph {
        #[arg(value_name = "TREE.toml")]
        tree: PathBuf,
        /// A Mermaid flowchart instead of DOT.
        #[arg(long)]
        mermaid: bool,
    },
    /// Print a findings link (or its payload; `-` reads standard input) as text.
    Decode {
        #[arg(value_name = "LINK")]
        input: String,
        /// The helper's config file: its `content` and the state directory, whose
        /// kept tree versions let an old link show its own text.
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// A content directory (overrides the config's `content`).
        #[arg(long, value_name = "DIR")]
        content: Option<PathBuf>,
        /// The language to write in (a tag: `fr`, `de-CH`); default: the
        /// locale of LC_ALL, LC_MESSAGES or LANG, else English.
        #[arg(long, value_name = "TAG")]
        lang: Option<String>,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Command::Serve {
            config,
            port,
            dist,
            content,
        } => serve(config, port, dist, content),
        Command::Graph { tree, mermaid } => ExitCode::from(cli::graph(
            &tree,
            mermaid,
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )),
        Command::Lint { paths } => {
            let code = cli::lint(&paths, &mut std::io::stdout(), &mut std::io::stderr());
            ExitCode::from(code)
        }
        Command::Decode {
            input,
            config,
            content,
            lang,
        } => decode(&input, config, content, lang.as_deref()),
    }
}

fn decode(
    input: &str,
    config: Option<PathBuf>,
    content: Option<PathBuf>,
    lang: Option<&str>,
) -> ExitCode {
    let mut cfg = match load_config(config.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if content.is_some() {
        cfg.content = content;
    }
    let content = match Content::for_reading(&cfg) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("fixpath: the content does not load:\n{e}");
            return ExitCode::from(cli::DECODE_UNREADABLE);
        }
    };
    ExitCode::from(cli::decode(
        input,
        lang,
        &content,
        &mut std::io::stdin(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    ))
}

/// The app to serve when neither `--dist` nor `dist` says: `dist` in the working
/// directory when it holds a built app, else the app a release binary carries
/// (unpacked into the state directory), else `dist` (its "not built" page).
fn app_dir(cfg: &Config) -> std::io::Result<PathBuf> {
    let local = PathBuf::from("dist");
    if local.join(fixpath_helper::INDEX).is_file() || !fixpath_helper::embedded::embedded() {
        return Ok(local);
    }
    let state = cfg
        .status_file
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    Ok(fixpath_helper::embedded::unpack(&state)?.unwrap_or(local))
}

/// The config file, or the embedded demo config; a bad one is printed (exit 2).
fn load_config(path: Option<&std::path::Path>) -> Result<Config, ExitCode> {
    let loaded = match path {
        Some(path) => Config::load(path),
        None => Config::embedded_default(),
    };
    loaded.map_err(|e| {
        eprintln!("fixpath: bad configuration: {e}");
        ExitCode::from(2)
    })
}

fn serve(
    config: Option<PathBuf>,
    port: Option<u16>,
    dist: Option<PathBuf>,
    content: Option<PathBuf>,
) -> ExitCode {
    fixpath_helper::logging::init();
    let mut cfg = match load_config(config.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if content.is_some() {
        cfg.content = content;
    }
    let dist = match dist.or_else(|| cfg.dist.clone()) {
        Some(d) => d,
        None => match app_dir(&cfg) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("fixpath: cannot unpack the app this binary carries: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let runtime = match server::runtime() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fixpath: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let state = match AppState::new(cfg, dist.clone()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("fixpath: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Before anything is announced: a SIGTERM from then on means a graceful stop.
        let stop = server::shutdown_signal();
        let running = match server::start(state, port).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("fixpath: {e}");
                return ExitCode::FAILURE;
            }
        };
        // The first line with a URL is what scripts (and the e2e harness) wait for.
        println!("Fixpath is running at {}", running.url());
        if !dist.join(fixpath_helper::INDEX).is_file() {
            println!(
                "Note: {} has no index.html: the app is not built (run `cargo xtask run`).",
                dist.display()
            );
        }
        for a in &running.alt {
            println!("Also answering ping on {}", server::url_of(*a));
        }
        for a in &running.demo {
            println!("Demo VPN port stand-in listening on {a}");
        }
        stop.await;
        println!("Shutting down…");
        running.shutdown().await;
        ExitCode::SUCCESS
    })
}
