//! Findings: what a finished (or stopped) session amounts to, for people.
