//! Command line: `serve` (default), `migrate up|down|status`, `seed`, `admin grant|revoke`,
//! `schema [--check]`.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use blackroad_api::{
    audit::AuditContext,
    graphql::schema,
    platform::{config::Config, db, telemetry},
    seed::{self, SeedPlan},
    startup::{self, Application},
    users,
    wallet::crypto::WalletCipher,
};
use clap::{Parser, Subcommand};
use migration::{MigrationStatus, Migrator, MigratorTrait};

/// glibc's allocator spent a third of the CPU of the nested-query benchmark in malloc/free
/// bookkeeping; mimalloc handles async-graphql's many short-lived allocations far better.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "blackroad-api",
    version,
    about = "GraphQL API server for BlackRoad OS"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply, roll back or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Load demo data (users, signed transfers, mined blocks) into an empty database.
    Seed {
        #[arg(long, default_value_t = 1_000)]
        users: usize,
        #[arg(long, default_value_t = 20_000)]
        transactions: usize,
        #[arg(long, default_value_t = 2_000)]
        blocks: usize,
        /// Proof-of-work difficulty of the demo blocks.
        #[arg(long, default_value_t = 1)]
        difficulty: u32,
        /// Password of every demo account (demo00000, demo00001, …).
        #[arg(long, default_value = "demo password")]
        password: String,
    },
    /// Make a user an admin, or an admin a user again (audited).
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Print the GraphQL SDL, or check the committed file against it.
    Schema {
        /// Exit 1 when the file differs from the schema the code builds.
        #[arg(long)]
        check: bool,
        /// The committed SDL file.
        #[arg(long, default_value = "schema.graphql")]
        path: PathBuf,
    },
}

#[derive(Subcommand, Clone)]
enum AdminAction {
    /// Give USERNAME admin rights (the audit log, /prism, every user's jobs).
    Grant { username: String },
    /// Take admin rights from USERNAME.
    Revoke { username: String },
}

#[derive(Subcommand, Clone, Copy)]
enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// Roll back the most recent migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Schema { check, path } => schema_command(check, &path),
        command => run_async(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_async(command: Command) -> anyhow::Result<ExitCode> {
    // Configuration first: a bad variable must stop us before any I/O.
    let config = Config::from_env()?;
    telemetry::init(config.log_format());
    let runtime = tokio::runtime::Runtime::new().context("could not start the async runtime")?;
    runtime.block_on(async move {
        match command {
            Command::Migrate { action } => {
                migrate(config, action.unwrap_or(MigrateAction::Up)).await
            }
            Command::Admin { action } => admin_command(config, action).await,
            Command::Seed {
                users,
                transactions,
                blocks,
                difficulty,
                password,
            } => {
                let plan = SeedPlan {
                    users,
                    transactions,
                    blocks,
                    difficulty,
                    password,
                };
                seed_command(config, plan).await
            }
            _ => {
                config.require_serving_secrets()?;
                Application::build(config)
                    .await?
                    .run_until_stopped()
                    .await?;
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

async fn admin_command(config: Config, action: AdminAction) -> anyhow::Result<ExitCode> {
    let (username, grant) = match action {
        AdminAction::Grant { username } => (username, true),
        AdminAction::Revoke { username } => (username, false),
    };
    let state = startup::build_state(config).await?;
    let user = users::find_by_username(&state.db, &username)
        .await
        .map_err(|e| e.into_anyhow())?
        .with_context(|| format!("no user named {username}"))?;
    if user.is_admin == grant {
        println!(
            "{} {}",
            user.username,
            if grant {
                "is already an admin"
            } else {
                "is not an admin"
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    // Recorded as done from the command line, by nobody signed in.
    let audit = AuditContext {
        request_id: Some("cli".to_owned()),
        ..AuditContext::default()
    };
    let user = users::set_admin_flag(&state, &audit, user, grant)
        .await
        .map_err(|e| e.into_anyhow())?;
    println!(
        "{} {}",
        user.username,
        if grant {
            "is now an admin"
        } else {
            "is no longer an admin"
        }
    );
    Ok(ExitCode::SUCCESS)
}

async fn seed_command(mut config: Config, plan: SeedPlan) -> anyhow::Result<ExitCode> {
    startup::resolve_secrets(&mut config)?;
    let conn = db::connect(&config, Default::default()).await?;
    db::prepare(&conn, &config).await?;
    let cipher = WalletCipher::new(
        config
            .wallet
            .wallet_master_key
            .as_deref()
            .unwrap_or_default()
            .as_bytes(),
    )?;
    seed::seed(&conn, &cipher, &plan).await?;
    Ok(ExitCode::SUCCESS)
}

async fn migrate(config: Config, action: MigrateAction) -> anyhow::Result<ExitCode> {
    let conn = db::connect(&config, Default::default()).await?;
    match action {
        MigrateAction::Up => {
            Migrator::up(&conn, None)
                .await
                .context("migrate up failed")?;
            println!("migrations applied");
        }
        MigrateAction::Down => {
            Migrator::down(&conn, Some(1))
                .await
                .context("migrate down failed")?;
            println!("rolled back the most recent migration");
        }
        MigrateAction::Status => {
            for m in Migrator::get_migration_with_status(&conn)
                .await
                .context("migrate status failed")?
            {
                let status = match m.status() {
                    MigrationStatus::Applied => "applied",
                    MigrationStatus::Pending => "pending",
                };
                println!("{status:8} {}", m.name());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn schema_command(check: bool, path: &PathBuf) -> anyhow::Result<ExitCode> {
    let sdl = schema::sdl();
    if !check {
        print!("{sdl}");
        return Ok(ExitCode::SUCCESS);
    }
    let committed = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    if committed == sdl {
        println!("{} is up to date", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let first_difference = committed
        .lines()
        .zip(sdl.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(sdl.lines().count()));
    eprintln!(
        "{} is stale (first difference at line {}); regenerate it with `blackroad-api schema > {}`",
        path.display(),
        first_difference + 1,
        path.display()
    );
    Ok(ExitCode::FAILURE)
}
