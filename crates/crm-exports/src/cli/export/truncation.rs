//! The warning `export start` prints when the finished export cut text at the format's
//! cell limit (the details' `truncatedCellCount` and `truncatedProperties` extensions), so
//! nobody finds out from a shortened note weeks later.

use crate::client::Client;

/// Prints the warning to stderr when the export's details report cut cells; a details
/// request that fails only skips the warning.
pub async fn warn_if_cut(client: &Client, id: &str) {
    let Ok(details) = client.export_details(id).await else {
        return;
    };
    if let Some(message) = warning(
        details.truncated_cell_count.unwrap_or(0),
        &details.truncated_properties,
    ) {
        eprintln!("{message}");
    }
}

fn warning(cells: i64, properties: &[String]) -> Option<String> {
    if cells <= 0 {
        return None;
    }
    let (noun, verb) = if cells == 1 {
        ("cell", "was")
    } else {
        ("cells", "were")
    };
    Some(format!(
        "warning: {cells} {noun} {verb} cut at 32,767 characters, the format's cell limit, in: {} \
         (CSV keeps the whole text)",
        properties.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_names_the_properties_and_says_how_many_cells() {
        let properties = vec!["notes".to_owned(), "description".to_owned()];
        assert_eq!(
            warning(3, &properties).unwrap(),
            "warning: 3 cells were cut at 32,767 characters, the format's cell limit, in: \
             notes, description (CSV keeps the whole text)"
        );
        assert!(
            warning(1, &properties[..1])
                .unwrap()
                .contains("1 cell was cut")
        );
        assert_eq!(warning(0, &[]), None);
    }
}
