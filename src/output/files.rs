//! The one writer of files: every file a command writes (the report folder,
//! `simulate --svg DIR`, `diff -o svg`, `synth --out`) goes through here.
//!
//! The folder is attacker-controlled in CI (a pull request can commit
//! `out/shop/index.html` as a link), so:
//! - **no write goes through a link.** Files are created with create-new
//!   (`O_CREAT|O_EXCL`, which never follows a link) in a fresh staging
//!   folder, then renamed into place: a rename replaces a link that stands
//!   where a file goes instead of writing through it.
//! - **no folder is a link unless the user named it.** A default folder
//!   (`out/<input name>`) with a link anywhere on its relative path is
//!   refused; a folder named on the command line may itself be a link (the
//!   user said so), but not pass through one on a relative path.
//! - **nothing half-written.** A new or an older output folder is replaced
//!   whole: written beside it, then moved in (the old one renamed aside,
//!   the new renamed in, the old removed). In a folder that holds other
//!   files too, every file is staged before the first is moved in. Every
//!   target is checked before the first byte. On a failure nothing of the
//!   new output is left, and what was there stays.

use crate::output::error::OutputError;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

/// A file to write: (name inside the folder, content).
pub type OutFile = (String, String);

/// Who chose the output folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chosen {
    /// Named on the command line (`--out DIR`, `--svg DIR`): the folder may
    /// itself be a link, and is written where the link points.
    ByUser,
    /// A default (`out/<input name>`): no part of it may be a link.
    Default,
}

/// Write a whole output folder (`report`, `diff -o svg`): when `dir` is new,
/// or holds nothing but files an earlier run wrote (`*.svg`, `index.html`,
/// `summary.md`, `report.json`, and these `files`), it is replaced whole, so
/// no file of an older, larger report stays behind. A folder that holds
/// anything else keeps it: the files are replaced one by one, all staged
/// first (as [`write_into`]).
pub fn write_folder(dir: &Path, chosen: Chosen, files: &[OutFile]) -> Result<(), OutputError> {
    let real = checked_folder(dir, chosen)?;
    check_names(&real, files)?;
    match folder_state(&real, files)? {
        State::Missing => create_whole(&real, files),
        State::Ours => replace_whole(&real, files).or_else(|e| match e {
            // No parent to stage beside (`/`, `.`): file by file.
            Swap::Impossible => replace_files(&real, files),
            Swap::Failed(e) => Err(e),
        }),
        State::Shared => replace_files(&real, files),
    }
}

/// Write `files` into `dir` (`simulate --svg DIR`), replacing files of the
/// same names and leaving every other file of the folder as it is. All are
/// staged before the first is moved in; a new folder appears whole or not at
/// all.
pub fn write_into(dir: &Path, chosen: Chosen, files: &[OutFile]) -> Result<(), OutputError> {
    let real = checked_folder(dir, chosen)?;
    check_names(&real, files)?;
    match folder_state(&real, files)? {
        State::Missing => create_whole(&real, files),
        State::Ours | State::Shared => replace_files(&real, files),
    }
}

/// Write one new file `name` into `dir` (`synth --out`), never over anything
/// that is there, a dangling link included: the staged file is hard-linked
/// into place, which fails on an existing name and never follows a link.
pub fn write_new_file(
    dir: &Path,
    chosen: Chosen,
    name: &str,
    content: &str,
) -> Result<(), OutputError> {
    let real = checked_folder(dir, chosen)?;
    let target = real.join(name);
    if std::fs::symlink_metadata(&target).is_ok() {
        return Err(OutputError::Exists(dir.join(name)));
    }
    let created = create_parents(&real)?;
    let result = place_new(&real, name, content.as_bytes()).map_err(|e| match e {
        Placed::Exists => OutputError::Exists(dir.join(name)),
        Placed::Io(source) => OutputError::WriteFile {
            path: dir.join(name),
            source,
        },
    });
    if result.is_err() {
        remove_created(&created);
    }
    result
}

