//! Writing a command's files into the folder the user named (or out/...).

use crate::output::error::OutputError;
use std::path::Path;

/// A file to write: (name inside the folder, content).
pub type OutFile = (String, String);

/// Create `dir` if needed and write `files` into it; refuse when it (or a
/// file we would write) is the wrong kind of thing; touch nothing else.
pub fn write_files(dir: &Path, files: &[OutFile]) -> Result<(), OutputError> {
    if dir.exists() && !dir.is_dir() {
        return Err(OutputError::NotAFolder(dir.to_path_buf()));
    }
    std::fs::create_dir_all(dir).map_err(|source| OutputError::CreateFolder {
        path: dir.to_path_buf(),
        source,
    })?;
    for (name, content) in files {
        let p = dir.join(name);
        if p.is_dir() {
            return Err(OutputError::FileIsAFolder(p));
        }
        std::fs::write(&p, content).map_err(|source| OutputError::WriteFile {
            path: p.clone(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_file_where_the_folder_goes() {
        let base = std::env::temp_dir().join(format!("br-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let f = base.join("plain");
        std::fs::write(&f, "x").unwrap();
        let e = write_files(&f, &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{} exists and is not a folder; choose another output folder",
                f.display()
            )
        );
        std::fs::create_dir_all(base.join("d").join("sub")).unwrap();
        let e = write_files(&base.join("d"), &[("sub".into(), "x".into())]).unwrap_err();
        assert!(matches!(e, OutputError::FileIsAFolder(_)));
        write_files(&base.join("new"), &[("a.txt".into(), "hi".into())]).unwrap();
        assert_eq!(
            std::fs::read_to_string(base.join("new/a.txt")).unwrap(),
            "hi"
        );
        let _ = std::fs::remove_dir_all(&base);
    }
}
