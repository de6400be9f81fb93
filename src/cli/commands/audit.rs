//! `audit`: find the classic mistakes; a gate on their severity.

use crate::cli::args::{AuditArgs, AuditFormat};
use crate::cli::error::{CliError, Outcome};
use crate::cli::input::{check_namespace, compile_for_attack, load};
use crate::cli::print::{err_line, paint_severities, stdout_color, write_out};
use crate::output::audit::{AuditBrief, AuditOutput};
use crate::output::format::render;
use crate::review::audit::Severity;

pub fn run(a: AuditArgs) -> Result<Outcome, CliError> {
    let cluster = load(&a.input)?;
    // A namespace that is not there would pass any gate with no findings.
    if let Some(ns) = &a.namespace {
        check_namespace(&cluster, ns)?;
    }
    let reach = compile_for_attack(&cluster, &a.input)?;
    let mut findings = crate::review::audit::audit(&cluster, &reach);
    if let Some(min) = a.min_severity.map(Severity::from) {
        findings.retain(|f| f.severity >= min);
    }
    if let Some(ns) = &a.namespace {
        findings.retain(|f| f.in_namespace(ns));
    }
    let out = if a.brief {
        render(&AuditBrief(&findings), a.output.into())?
    } else {
        render(&AuditOutput(&findings), a.output.into())?
    };
    let out = if a.output == AuditFormat::Text && stdout_color() {
        paint_severities(&out)
    } else {
        out
    };
    write_out(&out)?;
    match a.fail_on_severity.map(Severity::from) {
        Some(min) if findings.iter().any(|f| f.severity >= min) => {
            err_line(format_args!(
                "gate failed: findings of severity {} or higher",
                min.as_str()
            ));
            Ok(Outcome::GateFailed)
        }
        _ => Ok(Outcome::Success),
    }
}