/// `dir` checked for links, as the real folder to write in (a link the user
/// named resolved to where it points).
fn checked_folder(dir: &Path, chosen: Chosen) -> Result<PathBuf, OutputError> {
    let parts: Vec<Component> = dir.components().collect();
    let mut at = PathBuf::new();
    for (i, c) in parts.iter().enumerate() {
        at.push(c);
        if !matches!(c, Component::Normal(_)) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&at) else {
            break; // nothing exists from here on
        };
        if !meta.file_type().is_symlink() {
            continue;
        }
        let last = i + 1 == parts.len();
        if last && chosen == Chosen::ByUser {
            return match std::fs::canonicalize(&at) {
                Ok(real) if real.is_dir() => Ok(real),
                Ok(_) => Err(OutputError::NotAFolder(dir.to_path_buf())),
                Err(_) => Err(OutputError::LinkToNothing(dir.to_path_buf())),
            };
        }
        if last {
            return Err(OutputError::FolderIsALink(dir.to_path_buf()));
        }
        // A link on the way: inside the working folder (a checkout) unless
        // the path is absolute, which the user spelt out from the root.
        if !dir.is_absolute() {
            return Err(OutputError::PathThroughALink {
                link: at,
                dir: dir.to_path_buf(),
            });
        }
    }
    match std::fs::symlink_metadata(dir) {
        Ok(m) if !m.is_dir() => Err(OutputError::NotAFolder(dir.to_path_buf())),
        _ => Ok(dir.to_path_buf()),
    }
}

/// Refuse, before any byte is written, a target that is a folder, and a
/// name that is not a plain file name (the names are ours; this is a guard).
fn check_names(dir: &Path, files: &[OutFile]) -> Result<(), OutputError> {
    for (name, _) in files {
        let p = dir.join(name);
        let plain = matches!(
            Path::new(name).components().collect::<Vec<_>>().as_slice(),
            [Component::Normal(_)]
        );
        if !plain || std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
            return Err(OutputError::FileIsAFolder(p));
        }
    }
    Ok(())
}

enum State {
    /// The folder does not exist.
    Missing,
    /// It holds only files an earlier run of this output wrote.
    Ours,
    /// It holds other things too.
    Shared,
}

