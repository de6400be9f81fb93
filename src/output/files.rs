//! Writing a command's files into the folder the user named (or out/...).

use crate::output::error::OutputError;
use std::path::Path;

/// A file to write: (name inside the folder, content).
pub type OutFile = (String, String);

/// Create `dir` if needed and write `files` into it; refuse when it (or a
/// file we would write) is the wrong kind of thing; touch nothing else.
///
/// Every file is first written, with create-new semantics, into a fresh
/// staging folder inside `dir`, then renamed over its target: a rename
/// replaces a symbolic link that stands where a file goes instead of
/// writing through it, and a failure while writing leaves nothing of the new
/// output behind (the staging folder is removed). Every target is checked
/// before the first byte is written. A `dir` that is itself a link is
/// refused.
pub fn write_files(dir: &Path, files: &[OutFile]) -> Result<(), OutputError> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(OutputError::FolderIsALink(dir.to_path_buf()))
        }
        Ok(m) if !m.is_dir() => return Err(OutputError::NotAFolder(dir.to_path_buf())),
        _ => {}
    }
    for (name, _) in files {
        let p = dir.join(name);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
            return Err(OutputError::FileIsAFolder(p));
        }
    }
    std::fs::create_dir_all(dir).map_err(|source| OutputError::CreateFolder {
        path: dir.to_path_buf(),
        source,
    })?;
    let stage = dir.join(format!(".blastradius-staging-{}", std::process::id()));
    std::fs::create_dir(&stage).map_err(|source| OutputError::CreateFolder {
        path: stage.clone(),
        source,
    })?;
    let written = files.iter().try_for_each(|(name, content)| {
        write_new(&stage.join(name), content.as_bytes()).map_err(|source| OutputError::WriteFile {
            path: dir.join(name),
            source,
        })
    });
    let placed = written.and_then(|()| {
        files.iter().try_for_each(|(name, _)| {
            std::fs::rename(stage.join(name), dir.join(name)).map_err(|source| {
                OutputError::WriteFile {
                    path: dir.join(name),
                    source,
                }
            })
        })
    });
    let _ = std::fs::remove_dir_all(&stage);
    placed
}

/// Write a file that must not exist yet (never through a link), flushed to
/// the device before it is renamed into place.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
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

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_link_and_leaves_no_staging() {
        use std::os::unix::fs::symlink;
        let base = std::env::temp_dir().join(format!("br-files-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let out = base.join("out");
        std::fs::create_dir_all(&out).unwrap();
        let victim = base.join("victim.txt");
        std::fs::write(&victim, "mine").unwrap();
        // A link where a file goes is replaced, its target untouched.
        symlink(&victim, out.join("index.html")).unwrap();
        // A dangling link creates nothing outside the folder.
        symlink(base.join("elsewhere.txt"), out.join("a.svg")).unwrap();
        write_files(
            &out,
            &[
                ("index.html".into(), "new".into()),
                ("a.svg".into(), "svg".into()),
            ],
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
        assert!(!base.join("elsewhere.txt").exists());
        for (n, want) in [("index.html", "new"), ("a.svg", "svg")] {
            let m = std::fs::symlink_metadata(out.join(n)).unwrap();
            assert!(m.is_file(), "{n} is a plain file now");
            assert_eq!(std::fs::read_to_string(out.join(n)).unwrap(), want);
        }
        // A folder where a later file goes: refused before any byte is written.
        std::fs::create_dir(out.join("z.svg")).unwrap();
        let e = write_files(
            &out,
            &[("b.svg".into(), "x".into()), ("z.svg".into(), "x".into())],
        );
        assert!(matches!(e, Err(OutputError::FileIsAFolder(_))));
        assert!(!out.join("b.svg").exists());
        // The output folder itself may not be a link.
        let real = base.join("real");
        std::fs::create_dir(&real).unwrap();
        symlink(&real, base.join("linked")).unwrap();
        let e = write_files(&base.join("linked"), &[("c.txt".into(), "x".into())]);
        assert!(matches!(e, Err(OutputError::FolderIsALink(_))));
        assert!(!real.join("c.txt").exists());
        // No staging folder is left anywhere.
        let left: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".blastradius-staging")
            })
            .collect();
        assert!(left.is_empty());
        let _ = std::fs::remove_dir_all(&base);
    }
}
