//! `obrador serve`: the web server.
use crate::config::Settings;
use crate::startup::Application;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on, e.g. 0.0.0.0:8080 (default from configuration: 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
}

pub fn run(mut settings: Settings, args: Args) -> anyhow::Result<()> {
    if let Some(bind) = args.bind {
        settings.bind = bind;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let url = settings.database_url()?.redacted();
        let app = Application::build(settings.clone()).await?;
        let host = settings
            .bind
            .rsplit_once(':')
            .map_or("127.0.0.1", |(h, _)| h);
        tracing::info!(database = %url, "Obrador is listening on http://{host}:{}", app.port());
        app.run_until_stopped().await?;
        Ok(())
    })
}
