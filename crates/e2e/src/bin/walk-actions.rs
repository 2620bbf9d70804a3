//! The user's actions per walk, for `cargo xtask bench`: the everything-passes
//! walk of each shipped tree, from the home page to its outcome, in headless
//! Chromium (saying it runs on Windows) against `fixpath serve` on loopback (the
//! end-to-end tests' config: every check answers, the demo server listed).
//! Usage: walk-actions  (FIXPATH_BIN, FIXPATH_DIST and CHROMEDRIVER as for e2e).
//! Prints one line per tree: `actions tree=ID actions=N minimum=M outcome=ID`, and
//! fails if a walk's console showed an error.

use fixpath_e2e::{
    console_errors, everything_passes, walk_from_home, Driver, Helper, Loopback, Result,
};

#[tokio::main]
async fn main() {
    let result: Result<()> = async {
        let helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
        let driver = Driver::start().await?;
        let policy = everything_passes();
        for tree in fixpath_core::shipped::trees() {
            let c = driver.windows_browser().await?;
            let measured = walk_from_home(&c, &helper, &tree, &policy).await;
            let errors = console_errors(&c).await;
            let _ = c.close().await;
            let m = measured?;
            let errors = errors?;
            if !errors.is_empty() {
                return Err(format!("{}: the console showed errors: {errors:#?}", tree.id).into());
            }
            println!(
                "actions tree={} actions={} minimum={} outcome={}",
                tree.id, m.walk.actions, m.minimum, m.walk.outcome
            );
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        eprintln!("walk-actions: {e}");
        std::process::exit(1);
    }
}
