//! The fixed parts of an XLSX package (content types, relationships, document
//! properties, styles, the workbook) and the worksheet's opening and closing XML, in the
//! element order ECMA-376 prescribes. Styles hold the four cell formats the sheet uses:
//! [`XF_DEFAULT`], [`XF_HEADER`] (bold), [`XF_DATE_TIME`] and [`XF_DATE`].

pub(super) const XF_DEFAULT: u8 = 0;
pub(super) const XF_HEADER: u8 = 1;
pub(super) const XF_DATE_TIME: u8 = 2;
pub(super) const XF_DATE: u8 = 3;

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The parts known before any row: (zip entry name, contents).
pub(super) fn fixed_parts(sheet_name: &str, application: &str) -> [(&'static str, String); 6] {
    [
        ("[Content_Types].xml", content_types()),
        ("_rels/.rels", package_relationships()),
        ("docProps/app.xml", app_properties(sheet_name, application)),
        ("docProps/core.xml", core_properties(application)),
        ("xl/_rels/workbook.xml.rels", workbook_relationships()),
        ("xl/styles.xml", styles()),
    ]
}

fn content_types() -> String {
    let override_part = |part: &str, kind: &str| {
        format!(
            "<Override PartName=\"{part}\" ContentType=\"application/vnd.openxmlformats-{kind}+xml\"/>"
        )
    };
    format!(
        "{XML_DECLARATION}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>{}{}{}{}{}</Types>",
        override_part("/docProps/app.xml", "officedocument.extended-properties"),
        override_part("/docProps/core.xml", "package.core-properties"),
        override_part("/xl/styles.xml", "officedocument.spreadsheetml.styles"),
        override_part(
            "/xl/workbook.xml",
            "officedocument.spreadsheetml.sheet.main"
        ),
        override_part(
            "/xl/worksheets/sheet1.xml",
            "officedocument.spreadsheetml.worksheet"
        ),
    )
}

fn package_relationships() -> String {
    format!(
        "{XML_DECLARATION}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"{REL_NS}/officeDocument\" Target=\"xl/workbook.xml\"/>\
         <Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
         <Relationship Id=\"rId3\" Type=\"{REL_NS}/extended-properties\" Target=\"docProps/app.xml\"/>\
         </Relationships>"
    )
}

fn workbook_relationships() -> String {
    format!(
        "{XML_DECLARATION}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"{REL_NS}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
         <Relationship Id=\"rId2\" Type=\"{REL_NS}/styles\" Target=\"styles.xml\"/>\
         </Relationships>"
    )
}

fn app_properties(sheet_name: &str, application: &str) -> String {
    format!(
        "{XML_DECLARATION}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" \
         xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\
         <Application>{}</Application><HeadingPairs><vt:vector size=\"2\" baseType=\"variant\">\
         <vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant>\
         </vt:vector></HeadingPairs><TitlesOfParts><vt:vector size=\"1\" baseType=\"lpstr\">\
         <vt:lpstr>{}</vt:lpstr></vt:vector></TitlesOfParts></Properties>",
        escaped(application),
        escaped(sheet_name)
    )
}

/// The creation time is the zip epoch, not the moment of writing, so that the same rows
/// give the same bytes.
fn core_properties(application: &str) -> String {
    format!(
        "{XML_DECLARATION}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:creator>{}</dc:creator>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">1980-01-01T00:00:00Z</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">1980-01-01T00:00:00Z</dcterms:modified>\
         </cp:coreProperties>",
        escaped(application)
    )
}

fn styles() -> String {
    let font = |bold: &str| {
        format!(
            "<font>{bold}<sz val=\"11\"/><color rgb=\"FF000000\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
        )
    };
    let xf = |format: u32, font: u32, apply: &str| {
        format!(
            "<xf numFmtId=\"{format}\" fontId=\"{font}\" fillId=\"0\" borderId=\"0\" xfId=\"0\"{apply}/>"
        )
    };
    format!(
        "{XML_DECLARATION}<styleSheet xmlns=\"{MAIN_NS}\">\
         <numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm\"/>\
         <numFmt numFmtId=\"165\" formatCode=\"yyyy-mm-dd\"/></numFmts>\
         <fonts count=\"2\">{}{}</fonts>\
         <fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>\
         <borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
         <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
         <cellXfs count=\"4\">{}{}{}{}</cellXfs>\
         <cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
         <dxfs count=\"0\"/><tableStyles count=\"0\"/></styleSheet>",
        font(""),
        font("<b/>"),
        xf(0, 0, ""),
        xf(0, 1, " applyFont=\"1\""),
        xf(164, 0, " applyNumberFormat=\"1\""),
        xf(165, 0, " applyNumberFormat=\"1\""),
    )
}

/// The workbook, written last because its filter range names the last row.
pub(super) fn workbook(sheet_name: &str, filter: Option<&str>) -> String {
    let defined_names = match filter {
        // Excel keeps an autofilter's range in this hidden built-in name.
        Some(range) => format!(
            "<definedNames><definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">'{}'!{}</definedName></definedNames>",
            escaped(&sheet_name.replace('\'', "''")),
            absolute(range)
        ),
        None => String::new(),
    };
    format!(
        "{XML_DECLARATION}<workbook xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\">\
         <bookViews><workbookView/></bookViews>\
         <sheets><sheet name=\"{}\" sheetId=\"1\" r:id=\"rId1\"/></sheets>{defined_names}</workbook>",
        escaped(sheet_name)
    )
}

/// `A1:U9` as `$A$1:$U$9`.
fn absolute(range: &str) -> String {
    range
        .split(':')
        .map(|cell| {
            let digits = cell
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(cell.len());
            format!("${}${}", &cell[..digits], &cell[digits..])
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// The worksheet up to its first row: the frozen header row and the column widths (in
/// characters; Excel adds the cell padding of its default font, as it does itself).
pub(super) fn sheet_head(widths: &[f64]) -> String {
    let mut head = format!(
        "{XML_DECLARATION}<worksheet xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\">\
         <sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\">\
         <pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
         <selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>\
         <sheetFormatPr defaultRowHeight=\"15\"/>"
    );
    if !widths.is_empty() {
        head.push_str("<cols>");
        for (index, width) in widths.iter().enumerate() {
            let column = index + 1;
            head.push_str(&format!(
                "<col min=\"{column}\" max=\"{column}\" width=\"{:.2}\" customWidth=\"1\"/>",
                width + 0.71
            ));
        }
        head.push_str("</cols>");
    }
    head.push_str("<sheetData>");
    head
}

/// The worksheet after its last row.
pub(super) fn sheet_tail(filter: Option<&str>) -> String {
    let filter = filter
        .map(|range| format!("<autoFilter ref=\"{range}\"/>"))
        .unwrap_or_default();
    format!(
        "</sheetData>{filter}<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>"
    )
}

/// Text for an XML attribute or element of a fixed part (names chosen by the caller).
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // XML 1.0 cannot carry other control characters at all.
            '\t' | '\n' | '\r' => out.push(ch),
            c if c < ' ' => {}
            c => out.push(c),
        }
    }
    out
}
