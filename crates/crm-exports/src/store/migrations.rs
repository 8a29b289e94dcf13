//! The schema migrations of both databases, embedded in the binary: one folder per
//! database, each file a version. Versions may have gaps (features land in any order); each
//! is applied once and recorded in `schema_migrations`, by each backend its own way.

/// A version and its SQL.
pub type Migration = (i64, &'static str);

macro_rules! migrations {
    ($dir:literal: $($version:literal => $file:literal),* $(,)?) => {
        &[$(($version, include_str!(concat!("../../migrations/", $dir, "/", $file)))),*]
    };
}

pub const SQLITE: &[Migration] = migrations!("sqlite":
    1 => "0001_init.sql",
    2 => "0002_associations.sql",
    3 => "0003_owners.sql",
    4 => "0004_lists.sql",
    5 => "0005_exports.sql",
    6 => "0006_custom_objects.sql",
    7 => "0007_expected_record_count.sql",
    8 => "0008_truncated_cells.sql",
    9 => "0009_labels_limits_list_folders.sql",
    10 => "0010_pipelines_merges.sql",
    11 => "0011_webhooks.sql",
    12 => "0012_owner_ids_per_portal.sql",
    13 => "0013_import_checkpoints.sql",
    14 => "0014_webhook_family.sql",
);

pub const POSTGRES: &[Migration] = migrations!("postgres":
    1 => "0001_init.sql",
    2 => "0002_associations.sql",
    3 => "0003_owners.sql",
    4 => "0004_lists.sql",
    5 => "0005_exports.sql",
    6 => "0006_custom_objects.sql",
    7 => "0007_expected_record_count.sql",
    8 => "0008_truncated_cells.sql",
    9 => "0009_labels_limits_list_folders.sql",
    10 => "0010_pipelines_merges.sql",
    11 => "0011_webhooks.sql",
    12 => "0012_owner_ids_per_portal.sql",
    13 => "0013_import_checkpoints.sql",
    14 => "0014_webhook_family.sql",
    15 => "0015_schema_versions.sql",
);

#[cfg(test)]
mod tests {
    use super::*;

    fn versions_on_disk(dir: &str) -> Vec<i64> {
        let dir = format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
        let mut on_disk: Vec<i64> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()?
                    .split('_')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect();
        on_disk.sort();
        on_disk
    }

    #[test]
    fn every_migration_file_is_registered_once_under_its_number() {
        for (dir, registered) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let versions: Vec<i64> = registered.iter().map(|(v, _)| *v).collect();
            assert_eq!(versions, versions_on_disk(dir), "{dir}");
        }
    }
}
