//! The `coop-registry` command: serve the API, migrate, seed demo data, print OpenAPI.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use actix_web::HttpServer;
use clap::{Parser, Subcommand};
use coop_registry::app::{app, HttpSettings};
use coop_registry::auth::tokens::{self, NewToken};
use coop_registry::auth::{Actor, Role};
use coop_registry::db::{Db, DbSettings};
use coop_registry::ops::{init_logging, LogFormat, OpsArgs};
use coop_registry::{demo, generate, openapi};

/// The register of Vietnam's cooperative sector, served as a REST API.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// Database: a SQLite file path (or sqlite://path), or a postgres:// URL.
    #[arg(long, env = "DATABASE_URL", default_value = "coop-registry.db", global = true)]
    database_url: String,
    /// Database connections in the pool (SQLite: readers; one more connection writes).
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 8, global = true)]
    db_pool_size: u32,
    /// PostgreSQL read replica for public reads (lists, search, statistics, exports);
    /// writes and requests with a token stay on the primary.
    #[arg(long, env = "DATABASE_READ_URL", global = true)]
    database_read_url: Option<String>,
    /// How long a request waits for a database connection or lock, in milliseconds.
    #[arg(long, env = "DB_TIMEOUT_MS", default_value_t = 5000, global = true)]
    db_timeout_ms: u64,
    /// How long a request's database work may take before it answers 503, in
    /// milliseconds (PostgreSQL also cancels the statement); 0: no limit.
    #[arg(long, env = "QUERY_TIMEOUT_MS", default_value_t = 10_000, global = true)]
    query_timeout_ms: u64,
    /// Log lines as text or as JSON objects.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the HTTP API (applies pending migrations first).
    Serve {
        /// Address and port to listen on.
        #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Fill an empty database with the demo registry before serving.
        #[arg(long, env = "DEMO")]
        demo: bool,
        /// HTTP worker threads (default: one per core).
        #[arg(long, env = "WORKERS")]
        workers: Option<usize>,
        /// Largest accepted JSON body, in bytes.
        #[arg(long, env = "BODY_LIMIT", default_value_t = 64 * 1024)]
        body_limit: usize,
        #[command(flatten)]
        ops: OpsArgs,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo registry into an empty database.
    SeedDemo,
    /// Fill an empty database with a synthetic national register (60 test provinces,
    /// histories and statistics), for benchmarks.
    Generate {
        /// Cooperatives to generate; unions (one for every 95 cooperatives) and
        /// cooperative groups (four for every 95) come on top of them.
        #[arg(long)]
        cooperatives: usize,
        /// Capital, member and location history entries of each cooperative and union
        /// (one location entry, two for those that moved; the rest capital and member).
        #[arg(long, default_value_t = generate::plan::HISTORY_ENTRIES,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(3..=100))]
        history: usize,
        /// Seed of the generator: the same seed gives the same register.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Issue, list or revoke API tokens (the first administrator token comes from here).
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Import cooperatives from a CSV spreadsheet, all or nothing (see the API docs of
    /// POST /api/v1/cooperatives/import for the columns).
    Import {
        /// The CSV file (UTF-8, first line a header).
        file: PathBuf,
        /// Check every row and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the OpenAPI document (or write it to a file).
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum TokenAction {
    /// Issue a token and print its secret (shown this once only).
    Create {
        /// What the token is for, e.g. "Việt Yên steering committee".
        #[arg(long)]
        name: String,
        /// admin, reviewer, district or analyst.
        #[arg(long)]
        role: String,
        /// The district a district token speaks for.
        #[arg(long)]
        district: Option<i64>,
    },
    /// List the tokens (never their secrets).
    List,
    /// Revoke a token: it stops working at once.
    Revoke {
        /// Token id.
        id: i64,
    },
}

fn main() -> ExitCode {
    coop_registry::db::sqlite_one_thread_per_connection();
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let settings = DbSettings {
        url: cli.database_url.clone(),
        pool_size: cli.db_pool_size,
        acquire_timeout: Duration::from_millis(cli.db_timeout_ms),
        query_timeout: (cli.query_timeout_ms > 0).then(|| Duration::from_millis(cli.query_timeout_ms)),
    };
    match cli.command {
        Command::Openapi { output } => {
            let json = openapi::document_json();
            match output {
                Some(path) => std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display())),
                None => {
                    print!("{json}");
                    Ok(())
                }
            }
        }
        Command::Token { action } => {
            let db = Db::connect(&settings)?;
            token(&db, action)
        }
        Command::Import { file, dry_run } => {
            let db = Db::connect(&settings)?;
            import(&db, &file, dry_run)
        }
        Command::Migrate => {
            Db::connect(&settings)?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::SeedDemo => {
            let db = Db::connect(&settings)?;
            seed(&db)
        }
        Command::Generate { cooperatives, history, seed } => {
            let options = generate::Options { cooperatives, history, seed, progress: true };
            let g = generate::run(&settings.url, &options)?;
            eprintln!(
                "generated {} cooperatives, {} unions, {} cooperative groups, {} capital, {} member and {} \
                 location entries; statistics: {} keys, {} daily and {} monthly rows",
                g.cooperatives,
                g.organizations - g.cooperatives as i64,
                g.groups,
                g.capital_entries,
                g.member_entries,
                g.location_entries,
                g.stat_keys,
                g.stat_daily,
                g.stat_monthly
            );
            Ok(())
        }
        Command::Serve { bind, demo, workers, body_limit, ops } => {
            let db = Db::connect(&settings)?;
            if demo {
                seed(&db)?;
            }
            let db = match &cli.database_read_url {
                Some(url) => db.with_replica(url, &settings)?,
                None => db,
            };
            let http = HttpSettings::new(body_limit, ops.rate_limit(), ops.cors_origins());
            serve(db, &bind, workers, http, ops.shutdown_timeout)
        }
    }
}

fn token(db: &Db, action: TokenAction) -> Result<(), String> {
    let actor = Actor::command_line();
    match action {
        TokenAction::Create { name, role, district } => {
            let role = Role::ALL
                .iter()
                .copied()
                .find(|r| r.as_str() == role)
                .ok_or_else(|| format!("unknown role {role}: admin, reviewer, district or analyst"))?;
            let input = NewToken { name, role, district_id: district };
            validator::Validate::validate(&input).map_err(|e| e.to_string())?;
            let issued = db.write_blocking(|c| tokens::issue(c, &actor, input)).map_err(|e| e.to_string())?;
            eprintln!("token {} ({}) issued; its secret, shown this once:", issued.token.id, role.as_str());
            println!("{}", issued.secret);
        }
        TokenAction::List => {
            for t in db.read_blocking(tokens::list).map_err(|e| e.to_string())? {
                let district = t.district_id.map(|d| format!(" district {d}")).unwrap_or_default();
                let revoked = t.revoked_at.map(|r| format!(" revoked {r}")).unwrap_or_default();
                println!("{}\t{}{district}\t{}{revoked}", t.id, t.role, t.name);
            }
        }
        TokenAction::Revoke { id } => {
            db.write_blocking(|c| tokens::revoke(c, &actor, id)).map_err(|e| e.to_string())?;
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}

fn import(db: &Db, file: &std::path::Path, check_only: bool) -> Result<(), String> {
    let csv = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let started = std::time::Instant::now();
    let actor = Actor::command_line();
    let outcome = db.write_blocking(|c| {
        coop_registry::import::import(
            c,
            &actor,
            coop_registry::domain::OrgKind::Cooperative,
            &csv,
            check_only,
        )
    });
    match outcome {
        Ok(report) => {
            let verb = if check_only { "checked (dry run, nothing written)" } else { "imported" };
            eprintln!("{} rows {verb} in {:.2?}", report.rows, started.elapsed());
            if !report.ignored_columns.is_empty() {
                eprintln!("ignored columns: {}", report.ignored_columns.join(", "));
            }
            Ok(())
        }
        Err(e) => {
            let problem = e.problem();
            for error in &problem.errors {
                eprintln!("{}: {}", error.field, error.message);
            }
            Err(format!("nothing imported: {}", problem.detail))
        }
    }
}

fn seed(db: &Db) -> Result<(), String> {
    match demo::load(db) {
        Ok(true) => tracing::info!("demo registry loaded"),
        Ok(false) => tracing::info!("the register holds records already; demo data not loaded"),
        Err(e) => return Err(format!("loading the demo registry failed: {e}")),
    }
    Ok(())
}

#[actix_web::main]
async fn serve(
    db: Db,
    bind: &str,
    workers: Option<usize>,
    http: HttpSettings,
    shutdown_timeout: u64,
) -> Result<(), String> {
    tracing::info!(%bind, backend = ?db.backend(), "serving; docs at /docs/");
    // On SIGTERM or SIGINT actix stops accepting and lets requests in flight finish,
    // for at most `shutdown_timeout` seconds.
    let mut server =
        HttpServer::new(move || app(db.clone(), http.clone())).shutdown_timeout(shutdown_timeout);
    if let Some(n) = workers {
        server = server.workers(n);
    }
    server
        .bind(bind)
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?
        .run()
        .await
        .map_err(|e| e.to_string())
}
