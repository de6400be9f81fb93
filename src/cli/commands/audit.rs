//! `audit`: find the classic mistakes; a gate on their severity.

use crate::cli::args::{AuditArgs, AuditFormat};
use crate::cli::error::{CliError, Outcome};
use crate::cli::input::{compile, load};
use crate::cli::print::write_out;

pub fn run(a: AuditArgs) -> Result<Outcome, CliError> {
    let cluster = load(&a.input)?;
    let reach = compile(&cluster, &a.input);
    let mut findings = crate::review::audit::audit(&cluster, &reach);
    if let Some(min) = a.min_severity {
        findings.retain(|f| f.severity >= min);
    }
    let out = match a.output {
        AuditFormat::Text => crate::review::audit::to_text(&findings),
        AuditFormat::Json => crate::review::audit::to_json(&findings),
        AuditFormat::Sarif => crate::review::audit::to_sarif(&findings),
    };
    write_out(&out)?;
    match a.fail_on_severity {
        Some(min) if findings.iter().any(|f| f.severity >= min) => {
            eprintln!(
                "gate failed: findings of severity {} or higher",
                min.as_str()
            );
            Ok(Outcome::GateFailed)
        }
        _ => Ok(Outcome::Success),
    }
}