fn folder_state(dir: &Path, files: &[OutFile]) -> Result<State, OutputError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::Missing),
        Err(source) => {
            return Err(OutputError::CreateFolder {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    for e in entries {
        let Ok(e) = e else { return Ok(State::Shared) };
        let name = e.file_name();
        let name = name.to_string_lossy();
        let a_file = e.file_type().is_ok_and(|t| !t.is_dir());
        let ours = name.ends_with(".svg")
            || ["index.html", "summary.md", "report.json"].contains(&name.as_ref())
            || files.iter().any(|(n, _)| *n == name);
        if !a_file || !ours {
            return Ok(State::Shared);
        }
    }
    Ok(State::Ours)
}

/// A folder that does not exist yet: written beside, moved in whole.
fn create_whole(dir: &Path, files: &[OutFile]) -> Result<(), OutputError> {
    let Some((parent, name)) = parent_and_name(dir) else {
        return Err(OutputError::CreateFolder {
            path: dir.to_path_buf(),
            source: std::io::ErrorKind::InvalidInput.into(),
        });
    };
    let created = create_parents(&parent)?;
    let result = (|| {
        let new = stage_dir(&parent, &name, "new")?;
        if let Err(e) = write_staged(&new, dir, files) {
            let _ = std::fs::remove_dir_all(&new);
            return Err(e);
        }
        std::fs::rename(&new, dir).map_err(|source| {
            let _ = std::fs::remove_dir_all(&new);
            OutputError::CreateFolder {
                path: dir.to_path_buf(),
                source,
            }
        })
    })();
    if result.is_err() {
        remove_created(&created);
    }
    result
}

enum Swap {
    /// The folder has no parent to stage beside.
    Impossible,
    Failed(OutputError),
}

/// An older output folder: the new one written beside it, the old renamed
/// aside, the new renamed in, the old removed; any failure puts the old back.
fn replace_whole(dir: &Path, files: &[OutFile]) -> Result<(), Swap> {
    let Some((parent, name)) = parent_and_name(dir) else {
        return Err(Swap::Impossible);
    };
    let new = stage_dir(&parent, &name, "new").map_err(Swap::Failed)?;
    if let Err(e) = write_staged(&new, dir, files) {
        let _ = std::fs::remove_dir_all(&new);
        return Err(Swap::Failed(e));
    }
    let undo = |e: OutputError| {
        let _ = std::fs::remove_dir_all(&new);
        Swap::Failed(e)
    };
    // An empty folder of a fresh name, replaced by the rename (a rename may
    // replace an empty folder): nobody else's folder is ever renamed over.
    let old = stage_dir(&parent, &name, "old").map_err(undo)?;
    if let Err(source) = std::fs::rename(dir, &old) {
        let _ = std::fs::remove_dir(&old);
        return Err(undo(OutputError::CreateFolder {
            path: dir.to_path_buf(),
            source,
        }));
    }
    if let Err(source) = std::fs::rename(&new, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(undo(OutputError::CreateFolder {
            path: dir.to_path_buf(),
            source,
        }));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// A folder that holds other files: every file staged inside it first, then
/// each renamed over its target.
fn replace_files(dir: &Path, files: &[OutFile]) -> Result<(), OutputError> {
    let stage = stage_dir(dir, "", "staging")?;
    let result = write_staged(&stage, dir, files).and_then(|()| {
        files.iter().try_for_each(|(name, _)| {
            std::fs::rename(stage.join(name), dir.join(name)).map_err(|source| {
                OutputError::MoveFile {
                    path: dir.join(name),
                    source,
                }
            })
        })
    });
    let _ = std::fs::remove_dir_all(&stage);
    result
}

/// Write every file create-new into `stage`; errors name the final path.
fn write_staged(stage: &Path, dir: &Path, files: &[OutFile]) -> Result<(), OutputError> {
    files.iter().try_for_each(|(name, content)| {
        write_new(&stage.join(name), content.as_bytes()).map_err(|source| OutputError::WriteFile {
            path: dir.join(name),
            source,
        })
    })
}

enum Placed {
    Exists,
    Io(std::io::Error),
}

/// One file staged beside its target, then hard-linked into place (fails
/// when anything has the name, never follows a link). Where hard links are
/// not supported, the target is created create-new and written directly
/// (removed again on a failure).
fn place_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Placed> {
    let target = dir.join(name);
    let staged = (0..100)
        .map(|n| {
            dir.join(format!(
                ".{name}.blastradius-new-{}-{n}",
                std::process::id()
            ))
        })
        .find_map(|p| match write_new(&p, bytes) {
            Ok(()) => Some(Ok(p)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
            Err(e) => {
                let _ = std::fs::remove_file(&p);
                Some(Err(e))
            }
        })
        .unwrap_or_else(|| Err(std::io::ErrorKind::AlreadyExists.into()))
        .map_err(Placed::Io)?;
    let linked = std::fs::hard_link(&staged, &target);
    let _ = std::fs::remove_file(&staged);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Placed::Exists),
        Err(_) => match write_new(&target, bytes) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Placed::Exists),
            Err(e) => {
                let _ = std::fs::remove_file(&target);
                Err(Placed::Io(e))
            }
        },
    }
}

/// A fresh folder `.NAME.blastradius-TAG-PID-N` in `parent` (create_dir
/// fails on anything already there, a link included).
fn stage_dir(parent: &Path, name: &str, tag: &str) -> Result<PathBuf, OutputError> {
    let prefix = if name.is_empty() {
        String::new()
    } else {
        format!(".{name}")
    };
    let mut last = None;
    for n in 0..100 {
        let p = parent.join(format!(
            "{prefix}.blastradius-{tag}-{}-{n}",
            std::process::id()
        ));
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    Err(OutputError::CreateFolder {
        path: parent.to_path_buf(),
        source: last.unwrap_or_else(|| std::io::ErrorKind::AlreadyExists.into()),
    })
}

/// The folder a path is in (`.` for a bare name) and its last name; none
/// for `/`, `.` or `..`.
fn parent_and_name(dir: &Path) -> Option<(PathBuf, String)> {
    let name = match dir.components().next_back()? {
        Component::Normal(n) => n.to_string_lossy().into_owned(),
        _ => return None,
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some((parent, name))
}

/// Create `dir` and its missing parents; the folders created, deepest
/// last, so a failure can remove them again.
fn create_parents(dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(p) = at.filter(|p| !p.as_os_str().is_empty()) {
        if std::fs::symlink_metadata(p).is_ok() {
            break;
        }
        missing.push(p.to_path_buf());
        at = p.parent();
    }
    missing.reverse();
    for (i, p) in missing.iter().enumerate() {
        if let Err(source) = std::fs::create_dir(p) {
            if source.kind() != std::io::ErrorKind::AlreadyExists {
                remove_created(missing.get(..i).unwrap_or(&[]));
                return Err(OutputError::CreateFolder {
                    path: p.clone(),
                    source,
                });
            }
        }
    }
    Ok(missing)
}

/// Remove folders [`create_parents`] made (only while they are empty).
fn remove_created(created: &[PathBuf]) {
    for p in created.iter().rev() {
        let _ = std::fs::remove_dir(p);
    }
}

/// Write a file that must not exist yet (create-new never follows a link),
/// flushed to the device before it is moved into place.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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

    fn base(tag: &str) -> PathBuf {
        let b = std::env::temp_dir().join(format!("br-files-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&b);
        std::fs::create_dir_all(&b).unwrap();
        b
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn f(name: &str, content: &str) -> OutFile {
        (name.into(), content.into())
    }

    #[test]
    fn refuses_a_file_where_the_folder_goes() {
        let base = base("plain");
        let file = base.join("plain");
        std::fs::write(&file, "x").unwrap();
        let e = write_folder(&file, Chosen::ByUser, &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{} exists and is not a folder; choose another output folder",
                file.display()
            )
        );
        std::fs::create_dir_all(base.join("d").join("sub")).unwrap();
        let e = write_folder(&base.join("d"), Chosen::ByUser, &[f("sub", "x")]).unwrap_err();
        assert!(matches!(e, OutputError::FileIsAFolder(_)));
        write_folder(&base.join("new"), Chosen::ByUser, &[f("a.txt", "hi")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(base.join("new/a.txt")).unwrap(),
            "hi"
        );
        assert_eq!(names(&base), ["d", "new", "plain"], "no staging left");
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn an_older_report_is_replaced_whole_and_a_shared_folder_keeps_its_files() {
        let base = base("whole");
        let out = base.join("rep");
        write_folder(
            &out,
            Chosen::ByUser,
            &[f("index.html", "1"), f("pod-matrix.svg", "1")],
        )
        .unwrap();
        // The second report has no pod matrix (a larger cluster): gone.
        write_folder(&out, Chosen::ByUser, &[f("index.html", "2")]).unwrap();
        assert_eq!(names(&out), ["index.html"]);
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "2"
        );
        assert_eq!(names(&base), ["rep"], "nothing aside left");
        // A folder with someone else's file: kept, ours replaced.
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        write_folder(&out, Chosen::ByUser, &[f("index.html", "3")]).unwrap();
        assert_eq!(names(&out), ["index.html", "notes.txt"]);
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "3"
        );
        // simulate --svg never removes a file it does not write.
        write_into(&out, Chosen::ByUser, &[f("a.svg", "svg")]).unwrap();
        assert_eq!(names(&out), ["a.svg", "index.html", "notes.txt"]);
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn a_new_file_never_overwrites() {
        let base = base("new");
        let dir = base.join("syn");
        write_new_file(&dir, Chosen::ByUser, "cluster.yaml", "a").unwrap();
        let e = write_new_file(&dir, Chosen::ByUser, "cluster.yaml", "b").unwrap_err();
        assert!(matches!(e, OutputError::Exists(_)));
        assert_eq!(
            std::fs::read_to_string(dir.join("cluster.yaml")).unwrap(),
            "a"
        );
        assert_eq!(names(&dir), ["cluster.yaml"]);
        let _ = std::fs::remove_dir_all(&base);
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_link_and_leaves_no_staging() {
        use std::os::unix::fs::symlink;
        let base = base("link");
        let out = base.join("out");
        std::fs::create_dir_all(&out).unwrap();
        let victim = base.join("victim.txt");
        std::fs::write(&victim, "mine").unwrap();
        // A link where a file goes is replaced, its target untouched.
        symlink(&victim, out.join("index.html")).unwrap();
        // A dangling link creates nothing outside the folder.
        symlink(base.join("elsewhere.txt"), out.join("a.svg")).unwrap();
        for write in [write_folder, write_into] {
            write(
                &out,
                Chosen::ByUser,
                &[f("index.html", "new"), f("a.svg", "svg")],
            )
            .unwrap();
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
            assert!(!base.join("elsewhere.txt").exists());
            for (n, want) in [("index.html", "new"), ("a.svg", "svg")] {
                let m = std::fs::symlink_metadata(out.join(n)).unwrap();
                assert!(m.is_file(), "{n} is a plain file now");
                assert_eq!(std::fs::read_to_string(out.join(n)).unwrap(), want);
            }
            let _ = std::fs::remove_file(out.join("index.html"));
            symlink(&victim, out.join("index.html")).unwrap();
        }
        // A dangling link where synth's file goes: refused, nothing created.
        symlink(base.join("synth-target"), out.join("cluster.yaml")).unwrap();
        let e = write_new_file(&out, Chosen::ByUser, "cluster.yaml", "x");
        assert!(matches!(e, Err(OutputError::Exists(_))));
        assert!(!base.join("synth-target").exists());
        // A folder where a later file goes: refused before any byte is written.
        std::fs::create_dir(out.join("z.svg")).unwrap();
        let e = write_into(&out, Chosen::ByUser, &[f("b.svg", "x"), f("z.svg", "x")]);
        assert!(matches!(e, Err(OutputError::FileIsAFolder(_))));
        assert!(!out.join("b.svg").exists());
        // A default folder that is a link is refused; one the user named is
        // written where it points.
        let real = base.join("real");
        std::fs::create_dir(&real).unwrap();
        symlink(&real, base.join("linked")).unwrap();
        let e = write_folder(&base.join("linked"), Chosen::Default, &[f("c.txt", "x")]);
        assert!(matches!(e, Err(OutputError::FolderIsALink(_))));
        assert!(!real.join("c.txt").exists());
        write_folder(&base.join("linked"), Chosen::ByUser, &[f("c.txt", "x")]).unwrap();
        assert_eq!(std::fs::read_to_string(real.join("c.txt")).unwrap(), "x");
        assert!(std::fs::symlink_metadata(base.join("linked"))
            .unwrap()
            .file_type()
            .is_symlink());
        // No staging or aside folder is left anywhere.
        for d in [&base, &out, &real] {
            assert!(
                names(d).iter().all(|n| !n.contains("blastradius-")),
                "{:?}",
                names(d)
            );
        }
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn parents_and_names() {
        assert_eq!(
            parent_and_name(Path::new("out/shop")),
            Some((PathBuf::from("out"), "shop".into()))
        );
        assert_eq!(
            parent_and_name(Path::new("shop")),
            Some((PathBuf::from("."), "shop".into()))
        );
        assert_eq!(parent_and_name(Path::new(".")), None);
        assert_eq!(parent_and_name(Path::new("/")), None);
    }
}
