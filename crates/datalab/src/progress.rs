//! Progress bars on stderr; hidden when stderr is not a terminal or output is JSON.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

fn draw_target(quiet: bool) -> ProgressDrawTarget {
    if quiet {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    }
}

pub fn bytes(len: u64, message: &str, quiet: bool) -> ProgressBar {
    let target = draw_target(quiet);
    let bar = ProgressBar::with_draw_target(Some(len), target);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}

pub fn rows(message: &str, quiet: bool) -> ProgressBar {
    let target = draw_target(quiet);
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(
        ProgressStyle::with_template("{msg} {human_pos} rows ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_string());
    bar
}

/// A spinner for steps whose length is unknown (hashing, verifying).
pub fn spinner(message: &str, quiet: bool) -> ProgressBar {
    let target = draw_target(quiet);
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
