//! `portcullis-demo`: parses the command line and runs the demo service (see the crate's README).

use clap::Parser;
use tracing_subscriber::EnvFilter;
use url::Url;

#[derive(Parser)]
#[command(about = "A tiny service that logs in through Portcullis with OpenID Connect")]
struct Args {
    /// The provider's issuer URL; discovery is at {issuer}/.well-known/openid-configuration.
    #[arg(long, env = "PORTCULLIS_DEMO_ISSUER")]
    issuer: String,
    /// The client id Portcullis gave this service.
    #[arg(long, env = "PORTCULLIS_DEMO_CLIENT_ID")]
    client_id: String,
    /// The client secret (sent with client_secret_basic). Prefer the environment variable to the flag,
    /// which other users of the machine can see in the process list.
    #[arg(long, env = "PORTCULLIS_DEMO_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// Address and port to listen on; the redirect URI is http://<listen>/callback.
    #[arg(long, env = "PORTCULLIS_DEMO_LISTEN", default_value = "127.0.0.1:8081")]
    listen: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let base_url = Url::parse(&format!("http://{}/", args.listen))?;
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    tracing::info!(url = %base_url, "portcullis-demo listening");
    let settings = portcullis_demo::Settings {
        issuer: args.issuer,
        client_id: args.client_id,
        client_secret: args.client_secret,
        base_url,
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    portcullis_demo::run(settings, listener, shutdown).await
}
