//! `hooklake send`: sign a payload and POST it as GitHub does.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use hooklake::{config, send};

#[derive(Args)]
pub struct SendArgs {
    /// Where to post, e.g. http://127.0.0.1:8787/ or the Worker's URL.
    #[arg(long)]
    url: String,
    /// The X-GitHub-Event header.
    #[arg(long, default_value = "pull_request")]
    event: String,
    /// Send as application/x-www-form-urlencoded (payload=...) instead of JSON.
    #[arg(long)]
    form: bool,
    /// The JSON payload file; `-` reads standard input.
    file: PathBuf,
}

pub fn read_input(path: &PathBuf) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

pub async fn run(args: SendArgs) -> anyhow::Result<ExitCode> {
    let secret = config::signing_secret()?;
    let payload = read_input(&args.file)?;
    serde_json::from_str::<serde::de::IgnoredAny>(&payload).with_context(|| {
        format!(
            "{} is not JSON; send takes a webhook payload",
            args.file.display()
        )
    })?;
    let delivery = send::Delivery::signed(&args.event, &payload, &secret, args.form);
    let answer = send::post(&send::client()?, &args.url, &delivery).await?;
    println!("{} {}", answer.status, answer.body);
    eprintln!("delivery {} ({})", delivery.delivery_id, args.event);
    if !(200..300).contains(&answer.status) {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
