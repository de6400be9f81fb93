//! The one rendering seam: every command's output implements [`Render`],
//! one arm per format it can write, and [`render`] turns a format it cannot
//! write into a [`FormatError`] (a usage error, exit 2) instead of a silent
//! fallback.

use std::fmt;

/// Every output format some command writes (`-o/--output`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
    Md,
    Dot,
    Connlist,
    Sarif,
}

impl Format {
    /// The name `-o` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Md => "md",
            Format::Dot => "dot",
            Format::Connlist => "connlist",
            Format::Sarif => "sarif",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A command asked for a format its output does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("error: {what} cannot write -o {format}; choose {}", list(.supported))]
pub struct FormatError {
    pub what: &'static str,
    pub format: Format,
    pub supported: &'static [Format],
}

fn list(f: &[Format]) -> String {
    let names: Vec<&str> = f.iter().map(|f| f.name()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_string(),
        None => "nothing".into(),
    }
}

/// A command's output, in the formats it has.
pub trait Render {
    /// What to call it in an error: `simulate --model monte-carlo`.
    fn what(&self) -> &'static str;
    /// The formats [`Render::write`] has an arm for.
    fn formats(&self) -> &'static [Format];
    /// The output in `format`; only called for one of [`Render::formats`].
    fn write(&self, format: Format) -> Option<String>;
}

fn unsupported(out: &dyn Render, format: Format) -> FormatError {
    FormatError {
        what: out.what(),
        format,
        supported: out.formats(),
    }
}

/// Whether `out` has `format`: lets a command refuse before doing the work.
pub fn check(out: &dyn Render, format: Format) -> Result<(), FormatError> {
    if out.formats().contains(&format) {
        Ok(())
    } else {
        Err(unsupported(out, format))
    }
}

/// Render `out` in `format`, or say which formats it has.
pub fn render(out: &dyn Render, format: Format) -> Result<String, FormatError> {
    check(out, format)?;
    out.write(format).ok_or_else(|| unsupported(out, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Two;
    impl Render for Two {
        fn what(&self) -> &'static str {
            "two"
        }
        fn formats(&self) -> &'static [Format] {
            &[Format::Text, Format::Json]
        }
        fn write(&self, f: Format) -> Option<String> {
            (f == Format::Text).then(|| "t".into())
        }
    }

    #[test]
    fn unsupported_format_is_an_error_naming_the_choices() {
        assert_eq!(render(&Two, Format::Text).unwrap(), "t");
        let e = render(&Two, Format::Md).unwrap_err();
        assert_eq!(
            e.to_string(),
            "error: two cannot write -o md; choose text or json"
        );
        // Listed but without an arm: still an error, never a fallback.
        assert!(render(&Two, Format::Json).is_err());
    }
}
