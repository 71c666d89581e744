//! The workspace: `file:` URIs and paths, and the index of the policy files under the
//! workspace folders (walked with limits; files re-read only when they change).

use super::*;

pub(super) const MAX_WORKSPACE_ENTRIES: usize = 20_000;
pub(super) const MAX_WORKSPACE_DEPTH: usize = 12;

pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    url::Url::parse(uri).ok()?.to_file_path().ok()
}

/// The `file:` URI of a path.
pub fn path_to_uri(path: &Path) -> String {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    url::Url::from_file_path(&abs)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("file://{}", abs.display()))
}

pub(super) fn is_policy_file(name: &str) -> bool {
    name.ends_with(".litcap")
        || name.ends_with(".litcap.yaml")
        || name.ends_with(".litcap.yml")
        || name.ends_with(".litcap.json")
}

impl Server {
    // ------------------------------------------------------------------ workspace --

    /// Policy files under the workspace folders, with the names they define and the grants
    /// their sessions use. Files are re-read only when their time or length changed.
    pub(super) fn refresh_index(&mut self) {
        if self
            .refreshed
            .is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1))
        {
            return;
        }
        self.refreshed = Some(std::time::Instant::now());
        let mut seen = Vec::new();
        let mut budget = MAX_WORKSPACE_ENTRIES;
        for root in self.roots.clone() {
            walk(&root, 0, &mut budget, &mut seen);
        }
        self.index.retain(|p, _| seen.contains(p));
        for path in seen {
            let meta = std::fs::metadata(&path).ok();
            let modified = meta.as_ref().and_then(|m| m.modified().ok());
            let len = meta.as_ref().map(|m| m.len()).unwrap_or(0);
            if let Some(f) = self.index.get(&path) {
                if f.modified == modified && f.len == len {
                    continue;
                }
            }
            let (mut grants, mut sessions) = (Vec::new(), Vec::new());
            let mut capabilities = Vec::new();
            if let Some(text) = read_text(&path) {
                let file = parse_doc(&text, PolicyFormat::from_path(&path));
                capabilities = erc5573_capabilities(&file);
                for item in file.items {
                    match item {
                        Item::Grant(g) => grants.push(g.name.value),
                        Item::Session(s) => sessions.push((s.name.value, s.from.value)),
                    }
                }
            }
            self.index.insert(
                path,
                IndexedFile {
                    modified,
                    len,
                    grants,
                    sessions,
                    capabilities,
                },
            );
        }
    }

    /// Workspace files (not open), by path, that `wants` accepts and whose names do not
    /// collide with `names` (a file defining a name already in the set, such as the YAML twin
    /// of an open `.litcap` file, would only bring `duplicate-name` errors).
    pub(super) fn workspace_files(
        &self,
        names: &[String],
        wants: impl Fn(&IndexedFile) -> bool,
    ) -> Vec<PathBuf> {
        let open: Vec<PathBuf> = self.docs.keys().filter_map(|u| uri_to_path(u)).collect();
        let mut found: Vec<PathBuf> = self
            .index
            .iter()
            .filter(|(p, f)| !open.contains(p) && wants(f))
            .filter(|(_, f)| {
                !f.grants
                    .iter()
                    .chain(f.sessions.iter().map(|(n, _)| n))
                    .any(|n| names.contains(n))
            })
            .map(|(p, _)| p.clone())
            .collect();
        found.sort();
        found
    }

    /// The workspace file (not open) that defines a grant, first by path.
    pub(super) fn workspace_file_defining(&self, grant: &str) -> Option<PathBuf> {
        self.workspace_files(&[], |f| f.grants.iter().any(|g| g == grant))
            .into_iter()
            .next()
    }
}

pub(super) fn read_text(path: &Path) -> Option<String> {
    let bytes = load::read_limited(path).ok()?;
    String::from_utf8(bytes).ok()
}

pub(super) fn walk(dir: &Path, depth: usize, budget: &mut usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_WORKSPACE_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            walk(&e.path(), depth + 1, budget, out);
        } else if kind.is_file() && is_policy_file(&name) {
            out.push(e.path());
        }
    }
}
