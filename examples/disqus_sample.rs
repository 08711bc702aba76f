//! Writes a generated Disqus export for the import benchmark:
//! `cargo run --release --example disqus_sample -- OUT.xml THREADS COMMENTS`
//! (for instance `sample.xml 500 100000`). The same arguments always give
//! the same file; see `colloquy::import::disqus::sample` for what it holds.
#![allow(missing_docs)]

use std::fs::File;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(out), Some(threads), Some(comments)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: disqus_sample OUT.xml THREADS COMMENTS");
        return ExitCode::from(2);
    };
    let result = File::create(out).and_then(|mut file| {
        colloquy::import::disqus::sample::write_sample(&mut file, threads, comments)
    });
    match result {
        Ok(()) => {
            println!("wrote {out}: {threads} threads, {comments} comments");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{out}: {e}");
            ExitCode::FAILURE
        }
    }
}
