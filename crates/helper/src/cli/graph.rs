//! `fixpath graph`: a tree as a Graphviz DOT graph or a Mermaid flowchart.

use std::io::Write;
use std::path::Path;

/// Prints the tree at `path` as DOT (or Mermaid); returns the exit code.
pub fn graph(path: &Path, mermaid: bool, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let _ = (path, mermaid, out);
    let _ = writeln!(err, "fixpath graph: not written yet");
    2
}
